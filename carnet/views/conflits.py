"""Identity conflicts set aside by the CAF/MSA flux, for the admin to decide (`carnet.services.conflits`)."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from carnet.models import ConflitIdentite, RoleFoyer, StatutConflit
from carnet.nir import nir_hash
from carnet.services.base import RegleMetier
from carnet.services.conflits import conflit_resoudre, conflits_a_resoudre
from spie.audit import log_access
from spie.crypto import decrypt
from spie.decorators import require_perm
from spie.models import Action
from spie.perms import can_administer_departement

DECISIONS = {StatutConflit.MEME_PERSONNE.value, StatutConflit.PERSONNE_DIFFERENTE.value}


def _identite_recue(conflit):
    """The received identity for the page; the NIR is never shown, only whether it agrees."""
    recu = dict(conflit.recu)
    if recu.get("date_naissance"):
        recu["date_naissance"] = datetime.date.fromisoformat(recu["date_naissance"])
    connu = conflit.beneficiaire
    if not conflit.nir_chiffre:
        recu["nir"] = "absent"
    elif not connu.nir_hash:
        recu["nir"] = "reçu (la personne connue n'en a pas)"
    else:
        recu["nir"] = "identique" if nir_hash(decrypt(conflit.nir_chiffre)) == connu.nir_hash else "différent"
    return recu


@require_perm(can_administer_departement)
def conflits(request):
    page = Paginator(conflits_a_resoudre().order_by("created_at", "pk"), 50).get_page(request.GET.get("page"))
    lignes = [
        {"conflit": conflit, "recu": _identite_recue(conflit), "role": RoleFoyer(conflit.role_foyer).label}
        for conflit in page
    ]
    return render(request, "carnet/conflits.html", {"page": page, "lignes": lignes})


@require_perm(can_administer_departement, model=ConflitIdentite)
@require_POST
def conflit_decider(request, conflit):
    decision = request.POST.get("decision")
    if decision not in DECISIONS:
        messages.error(request, "Choisissez « même personne » ou « personne différente ».")
        return redirect("carnet:conflits")
    try:
        conflit_resoudre(conflit=conflit, decision=decision, auteur=request.user)
    except RegleMetier as exc:
        messages.error(request, str(exc))
        return redirect("carnet:conflits")
    log_access(request=request, action=Action.MODIFICATION, obj=conflit, details={"decision": decision})
    if decision == StatutConflit.MEME_PERSONNE:
        messages.success(request, "Identité mise à jour : le prochain flux mettra cette personne à jour.")
    else:
        messages.success(
            request, "Numéro d'allocataire retiré de la personne connue : le prochain flux créera la personne reçue."
        )
    return redirect("carnet:conflits")
