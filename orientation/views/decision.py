"""Proposal, validation or sending back, the decision letter, the référent's designation, "Ma synthèse"."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from carnet.decorators import carnet_view
from carnet.services import RegleMetier
from orientation import diagnostic as steps
from orientation import services, workflow
from orientation.documents import decision_pdf, synthese_pdf
from orientation.forms import DesignerReferentForm, PropositionForm, ValidationForm
from orientation.models import Diagnostic, DossierOrientation, Orientation, StatutDiagnostic, StatutOrientation
from orientation.perms import (
    can_designate_referent,
    can_download_decision,
    can_download_person_documents,
    can_read_diagnostic_sensitive,
    can_read_orientation,
    can_validate_orientation,
    can_work_queue,
)
from orientation.views import log_download, log_read, refused
from spie.decorators import require_perm


@require_perm(can_work_queue, model=DossierOrientation)
def proposer(request, dossier):
    if not workflow.peut(dossier, workflow.PROPOSER):
        return refused(request, workflow.refus(dossier, workflow.PROPOSER), "orientation:dossier", uid=dossier.uid)
    renvoyee = dossier.orientations.filter(statut=StatutOrientation.RENVOYEE).order_by("-decidee_le").first()
    initial = {}
    if renvoyee is not None:
        initial = {
            "type_orientation": renvoyee.type_orientation,
            "dispositif": renvoyee.dispositif_id,
            "structure": renvoyee.structure_id,
            "referent": str(renvoyee.referent.uid) if renvoyee.referent else "",
            "motif": renvoyee.motif,
        }
    form = PropositionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            orientation = services.orientation_propose(
                dossier=dossier,
                type_orientation=data["type_orientation"],
                dispositif=data["dispositif"],
                structure=data["structure"],
                referent=data["referent"],
                motif=data["motif"],
                motif_ecart=data.get("motif_ecart", ""),
                revision_mois=data.get("revision_mois") or None,
                motif_revision_12_mois=data.get("motif_revision_12_mois", ""),
                auteur=request.user,
                auteur_structure=request.structure,
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            if orientation.statut == StatutOrientation.VALIDEE:
                messages.success(request, "L'orientation est décidée : la structure est prévenue.")
            else:
                messages.success(request, "L'orientation est proposée : elle attend la validation.")
            return redirect("orientation:orientation", uid=orientation.uid)
    carnet = dossier.carnet
    if request.method == "GET":
        log_read(request, carnet, "orientation_proposition")
    diagnostic = (
        Diagnostic.objects.filter(carnet=carnet, statut=StatutDiagnostic.TERMINE).order_by("-numero_version").first()
    )
    resume = None
    if diagnostic is not None:
        sensibles = can_read_diagnostic_sensitive(request.acting, diagnostic)
        resume = steps.lecture(diagnostic.data, steps.etapes(carnet.departement_id, sensibles=sensibles))
    context = {
        "dossier": dossier,
        "beneficiaire": carnet.beneficiaire,
        "form": form,
        "renvoyee": renvoyee,
        "diagnostic": diagnostic,
        "resume": resume,
        "proposition": services.proposition_des_criteres(diagnostic, carnet),
        "validation_requise": request.departement.orientation_validation_requise,
    }
    return render(request, "orientation/proposer.html", context)


def _orientations():
    return Orientation.objects.select_related(
        "carnet__beneficiaire",
        "dossier",
        "dispositif",
        "structure",
        "referent",
        "proposee_par",
        "decidee_par",
        "regles_version",
    )


@require_perm(can_read_orientation, model=_orientations)
@require_GET
def orientation(request, orientation):
    log_read(request, orientation.carnet, "orientation")
    acting = request.acting
    context = {
        "orientation": orientation,
        "beneficiaire": orientation.carnet.beneficiaire,
        "peut_valider": can_validate_orientation(acting) and workflow.peut(orientation, workflow.VALIDER),
        "peut_designer": orientation.statut == StatutOrientation.VALIDEE
        and orientation.referent_id is None
        and can_designate_referent(acting, orientation),
        "peut_travailler": can_work_queue(acting),
        "form": ValidationForm(),
    }
    return render(request, "orientation/orientation.html", context)


@require_perm(can_validate_orientation, model=_orientations)
@require_POST
def valider(request, orientation):
    form = ValidationForm(request.POST)
    commentaire = form.cleaned_data["commentaire"] if form.is_valid() else ""
    try:
        services.orientation_validate(
            orientation=orientation, commentaire=commentaire, auteur=request.user, auteur_structure=request.structure
        )
    except RegleMetier as error:
        return refused(request, error, "orientation:orientation", uid=orientation.uid)
    messages.success(request, "L'orientation est validée : la personne et la structure sont prévenues.")
    return redirect("orientation:orientation", uid=orientation.uid)


@require_perm(can_validate_orientation, model=_orientations)
@require_POST
def renvoyer(request, orientation):
    form = ValidationForm(request.POST)
    commentaire = form.cleaned_data["commentaire"] if form.is_valid() else ""
    try:
        services.orientation_send_back(
            orientation=orientation, commentaire=commentaire, auteur=request.user, auteur_structure=request.structure
        )
    except RegleMetier as error:
        return refused(request, error, "orientation:orientation", uid=orientation.uid)
    messages.success(request, "La proposition est renvoyée au chargé d'orientation avec votre commentaire.")
    return redirect("orientation:a_valider")


@require_perm(can_download_decision, model=_orientations)
@require_GET
def decision_telecharger(request, orientation):
    if orientation.statut != StatutOrientation.VALIDEE:
        return refused(
            request,
            "Le courrier de décision existe une fois l'orientation décidée.",
            "orientation:orientation",
            uid=orientation.uid,
        )
    pdf = decision_pdf(orientation)
    log_download(request, orientation.carnet, "decision_orientation", orientation)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="decision-orientation.pdf"'
    return response


@require_perm(can_designate_referent, model=_orientations)
def designer_referent(request, orientation):
    if orientation.statut != StatutOrientation.VALIDEE or orientation.referent_id is not None:
        return refused(
            request,
            "Le référent de cette orientation est déjà désigné ou l'orientation n'est pas décidée.",
            "orientation:orientation",
            uid=orientation.uid,
        )
    form = DesignerReferentForm(request.POST or None, structure=orientation.structure)
    if request.method == "POST" and form.is_valid():
        referent = form.cleaned_data["referent"]
        try:
            services.orientation_designate_referent(
                orientation=orientation, referent=referent, auteur=request.user, auteur_structure=request.structure
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{referent.get_full_name()} est le référent de la personne.")
            return redirect("carnet:detail", uid=orientation.carnet.uid)
    return render(request, "orientation/designer_referent.html", {"orientation": orientation, "form": form})


@carnet_view(can_download_person_documents, log_reads=False)
@require_GET
def synthese_telecharger(request, carnet):
    pdf = synthese_pdf(carnet)
    log_download(request, carnet, "ma_synthese", carnet)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="ma-synthese.pdf"'
    return response
