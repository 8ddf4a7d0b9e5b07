"""A structure maintains its own services (and their sessions) and its public card."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from offre import services
from offre.forms import ServiceForm, SessionForm, StructureFicheForm
from offre.models import Service
from offre.perms import can_edit_service, can_edit_structure_fiche, can_manage_catalogue
from spie.decorators import require_perm
from spie.models import Role, Structure
from spie.versioning import VersionConflict

PAR_PAGE = 25


def _est_admin(request):
    return request.acting.has_role(Role.ADMIN_DEPARTEMENT)


@require_perm(can_manage_catalogue)
def catalogue(request):
    today = timezone.localdate()
    queryset = (
        Service.objects.filter(structure=request.structure)
        .annotate(sessions_a_venir=Count("sessions", filter=Q(sessions__date_debut__gte=today)))
        .defer("mots", "description")
        .order_by("nom", "pk")
    )
    page = Paginator(queryset, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "offre/catalogue.html",
        {
            "page": page,
            "structure": request.structure,
            "peut_modifier_fiche": can_edit_structure_fiche(request.acting, request.structure),
        },
    )


def _structures_for(request):
    """An admin writes a service for any active structure of the département; others for their own."""
    return Structure.objects.filter(actif=True).order_by("nom") if _est_admin(request) else None


@require_perm(can_manage_catalogue)
def service_creer(request):
    form = ServiceForm(request.POST or None, structures=_structures_for(request))
    if request.method == "POST" and form.is_valid():
        structure = form.cleaned_data.get("structure") or request.structure
        service = services.service_create(
            structure=structure, data=form.service_data(), auteur=request.user, publier=_est_admin(request)
        )
        if service.statut == "publie":
            messages.success(request, f"Le service « {service.nom} » est publié dans le catalogue.")
        else:
            messages.success(
                request,
                f"Le service « {service.nom} » est enregistré : il sera visible après validation du Département.",
            )
        return redirect("offre:sessions", uid=service.uid)
    return render(request, "offre/service_form.html", {"form": form, "service": None})


@require_perm(can_edit_service, model=lambda: Service.objects.select_related("structure"))
def service_modifier(request, service):
    form = ServiceForm(request.POST or None, instance=service, structures=_structures_for(request))
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if form.cleaned_data.get("structure"):
            data["structure"] = form.cleaned_data["structure"]
        try:
            services.service_update(
                service=service,
                data=data,
                version=form.cleaned_data["version"],
                auteur=request.user,
                par_admin=_est_admin(request),
            )
        except VersionConflict:
            form.conflict = True
            form.carry_current_version(Service.objects.get(pk=service.pk).version)
            form.add_error(None, form.conflict_message)
        else:
            messages.success(request, f"Le service « {service.nom} » est enregistré.")
            return redirect("offre:service_detail", uid=service.uid)
    return render(request, "offre/service_form.html", {"form": form, "service": service})


def _session_of(service, session_uid):
    return get_object_or_404(service.sessions.all(), uid=session_uid)


@require_perm(can_edit_service, model=lambda: Service.objects.select_related("structure"))
def sessions(request, service):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create(service=service, data=form.session_data())
        except services.RegleMetier as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "La session est ajoutée.")
            return redirect("offre:sessions", uid=service.uid)
    liste = service.sessions.order_by("-date_debut", "pk").annotate(
        nb_prescriptions=Count("prescriptions", filter=Q(prescriptions__statut="en_attente"))
    )
    return render(request, "offre/sessions.html", {"service": service, "form": form, "sessions": liste})


@require_perm(can_edit_service, model=lambda: Service.objects.select_related("structure"))
def session_modifier(request, service, session_uid):
    session = _session_of(service, session_uid)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, data=form.session_data(), version=form.cleaned_data["version"])
        except VersionConflict:
            form.carry_current_version(type(session).objects.get(pk=session.pk).version)
            form.add_error(None, form.conflict_message)
        except services.RegleMetier as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "La session est enregistrée.")
            return redirect("offre:sessions", uid=service.uid)
    return render(request, "offre/session_form.html", {"service": service, "session": session, "form": form})


@require_perm(can_edit_service, model=Service)
@require_POST
def session_supprimer(request, service, session_uid):
    session = _session_of(service, session_uid)
    try:
        services.session_delete(session=session)
    except services.RegleMetier as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "La session est supprimée.")
    return redirect("offre:sessions", uid=service.uid)


@require_perm(can_edit_structure_fiche, model=lambda: Structure.objects.select_related("commune"))
def structure_fiche(request, structure):
    form = StructureFicheForm(request.POST or None, instance=structure)
    if request.method == "POST" and form.is_valid():
        try:
            services.structure_fiche_update(
                structure=structure, data=form.fiche_data(), version=form.cleaned_data["version"], request=request
            )
        except VersionConflict:
            form.carry_current_version(Structure.objects.get(pk=structure.pk).version)
            form.add_error(None, form.conflict_message)
        else:
            messages.success(request, f"La fiche de « {structure.nom} » est enregistrée.")
            return redirect("offre:structure_fiche", uid=structure.uid)
    return render(request, "offre/structure_fiche.html", {"form": form, "structure": structure})
