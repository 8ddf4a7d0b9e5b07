"""The offer app's part of a transfer between départements (called by carnet.services.transfert only).

The prescriptions move with the carnet (the path's history); one still waiting for an answer is cancelled: the
person no longer lives where the service is, and the receiving structure stops seeing it at once.
"""

from django.utils import timezone

from offre.models import EtapePrescription, Prescription, StatutPrescription


def transferer(*, carnet, vers) -> dict[str, int]:
    now = timezone.now()
    Prescription.objects.filter(carnet=carnet, statut=StatutPrescription.EN_ATTENTE).update(
        statut=StatutPrescription.ANNULEE,
        precision_reponse="Annulée : la personne a déménagé dans un autre département.",
        cloturee_le=now,
    )
    return {
        "offre.etapeprescription": EtapePrescription.objects.filter(prescription__carnet=carnet).update(
            departement_id=vers.pk
        ),
        "offre.prescription": Prescription.objects.filter(carnet=carnet).update(departement_id=vers.pk),
    }
