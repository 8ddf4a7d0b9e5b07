""" "Ma journée": what the home page shows a professional (and a structure's manager), from the action lists.

Not a view module: the home page (`spie.views.general.accueil`) asks for this context, so that the page stays
the platform's one home and the lists stay defined once, in `suivi.services.listes`.
"""

from carnet.perms import can_see_structure_portfolio
from spie.audit import log_list_view
from suivi.services.base import regles_en_lecture
from suivi.services.listes import listes_professionnel, listes_structure, rendez_vous_a_venir

VUE_STRUCTURE = "structure"


def journee_contexte(request) -> dict:
    """The agenda and the lists of the acting user, or of their structure with `?vue=structure` (managers).

    Every person named on the page is recorded in the access log, in one row for the page."""
    acting = request.acting
    jours = regles_en_lecture(request.departement).digest_sans_rdv_jours
    peut_voir_structure = acting.structure is not None and can_see_structure_portfolio(acting)
    vue_structure = peut_voir_structure and request.GET.get("vue") == VUE_STRUCTURE
    if vue_structure:
        aujourdhui, semaine = rendez_vous_a_venir(structure=acting.structure)
        listes = listes_structure(structure=acting.structure, jours=jours)
    else:
        aujourdhui, semaine = rendez_vous_a_venir(user=request.user)
        listes = listes_professionnel(user=request.user, jours=jours)
    uids = {r.carnet.uid for r in [*aujourdhui, *semaine]}
    uids |= {ligne.uid for liste in listes for ligne in liste.lignes if ligne.uid}
    log_list_view(request, page="ma_journee_structure" if vue_structure else "ma_journee", uids=sorted(uids, key=str))
    return {
        "journee": {
            "aujourdhui": aujourdhui,
            "semaine": semaine,
            "listes": listes,
            "a_faire": sum(liste.nombre for liste in listes),
            "vue_structure": vue_structure,
            "peut_voir_structure": peut_voir_structure,
            "jours": jours,
        }
    }
