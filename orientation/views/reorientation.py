"""Réorientation: the référent's request from the carnet, the list of pending requests, the decision."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from carnet.decorators import carnet_view
from carnet.navigation import carnet_context
from carnet.services import RegleMetier
from orientation import services, workflow
from orientation.forms import DecisionReorientationForm, DemandeReorientationForm
from orientation.models import DemandeReorientation, Orientation, StatutDemandeReorientation, StatutOrientation
from orientation.perms import can_ask_reorientation, can_decide_reorientation, can_read_reorientation
from orientation.views import log_read
from spie.decorators import require_perm


@carnet_view(can_ask_reorientation)
def reorientation_demander(request, carnet):
    en_attente = services.demande_en_attente(carnet)
    form = DemandeReorientationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reorientation_request(
                carnet=carnet, demandeur=request.user, structure=request.structure, motif=form.cleaned_data["motif"]
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Votre demande de réorientation est transmise aux chargés d'orientation.")
            return redirect("carnet:detail", uid=carnet.uid)
    actuelle = (
        Orientation.objects.filter(carnet=carnet, statut=StatutOrientation.VALIDEE)
        .select_related("dispositif", "structure")
        .order_by("-decidee_le")
        .first()
    )
    context = carnet_context(request, carnet, form=form, en_attente=en_attente, actuelle=actuelle)
    return render(request, "orientation/reorientation_demander.html", context)


@require_perm(can_decide_reorientation)
@require_GET
def reorientations(request):
    demandes = (
        DemandeReorientation.objects.filter(statut=StatutDemandeReorientation.EN_ATTENTE)
        .select_related("carnet__beneficiaire", "demandeur", "structure")
        .order_by("created_at")
    )
    page = Paginator(demandes, 25).get_page(request.GET.get("page"))
    return render(request, "orientation/reorientations.html", {"page": page})


def _demandes():
    return DemandeReorientation.objects.select_related(
        "carnet__beneficiaire", "demandeur", "structure", "decidee_par", "dossier"
    )


@require_perm(can_read_reorientation, model=_demandes)
def reorientation(request, demande):
    peut_decider = can_decide_reorientation(request.acting, demande) and workflow.peut(demande, workflow.ACCEPTER)
    if request.method == "POST" and not peut_decider:
        if not can_decide_reorientation(request.acting, demande):
            raise PermissionDenied("Seuls les chargés d'orientation et les valideurs traitent ces demandes.")
        messages.error(request, workflow.refus(demande, workflow.ACCEPTER))
        return redirect("orientation:reorientation", uid=demande.uid)
    form = DecisionReorientationForm(request.POST or None) if peut_decider else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == form.ACCEPTER:
                dossier = services.reorientation_accept(
                    demande=demande,
                    commentaire=data["commentaire"],
                    auteur=request.user,
                    auteur_structure=request.structure,
                    acting=request.acting,
                )
            else:
                services.reorientation_refuse(
                    demande=demande,
                    commentaire=data["commentaire"],
                    auteur=request.user,
                    auteur_structure=request.structure,
                )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            if data["decision"] == form.ACCEPTER:
                messages.success(request, "La demande est acceptée : proposez la nouvelle orientation.")
                return redirect("orientation:dossier", uid=dossier.uid)
            messages.success(request, "La demande est refusée : l'orientation actuelle est maintenue.")
            return redirect("orientation:reorientations")
    if request.method == "GET":
        log_read(request, demande.carnet, "orientation_reorientation")
    actuelle = (
        Orientation.objects.filter(carnet=demande.carnet, statut=StatutOrientation.VALIDEE)
        .select_related("dispositif", "structure", "referent")
        .order_by("-decidee_le")
        .first()
    )
    context = {
        "demande": demande,
        "beneficiaire": demande.carnet.beneficiaire,
        "form": form,
        "actuelle": actuelle,
        "peut_travailler": can_decide_reorientation(request.acting, demande),
    }
    return render(request, "orientation/reorientation.html", context)
