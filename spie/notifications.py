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
