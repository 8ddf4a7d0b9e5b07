"""Shared helpers of the orientation services: locking, recipients of notifications, the timeline."""

from django.urls import reverse

from carnet.models import Sensibilite, TypeEvenement
from carnet.services import evenement_record
from spie.models import Membership, Role
from spie.notifications import notify


def lock(obj):
    """Re-read `obj` under a row lock: rules are then checked against the current state."""
    return type(obj).objects.select_for_update(of=("self",)).get(pk=obj.pk)


def evenement(*, carnet, resume, auteur=None, structure=None, obj=None, sensibilite=Sensibilite.GENERALE):
    """An orientation line of the carnet's timeline. Summaries never carry free text typed by users
    (reasons, comments): those may hold health or family details."""
    return evenement_record(
        carnet=carnet,
        type=TypeEvenement.ORIENTATION,
        resume=resume,
        auteur=auteur,
        structure=structure,
        sensibilite=sensibilite,
        obj=obj,
    )


def users_with_role(*roles, structure=None):
    memberships = Membership.objects.actifs().filter(role__in=roles).select_related("user")
    if structure is not None:
        memberships = memberships.filter(structure=structure)
    return list({m.user_id: m.user for m in memberships}.values())


def professionnels_de(structure):
    return users_with_role(Role.PROFESSIONNEL, Role.RESPONSABLE_STRUCTURE, structure=structure)


def valideurs():
    return users_with_role(Role.VALIDATEUR_ORIENTATION)


def charges_du_secteur(carnet):
    """Chargés and valideurs whose sector covers the person's commune; all of them when nobody's does."""
    from orientation.models import Secteur

    tous = users_with_role(Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION)
    commune_id = carnet.beneficiaire.commune_id
    if commune_id:
        ids = set(Secteur.objects.filter(territoire__communes=commune_id).values_list("user_id", flat=True))
        secteur = [user for user in tous if user.pk in ids]
        if secteur:
            return secteur
    return tous


def notifier(users, *, titre, message, cle, lien, departement_id, sauf=None):
    """Notify each user once (by key); `sauf` (a user) is left out: nobody is told what they just did."""
    for user in users:
        if user is None or (sauf is not None and user.pk == sauf.pk):
            continue
        notify(user=user, titre=titre, message=message, cle=cle, lien=lien, departement_id=departement_id)


def url(name, **kwargs):
    return reverse(f"orientation:{name}", kwargs=kwargs)
