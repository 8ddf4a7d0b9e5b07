"""Hand-over of a leaving professional's portfolio to one or several colleagues, in one operation.

For every carnet where the leaving professional is an active member of the group for the structure, a
colleague takes their place: the référent's role passes to the colleague, a plain member is replaced by a
plain member. The group rows are ended, never deleted (the history shows who followed the person, when); each
carnet's timeline says who left and who takes over; the planned appointments of the leaving professional on
these carnets pass to the colleague; each colleague gets one notification listing how many people they now
follow. The carnets are shared out in turn among the colleagues, in the order of the people's names, so that
the split is even and the same for the same input.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carnet.models import Carnet, MembreGroupe, RendezVous, StatutRendezVous, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record

MOTIF_DEPART = "départ du professionnel : portefeuille transmis"


@dataclass(frozen=True)
class Transmission:
    carnets: int
    par_destinataire: dict  # user id → number of carnets taken over
    referents: int  # carnets where the role of référent passed


def lignes_a_transmettre(*, ancien, structure):
    """The leaving professional's active group rows for the structure, in the order of the people's names."""
    return (
        MembreGroupe.objects.actifs()
        .filter(user=ancien, structure=structure)
        .select_related("carnet", "carnet__beneficiaire")
        .order_by("carnet__beneficiaire__nom_usage", "carnet__beneficiaire__prenoms", "carnet_id")
    )


@transaction.atomic
def portefeuille_transmettre(*, ancien, structure, destinataires, auteur, auteur_structure) -> Transmission:
    """Move `ancien`'s carnets (for `structure`) to `destinataires` (colleagues of the structure), in turn.

    Raises `RegleMetier` when nobody is named, or when the leaving professional is among the colleagues."""
    destinataires = list(destinataires)
    if not destinataires:
        raise RegleMetier("Choisissez au moins un collègue qui reprend les personnes suivies.")
    if any(d.pk == ancien.pk for d in destinataires):
        raise RegleMetier("Le professionnel qui part ne peut pas reprendre son propre portefeuille.")
    lignes = list(lignes_a_transmettre(ancien=ancien, structure=structure))
    # Concurrent changes of these groups wait for the hand-over (the one-référent constraint holds).
    Carnet.objects.select_for_update().filter(pk__in=[ligne.carnet_id for ligne in lignes]).values_list("pk")
    maintenant = timezone.now()
    compte, referents = Counter(), 0
    for rang, ligne in enumerate(lignes):
        nouveau = destinataires[rang % len(destinataires)]
        referents += _transmettre(ligne, nouveau, structure, auteur, auteur_structure, maintenant)
        compte[nouveau.pk] += 1
    for nouveau in destinataires:
        if compte[nouveau.pk]:
            _notifier(nouveau, ancien, structure, compte[nouveau.pk])
    return Transmission(carnets=len(lignes), par_destinataire=dict(compte), referents=referents)


def _transmettre(ligne, nouveau, structure, auteur, auteur_structure, maintenant) -> bool:
    carnet = ligne.carnet
    MembreGroupe.objects.filter(pk=ligne.pk, fin=None).update(fin=maintenant, motif_fin=MOTIF_DEPART)
    existant = MembreGroupe.objects.actifs().filter(carnet=carnet, user=nouveau, structure=structure).first()
    if ligne.est_referent:
        if existant is not None:
            MembreGroupe.objects.filter(pk=existant.pk).update(fin=maintenant, motif_fin="devient référent")
        membre = MembreGroupe.objects.create(
            departement_id=carnet.departement_id, carnet=carnet, user=nouveau, structure=structure, est_referent=True
        )
        resume = (
            f"{nouveau.get_full_name()} ({structure.nom}) devient référent à la place de "
            f"{ligne.user.get_full_name()}, qui quitte la structure"
        )
        type_evenement = TypeEvenement.REFERENT_CHANGE
    else:
        membre = existant or MembreGroupe.objects.create(
            departement_id=carnet.departement_id, carnet=carnet, user=nouveau, structure=structure
        )
        resume = (
            f"{nouveau.get_full_name()} ({structure.nom}) reprend le suivi de {ligne.user.get_full_name()}, "
            "qui quitte la structure"
        )
        type_evenement = TypeEvenement.MEMBRE_AJOUTE
    evenement_record(
        carnet=carnet, type=type_evenement, resume=resume, auteur=auteur, structure=auteur_structure, obj=membre
    )
    RendezVous.objects.filter(
        carnet=carnet, professionnel=ligne.user, statut=StatutRendezVous.PREVU, date_heure__gte=maintenant
    ).update(professionnel=nouveau, structure=structure)
    return ligne.est_referent


def _notifier(nouveau, ancien, structure, nombre):
    from spie.notifications import notify

    pluriel = "s" if nombre > 1 else ""
    notify(
        user=nouveau,
        departement_id=structure.departement_id,
        titre=f"Vous reprenez {nombre} personne{pluriel} suivie{pluriel}",
        message=(
            f"{ancien.get_full_name()} quitte {structure.nom} : vous reprenez le suivi de {nombre} "
            f"personne{pluriel}. Elles apparaissent dans « Mes bénéficiaires »."
        ),
        lien=reverse("carnet:portefeuille"),
        cle=f"transmission:{ancien.uid}:{structure.uid}:{nouveau.uid}:{timezone.now():%Y%m%d%H%M%S%f}",
    )
