"""The offer app's part of a person's anonymisation (called by carnet.services.anonymisation only).

Prescriptions stay for the statistics of the offer (status, step, service, structures, month of each date); the
person's contact details copied into them, the messages and the free-text precisions are emptied.
"""

from offre.models import EtapePrescription, Prescription
from spie.anonymisation import effacer


def anonymiser(*, carnet) -> dict[str, int]:
    prescriptions = Prescription.objects.filter(carnet=carnet)
    etapes = effacer(
        EtapePrescription.objects.filter(prescription__carnet=carnet), vider=["precision"], mois=["date", "created_at"]
    )
    lignes = effacer(
        prescriptions,
        vider=[
            "personne_prenom",
            "personne_nom",
            "personne_telephone",
            "personne_courriel",
            "message",
            "precision_reponse",
        ],
        mois=["created_at", "relancee_le", "repondue_le", "cloturee_le", "etape_le", "suivi_relance_le"],
    )
    return {"offre.prescription": lignes, "offre.etapeprescription": etapes}


def supprimer(*, carnet) -> dict[str, int]:
    """A person never accompanied: their prescriptions (and steps) go with them."""
    EtapePrescription.objects.filter(prescription__carnet=carnet).delete()
    nombre, _ = Prescription.objects.filter(carnet=carnet).delete()
    return {"offre.prescription": nombre}
