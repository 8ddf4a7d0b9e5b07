"""The orientation app's part of a transfer between départements (called by carnet.services.transfert only).

Dossiers, diagnostics, orientations, convocations and réorientation requests move with the carnet (the path's
history). An open dossier loses its chargé d'orientation (a professional of the sending département); the
receiving département's legal clock is restarted afterwards by `echeances.information_recevoir` (origin
"transfert"), which opens a dossier in its queue. The queue's candidate row follows the carnet by trigger
(migration orientation 0007).
"""

from orientation.models import Convocation, DemandeReorientation, Diagnostic, DossierOrientation, Orientation


def transferer(*, carnet, vers) -> dict[str, int]:
    DossierOrientation.objects.ouverts().filter(carnet=carnet).update(charge_orientation=None)
    return {
        "orientation.convocation": Convocation.objects.filter(dossier__carnet=carnet).update(departement_id=vers.pk),
        "orientation.orientation": Orientation.objects.filter(carnet=carnet).update(departement_id=vers.pk),
        "orientation.diagnostic": Diagnostic.objects.filter(carnet=carnet).update(departement_id=vers.pk),
        "orientation.demandereorientation": DemandeReorientation.objects.filter(carnet=carnet).update(
            departement_id=vers.pk
        ),
        "orientation.dossierorientation": DossierOrientation.objects.filter(carnet=carnet).update(
            departement_id=vers.pk
        ),
    }
