"""Prescriptions: sent from a carnet by a member of the person's group, answered by the receiving structure.

The receiving side reads prescriptions through `_recues(request)` only: the prescriptions addressed to the
structure the user acts for. Any other prescription, of the same département or not, is a 404. What it
shows is what the prescription copied (name, contact details the person agreed to share, message): never
the carnet.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from carnet.decorators import carnet_child, carnet_view
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_view_carnet
from offre import services
from offre.forms import EtapeForm, PrescriptionForm, RechercheForm, ReponseForm
from offre.models import Prescription, Service, StatutPrescription
from offre.perms import can_answer_prescription, can_receive_prescriptions
from offre.views.recherche import search_context
from spie.audit import log_access, log_list_view
from spie.decorators import require_perm
from spie.models import Action

PAR_PAGE = 25


# --- Carnet side ------------------------------------------------------------------------------------------


@carnet_view(can_view_carnet)
def carnet_prescriptions(request, carnet):
    prescriptions = (
        Prescription.objects.filter(carnet=carnet)
        .select_related("service", "session", "structure_destinataire", "prescripteur", "structure_prescriptrice")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(prescriptions.prefetch_related("etapes"), PAR_PAGE).get_page(request.GET.get("page"))
    peut_prescrire = can_edit_carnet(request.acting, carnet)
    for prescription in page.object_list:
        etapes = services.etapes_possibles(prescription) if peut_prescrire else ()
        prescription.form_etape = EtapeForm(etapes=etapes, prefix=str(prescription.uid)) if etapes else None
    return render(
        request,
        "offre/carnet/prescriptions.html",
        carnet_context(request, carnet, page=page, peut_prescrire=peut_prescrire),
    )


@carnet_view(can_edit_carnet)
def carnet_recherche(request, carnet):
    """The catalogue search, from the person's commune, with a "Prescrire" button on every result."""
    data = request.GET
    if not data:
        # First visit: the offers of the person's commune (or the whole catalogue), best first.
        data = {"commune": carnet.beneficiaire.commune_id} if carnet.beneficiaire.commune_id else {}
    form = RechercheForm(data)
    return render(
        request, "offre/carnet/recherche.html", carnet_context(request, carnet, **search_context(request, form))
    )


@carnet_view(can_edit_carnet)
def prescrire(request, carnet, service_uid):
    service = get_object_or_404(Service.objects.publies().select_related("structure"), uid=service_uid)
    if request.method == "GET":
        # A service consulted from a carnet: counted for the catalogue's admin (like the access log, a GET record).
        services.usage_record(service=service)
    beneficiaire = carnet.beneficiaire
    form = PrescriptionForm(request.POST or None, service=service, beneficiaire=beneficiaire)
    if request.method == "POST" and form.is_valid():
        try:
            services.prescription_send(
                carnet=carnet,
                service=service,
                session=form.cleaned_data.get("session"),
                message=form.cleaned_data["message"],
                consentement=form.cleaned_data["consentement"],
                partager_telephone=form.cleaned_data.get("partager_telephone", False),
                partager_courriel=form.cleaned_data.get("partager_courriel", False),
                auteur=request.user,
                structure=request.structure,
            )
        except services.RegleMetier as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"La prescription est envoyée à {service.structure.nom}.")
            return redirect("offre:carnet_prescriptions", uid=carnet.uid)
    return render(request, "offre/carnet/prescrire.html", carnet_context(request, carnet, service=service, form=form))


@carnet_view(can_edit_carnet, log_reads=False)
@require_POST
def prescription_annuler(request, carnet, prescription_uid):
    prescription = carnet_child(carnet, Prescription.objects.select_related("service"), prescription_uid)
    try:
        services.prescription_cancel(prescription=prescription, auteur=request.user, structure=request.structure)
    except services.RegleMetier as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "La prescription est annulée.")
    return redirect("offre:carnet_prescriptions", uid=carnet.uid)


def _etape_enregistrer(request, prescription, prefix=None):
    """Record the step posted; the message says what happened. Returns nothing: the caller redirects."""
    form = EtapeForm(request.POST, etapes=services.etapes_possibles(prescription), prefix=prefix)
    if not form.is_valid():
        erreurs = [e for errors in form.errors.values() for e in errors]
        messages.error(request, "L'étape n'est pas enregistrée : " + " ".join(erreurs))
        return
    try:
        services.prescription_etape_enregistrer(
            prescription=prescription,
            etape=form.cleaned_data["etape"],
            date=form.cleaned_data["date"],
            motif=form.cleaned_data["motif"],
            precision=form.cleaned_data["precision"],
            auteur=request.user,
            structure=request.structure,
        )
    except services.RegleMetier as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "L'étape du suivi est enregistrée.")


@carnet_view(can_edit_carnet, log_reads=False)
@require_POST
def carnet_prescription_etape(request, carnet, prescription_uid):
    """A member of the group records the next outcome step of an accepted prescription."""
    prescription = carnet_child(carnet, Prescription.objects.select_related("service"), prescription_uid)
    prescription.carnet = carnet
    _etape_enregistrer(request, prescription, prefix=str(prescription.uid))
    return redirect("offre:carnet_prescriptions", uid=carnet.uid)


# --- Receiving structure ---------------------------------------------------------------------------------


def _recues(request):
    """The prescriptions addressed to the structure the user acts for, without any join to the carnet."""
    return Prescription.objects.filter(structure_destinataire=request.structure).select_related(
        "service", "session", "prescripteur", "structure_prescriptrice"
    )


@require_perm(can_receive_prescriptions)
def prescriptions_recues(request):
    statut = request.GET.get("statut") or StatutPrescription.EN_ATTENTE
    if statut not in StatutPrescription.values and statut != "toutes":
        statut = StatutPrescription.EN_ATTENTE
    queryset = _recues(request).defer("message").annotate(carnet_uid=F("carnet__uid")).order_by("-created_at", "-pk")
    if statut != "toutes":
        queryset = queryset.filter(statut=statut)
    page = Paginator(queryset, PAR_PAGE).get_page(request.GET.get("page"))
    log_list_view(request, page="prescriptions_recues", uids=[row.carnet_uid for row in page.object_list])
    return render(
        request,
        "offre/prescriptions_recues.html",
        {"page": page, "statut": statut, "statuts": StatutPrescription.choices},
    )


@require_perm(can_receive_prescriptions)
def prescription_recue(request, uid):
    prescription = get_object_or_404(_recues(request), uid=uid)
    # The person's name and contact details are read here: logged like every read of a person's data.
    log_access(request=request, action=Action.CONSULTATION, obj=prescription, details={"page": "prescription_recue"})
    form = ReponseForm() if prescription.en_attente and can_answer_prescription(request.acting, prescription) else None
    etapes = services.etapes_possibles(prescription) if can_answer_prescription(request.acting, prescription) else ()
    return render(
        request,
        "offre/prescription_recue.html",
        {
            "prescription": prescription,
            "form": form,
            "form_etape": EtapeForm(etapes=etapes) if etapes else None,
            "etapes": prescription.etapes.select_related("structure"),
        },
    )


@require_perm(can_receive_prescriptions)
@require_POST
def prescription_etape(request, uid):
    """The receiving structure records the next outcome step of a prescription it accepted."""
    prescription = get_object_or_404(_recues(request).select_related("carnet"), uid=uid)
    if not can_answer_prescription(request.acting, prescription):
        raise PermissionDenied
    _etape_enregistrer(request, prescription)
    return redirect("offre:prescription_recue", uid=prescription.uid)


@require_perm(can_receive_prescriptions)
@require_POST
def prescription_repondre(request, uid):
    prescription = get_object_or_404(_recues(request).select_related("carnet"), uid=uid)
    form = ReponseForm(request.POST)
    if form.is_valid():
        try:
            services.prescription_answer(
                prescription=prescription,
                accepte=form.cleaned_data["decision"] == "accepter",
                motif=form.cleaned_data["motif"],
                precision=form.cleaned_data["precision"],
                auteur=request.user,
                structure=request.structure,
            )
        except services.RegleMetier as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Votre réponse est transmise à {prescription.structure_prescriptrice.nom}.")
            return redirect("offre:prescriptions_recues")
        return redirect("offre:prescription_recue", uid=prescription.uid)
    context = {"prescription": prescription, "form": form, "form_etape": None, "etapes": prescription.etapes.all()}
    return render(request, "offre/prescription_recue.html", context, status=400)
