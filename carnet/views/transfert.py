"""Transfer of a carnet between départements: the sending admin proposes it from the carnet; the receiving admin
lists the proposals addressed to their département and accepts or refuses each one (`carnet.services.transfert`)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from carnet.decorators import carnet_view
from carnet.forms import TransfertForm, TransfertRefusForm
from carnet.models import OrigineTransfert, TransfertCarnet
from carnet.navigation import carnet_context
from carnet.routes import carnet_url
from carnet.services.base import RegleMetier
from carnet.services.transfert import (
    departements_destination,
    transfert_accepter,
    transfert_en_cours,
    transfert_proposer,
    transfert_refuser,
    transferts_recus,
)
from spie.audit import log_access, log_access_many
from spie.decorators import require_membership, require_perm
from spie.models import Action, Canal
from spie.perms import can_administer_departement


@carnet_view(can_administer_departement)
def transfert_proposer_vue(request, carnet):
    en_cours = transfert_en_cours(carnet)
    form = TransfertForm(
        request.POST if request.method == "POST" else None, departements=departements_destination(request.departement)
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfert = transfert_proposer(
                carnet=carnet,
                vers=form.cleaned_data["departement"],
                origine=OrigineTransfert.ADMIN,
                par=request.user,
                structure=request.structure,
                motif=form.cleaned_data["motif"],
                request=request,
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Transfert proposé au département {transfert.departement_destination.code} : ses administrateurs "
                "sont prévenus. Le carnet reste ici jusqu'à leur réponse.",
            )
            return redirect(carnet_url("carnet:detail", carnet.uid))
    passes = TransfertCarnet.objects.filter(carnet=carnet).select_related("departement_destination", "propose_par")
    return render(
        request,
        "carnet/transfert_proposer.html",
        carnet_context(request, carnet, form=form, en_cours=en_cours, transferts=passes),
        status=400 if form.errors else 200,
    )


@require_perm(can_administer_departement)
def transferts(request):
    """The proposals addressed to the admin's département, oldest first (one access-log row per person shown)."""
    rows = list(transferts_recus(request.departement).order_by("created_at", "pk")[:200])
    log_access_many(
        action=Action.CONSULTATION,
        objects=[row.carnet for row in rows],
        departement=request.departement,
        structure=request.structure,
        canal=Canal.WEB,
        details={"page": "transferts"},
    )
    return render(request, "carnet/transferts.html", {"transferts": rows})


def transfert_recu(view):
    """Find the proposal addressed to the user's département first (any other département's, or one already
    decided: 404 whatever the role), then require its admin (403)."""

    @require_membership
    @wraps(view)
    def wrapper(request, uid):
        transfert = get_object_or_404(transferts_recus(request.departement), uid=uid)
        if not can_administer_departement(request.acting):
            raise PermissionDenied("Seuls les administrateurs du département d'arrivée décident d'un transfert.")
        return view(request, transfert)

    return wrapper


@transfert_recu
def transfert_examiner(request, transfert):
    log_access(request=request, action=Action.CONSULTATION, obj=transfert.carnet, details={"page": "transfert"})
    return render(
        request,
        "carnet/transfert_examiner.html",
        {"transfert": transfert, "beneficiaire": transfert.carnet.beneficiaire, "refus": TransfertRefusForm()},
    )


@transfert_recu
@require_POST
def transfert_decider(request, transfert):
    decision = request.POST.get("decision")
    if decision == "accepter":
        try:
            transfert_accepter(transfert=transfert, par=request.user, structure=request.structure, request=request)
        except RegleMetier as error:
            messages.error(request, str(error))
            return redirect("carnet:transfert_examiner", uid=transfert.uid)
        messages.success(
            request,
            "Transfert accepté : le carnet est maintenant suivi par votre département. La personne entre dans la "
            "file d'orientation : le délai légal repart d'aujourd'hui.",
        )
        return redirect(carnet_url("carnet:detail", transfert.carnet.uid))
    if decision == "refuser":
        form = TransfertRefusForm(request.POST)
        if form.is_valid():
            try:
                transfert_refuser(
                    transfert=transfert,
                    par=request.user,
                    structure=request.structure,
                    motif=form.cleaned_data["motif_refus"],
                    request=request,
                )
            except RegleMetier as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Transfert refusé : le département de départ garde le carnet.")
                return redirect("carnet:transferts")
        return render(
            request,
            "carnet/transfert_examiner.html",
            {"transfert": transfert, "beneficiaire": transfert.carnet.beneficiaire, "refus": form},
            status=400,
        )
    messages.error(request, "Choisissez d'accepter ou de refuser le transfert.")
    return redirect("carnet:transfert_examiner", uid=transfert.uid)
