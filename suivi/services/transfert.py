"""The follow-up app's part of a transfer between départements (called by carnet.services.transfert only).

The alerts are the sending département's record of what it told its professionals (one per kind and week): they
are cut, so that the receiving département's rules alert its own professionals afresh. A satisfaction
questionnaire belongs to the person's path: it moves.
"""

from suivi.models import Alerte, Questionnaire


def transferer(*, carnet, vers) -> dict[str, int]:
    alertes, _ = Alerte.objects.filter(carnet=carnet).delete()
    return {
        "suivi.alerte": alertes,
        "suivi.questionnaire": Questionnaire.objects.filter(carnet=carnet).update(departement_id=vers.pk),
    }
