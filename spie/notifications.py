"""Send in-app notifications; idempotent by key."""

from spie.models import Notification


def notify(*, user, titre, message, cle, lien="", departement_id=None):
    """Create the notification unless one with the same key already exists for this user."""
    notification, created = Notification.objects.get_or_create(
        user=user,
        cle=cle,
        defaults={"titre": titre, "message": message, "lien": lien, "departement_id": departement_id},
    )
    return notification


def notifications_anonymiser(*, departement_id, uids, noms) -> int:
    """The in-app notifications pointing to a person's carnet or naming them lose their text and link (called by
    carnet.services.anonymisation only); the row stays so that its key still prevents a second notification."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    for uid in uids:
        condition |= Q(lien__icontains=str(uid))
    for nom in noms:
        condition |= Q(message__icontains=nom) | Q(titre__icontains=nom)
    return Notification.objects.filter(condition, departement_id=departement_id).update(
        titre="Contenu effacé (anonymisation)", message="", lien=""
    )
