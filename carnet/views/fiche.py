"""The person's file: creation, the carnet's summary (or the minimal card), identity edits."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from carnet import services
from carnet.decorators import carnet_queryset, carnet_view
from carnet.forms import AdhesionForm, BeneficiaireForm
from carnet.models import (
    Contrat,
    DemandeAdhesion,
    MembreGroupe,
    RendezVous,
    StatutContrat,
    StatutDemande,
    StatutRendezVous,
)
from carnet.navigation import carnet_context
from carnet.perms import (
    can_create_beneficiaire,
    can_edit_carnet,
    can_justify_retention,
    can_produce_subject_access_report,
    can_view_carnet,
    relation_of,
)
from spie.audit import log_access
from spie.decorators import require_membership
from spie.models import Action, Role
from spie.perms import can_administer_departement
from spie.versioning import VersionConflict

# The columns of the summary (see `carnet_detail`).
MEMBER_COLUMNS = (
    "carnet_id", "user_id", "structure_id", "est_referent", "debut",
    "user__first_name", "user__last_name", "user__email", "user__telephone",
    "structure__nom", "structure__telephone",
)  # fmt: skip
CONTRACT_COLUMNS = ("carnet_id", "type", "numero_version", "date_debut", "date_fin", "heures_hebdomadaires")
APPOINTMENT_COLUMNS = (
    "carnet_id", "date_heure", "mode", "professionnel__first_name", "professionnel__last_name", "structure__nom",
)  # fmt: skip


@require_membership
def beneficiaire_creer(request):
    if not can_create_beneficiaire(request.acting):
        raise PermissionDenied
    form = BeneficiaireForm(request.POST or None, departement=request.departement)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiaire = services.beneficiaire_create(
                departement=request.departement,
                data=form.model_data(),
                nir=form.cleaned_data["nir"],
                auteur=request.user,
                structure=request.structure,
            )
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            if not request.acting.has_role(Role.ADMIN_DEPARTEMENT):
                services.groupe_add_member(
                    carnet=beneficiaire.carnet,
                    user=request.user,
                    structure=request.structure,
                    auteur=request.user,
                    auteur_structure=request.structure,
                )
            log_access(request=request, action=Action.CREATION, obj=beneficiaire.carnet)
            messages.success(request, f"Le carnet de {beneficiaire.nom_complet} est ouvert.")
            return redirect("carnet:detail", uid=beneficiaire.carnet.uid)
    return render(request, "carnet/beneficiaire_form.html", {"form": form, "creation": True})


@require_membership
def carnet_detail(request, uid):
    """Group members and readers see the summary; everyone else in the département the minimal card."""
    carnet = get_object_or_404(carnet_queryset(), uid=uid)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    # Only what the page and the permission predicates read: the ORM's cost grows with the columns it maps.
    membres = list(
        MembreGroupe.objects.actifs()
        .filter(carnet=carnet)
        .select_related("user", "structure")
        .only(*MEMBER_COLUMNS)
        .order_by("-est_referent", "debut")
    )
    carnet._membres_actifs = membres
    if not can_view_carnet(request.acting, carnet):
        log_access(request=request, action=Action.CONSULTATION, obj=carnet, details={"page": "fiche_minimale"})
        demande = DemandeAdhesion.objects.filter(
            carnet=carnet, user=request.user, statut=StatutDemande.EN_ATTENTE
        ).first()
        return render(
            request,
            "carnet/fiche_minimale.html",
            {"carnet": carnet, "membres": membres, "demande": demande, "form": AdhesionForm()},
        )
    log_access(request=request, action=Action.CONSULTATION, obj=carnet, details={"page": "detail"})
    today_contracts = Contrat.objects.filter(carnet=carnet, statut=StatutContrat.SIGNE).order_by("-date_fin")
    context = carnet_context(
        request,
        carnet,
        membres=membres,
        contrat=today_contracts.only(*CONTRACT_COLUMNS).first(),
        prochains_rdv=RendezVous.objects.filter(carnet=carnet, statut=StatutRendezVous.PREVU)
        .select_related("professionnel", "structure")
        .only(*APPOINTMENT_COLUMNS)
        .order_by("date_heure")[:3],
        demandes=DemandeAdhesion.objects.filter(carnet=carnet, statut=StatutDemande.EN_ATTENTE).select_related(
            "user", "structure"
        )
        if relation_of(request.acting, carnet).est_referent
        else [],
        peut_rapport=can_produce_subject_access_report(request.acting, carnet),
        peut_justifier_conservation=can_justify_retention(request.acting, carnet),
        peut_transferer=can_administer_departement(request.acting),
    )
    return render(request, "carnet/detail.html", context)


@carnet_view(can_edit_carnet)
def beneficiaire_modifier(request, carnet):
    beneficiaire = carnet.beneficiaire
    form = BeneficiaireForm(request.POST or None, instance=beneficiaire, departement=request.departement)
    if request.method == "POST" and form.is_valid():
        try:
            services.beneficiaire_update(
                beneficiaire=beneficiaire,
                data=form.model_data(),
                version=form.cleaned_data["version"],
                nir=form.cleaned_data["nir"] or None,
                auteur=request.user,
                structure=request.structure,
            )
        except VersionConflict:
            form.add_error(None, form.conflict_message)
        except services.RegleMetier as error:
            form.add_error("nir", str(error))
        else:
            messages.success(request, "L'identité est mise à jour.")
            return redirect("carnet:detail", uid=carnet.uid)
    return render(request, "carnet/beneficiaire_form.html", carnet_context(request, carnet, form=form))
