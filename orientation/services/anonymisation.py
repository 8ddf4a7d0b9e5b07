"""The orientation app's part of a person's anonymisation (called by carnet.services.anonymisation only).

The dossiers and decisions stay for the legal delays' statistics (type of orientation, status, dispositif, structure,
month of each date); the diagnostic (the person's answers), the convocations and every free text are removed.
"""

from orientation.models import Convocation, DemandeReorientation, Diagnostic, DossierOrientation, Orientation
from spie.anonymisation import effacer

DATES_DOSSIER = [
    "date_entree_rsa",
    "date_premier_contact",
    "date_entretien",
    "date_decision",
    "date_premier_rdv_accompagnement",
    "date_reception_information",
    "date_limite_orientation",
    "date_orientation_france_travail",
    "created_at",
    "updated_at",
]


def anonymiser(*, carnet) -> dict[str, int]:
    convocations, _ = Convocation.objects.filter(dossier__carnet=carnet).delete()
    Orientation.objects.filter(carnet=carnet).update(diagnostic=None)
    diagnostics, _ = Diagnostic.objects.filter(carnet=carnet).delete()
    orientations = effacer(
        Orientation.objects.filter(carnet=carnet),
        vider=[
            "motif",
            "commentaire",
            "parcours_propose",
            "organisme_propose",
            "regle_proposition",
            "explication_proposition",
            "motif_ecart",
        ],
        mois=["proposee_le", "decidee_le"],
    )
    dossiers = effacer(DossierOrientation.objects.filter(carnet=carnet), mois=DATES_DOSSIER)
    demandes = effacer(
        DemandeReorientation.objects.filter(carnet=carnet),
        vider=["motif", "commentaire"],
        mois=["created_at", "decidee_le"],
    )
    return {
        "orientation.convocation": convocations,
        "orientation.diagnostic": diagnostics,
        "orientation.orientation": orientations,
        "orientation.dossierorientation": dossiers,
        "orientation.demandereorientation": demandes,
    }


def supprimer(*, carnet) -> dict[str, int]:
    """A person never oriented: a dossier waiting in the queue (and its convocations, diagnostics) is deleted."""
    Convocation.objects.filter(dossier__carnet=carnet).delete()
    Orientation.objects.filter(carnet=carnet).delete()
    Diagnostic.objects.filter(carnet=carnet).delete()
    DossierOrientation.objects.filter(carnet=carnet).update(demande_reorientation=None)
    DemandeReorientation.objects.filter(carnet=carnet).delete()
    nombre, _ = DossierOrientation.objects.filter(carnet=carnet).delete()
    return {"orientation.dossierorientation": nombre}
