"""The follow-up app's part of a transfer between départements (called by carnet.services.transfert only).

The alerts are the sending département's record of what it told its professionals (one per kind and week): they
are cut, so that the receiving département's rules alert its own professionals afresh. A satisfaction
questionnaire belongs to the person's path: it moves, its sending key prefixed with the sending département (keys
are unique per département, and the sending one may have used the same key as the receiving one).
"""

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from suivi.models import Alerte, Questionnaire


def transferer(*, carnet, vers) -> dict[str, int]:
    alertes, _ = Alerte.objects.filter(carnet=carnet).delete()
    prefixe = f"transfert-{carnet.departement.code}:"
    return {
        "suivi.alerte": alertes,
        "suivi.questionnaire": Questionnaire.objects.filter(carnet=carnet).update(
            departement_id=vers.pk, cle=Substr(Concat(Value(prefixe), F("cle")), 1, 100)
        ),
    }
