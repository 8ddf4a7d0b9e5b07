"""The professionals' side of the person's space: send the one-time link, share a document, answer the
person's requests about their data. Guarded by the carnet's rules (carnet.decorators, carnet.perms)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carnet import services as carnet_services
from carnet.decorators import carnet_child, carnet_view
from carnet.models import Document
from carnet.perms import can_edit_carnet, can_manage_group, can_view_carnet
from usager import lecture, services
from usager.models import CanalCode, DemandeDroits


@carnet_view(can_manage_group)
@require_POST
def lien_envoyer(request, carnet):
    canal = request.POST.get("canal")
    if canal not in CanalCode.values:
        canal = None
    try:
        services.lien_emettre(beneficiaire=carnet.beneficiaire, canal=canal, emis_par=request.user)
    except carnet_services.RegleMetier as refus:
        messages.error(request, str(refus))
    else:
        messages.success(request, "Le lien d'accès à son espace est envoyé à la personne.")
    return redirect("carnet:groupe", uid=carnet.uid)


@carnet_view(can_edit_carnet)
@require_POST
def document_partager(request, carnet, document_uid):
    document = carnet_child(carnet, Document.objects.all(), document_uid)
    try:
        carnet_services.document_partager(
            document=document,
            partage=request.POST.get("partage") != "non",
            auteur=request.user,
            structure=request.structure,
        )
    except carnet_services.RegleMetier as refus:
        messages.error(request, str(refus))
    else:
        messages.success(request, "C'est fait.")
    return redirect("carnet:documents", uid=carnet.uid)


@carnet_view(can_view_carnet, write=can_manage_group)
@require_http_methods(["GET", "POST"])
def demandes(request, carnet):
    queryset = DemandeDroits.objects.filter(beneficiaire=carnet.beneficiaire)
    if request.method == "POST":
        demande = get_object_or_404(queryset, uid=request.POST.get("demande"))
        try:
            services.demande_droits_repondre(demande=demande, reponse=request.POST.get("reponse"))
        except carnet_services.RegleMetier as refus:
            messages.error(request, str(refus))
        else:
            messages.success(request, "Votre réponse est enregistrée ; la personne la voit dans son espace.")
        return redirect("usager:pro_demandes", uid=carnet.uid)
    return render(request, "usager/pro_demandes.html", {"carnet": carnet, "demandes": queryset})


@carnet_view(can_view_carnet, write=can_manage_group, contenu=True)
@require_http_methods(["GET", "POST"])
def observations(request, carnet):
    """What the person wrote from their space, dated on receipt; the référent marks each one as read."""
    queryset = lecture.observations_du_groupe(carnet).select_related("lue_par")
    if request.method == "POST":
        observation = get_object_or_404(queryset, uid=request.POST.get("observation"))
        try:
            carnet_services.observation_marquer_lue(observation=observation, lecteur=request.user)
        except carnet_services.RegleMetier as refus:
            messages.error(request, str(refus))
        else:
            messages.success(request, "C'est noté : la personne voit dans son espace que vous avez lu son message.")
        return redirect("usager:pro_observations", uid=carnet.uid)
    return render(request, "usager/pro_observations.html", {"carnet": carnet, "observations": queryset})
