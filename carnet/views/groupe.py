"""The follow-up group: members with history, join requests, référent hand-over."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from carnet import services
from carnet.decorators import carnet_child, carnet_view
from carnet.forms import AdhesionForm, MembreAjoutForm
from carnet.models import DemandeAdhesion, MembreGroupe, StatutDemande
from carnet.navigation import carnet_context
from carnet.perms import can_ask_to_join, can_manage_group, can_view_carnet


@carnet_view(can_view_carnet, write=can_manage_group, write_refused="Seul le référent gère le groupe de suivi.")
def groupe(request, carnet):
    peut_gerer = can_manage_group(request.acting, carnet)
    form = MembreAjoutForm(request.POST or None) if peut_gerer else None
    if request.method == "POST":
        if form.is_valid():
            membership = form.cleaned_data["membership"]
            try:
                services.groupe_add_member(
                    carnet=carnet,
                    user=membership.user,
                    structure=membership.structure,
                    referent=form.cleaned_data["referent"],
                    auteur=request.user,
                    auteur_structure=request.structure,
                )
            except services.RegleMetier as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{membership.user.get_full_name()} fait partie du groupe de suivi.")
                return redirect("carnet:groupe", uid=carnet.uid)
    membres = MembreGroupe.objects.filter(carnet=carnet).select_related("user", "structure").order_by("fin", "-debut")
    demandes = (
        DemandeAdhesion.objects.filter(carnet=carnet, statut=StatutDemande.EN_ATTENTE).select_related(
            "user", "structure"
        )
        if peut_gerer
        else []
    )
    return render(
        request,
        "carnet/groupe.html",
        carnet_context(request, carnet, membres=membres, demandes=demandes, form=form, peut_gerer=peut_gerer),
    )


@carnet_view(can_ask_to_join, log_reads=False)
@require_POST
def adhesion_demander(request, carnet):
    form = AdhesionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif de votre demande.")
        return redirect("carnet:detail", uid=carnet.uid)
    try:
        services.adhesion_request(
            carnet=carnet, user=request.user, structure=request.structure, motif=form.cleaned_data["motif"]
        )
    except services.RegleMetier as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Votre demande est transmise au référent.")
    return redirect("carnet:detail", uid=carnet.uid)


@carnet_view(can_manage_group, log_reads=False)
@require_POST
def adhesion_decider(request, carnet, demande_uid):
    demande = carnet_child(carnet, DemandeAdhesion.objects.select_related("user", "structure"), demande_uid)
    accepte = request.POST.get("decision") == "accepter"
    try:
        services.adhesion_decide(
            demande=demande, accepte=accepte, auteur=request.user, auteur_structure=request.structure
        )
    except services.RegleMetier as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "La demande est acceptée." if accepte else "La demande est refusée.")
    return redirect("carnet:groupe", uid=carnet.uid)


@carnet_view(can_manage_group, log_reads=False)
@require_POST
def membre_retirer(request, carnet, membre_uid):
    membre = carnet_child(carnet, MembreGroupe.objects.actifs().select_related("user", "structure"), membre_uid)
    try:
        services.groupe_remove_member(
            membre=membre,
            motif=request.POST.get("motif", "")[:200] or "retiré par le référent",
            auteur=request.user,
            auteur_structure=request.structure,
        )
    except services.RegleMetier as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membre.user.get_full_name()} ne fait plus partie du groupe.")
    return redirect("carnet:groupe", uid=carnet.uid)


@carnet_view(can_manage_group, log_reads=False)
@require_POST
def referent_designer(request, carnet, membre_uid):
    membre = carnet_child(carnet, MembreGroupe.objects.actifs().select_related("user", "structure"), membre_uid)
    services.groupe_add_member(
        carnet=carnet,
        user=membre.user,
        structure=membre.structure,
        referent=True,
        auteur=request.user,
        auteur_structure=request.structure,
    )
    messages.success(request, f"{membre.user.get_full_name()} est désormais le référent.")
    return redirect("carnet:groupe", uid=carnet.uid)
