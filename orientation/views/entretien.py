"""Convocation, attendance, and the diagnostic interview (a DSFR stepper whose every button saves)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from carnet.models import StatutRendezVous
from carnet.services import RegleMetier
from orientation import diagnostic as steps
from orientation import services, workflow
from orientation.documents import convocation_pdf
from orientation.forms import ConvocationForm, PresenceForm
from orientation.forms_diagnostic import form_for
from orientation.models import Convocation, Diagnostic, DossierOrientation, StatutDiagnostic
from orientation.perms import (
    can_download_convocation,
    can_read_diagnostic,
    can_read_diagnostic_sensitive,
    can_work_queue,
)
from orientation.views import log_download, log_read, refused
from spie.decorators import require_perm
from spie.versioning import VersionConflict

# --- Convocation ----------------------------------------------------------------------------


@require_perm(can_work_queue, model=DossierOrientation)
def convoquer(request, dossier):
    if not workflow.peut(dossier, workflow.CONVOQUER):
        return refused(request, workflow.refus(dossier, workflow.CONVOQUER), "orientation:dossier", uid=dossier.uid)
    beneficiaire = dossier.carnet.beneficiaire
    form = ConvocationForm(request.POST or None, courriel=beneficiaire.courriel)
    if request.method == "POST" and form.is_valid():
        try:
            convocation = services.convocation_create(
                dossier=dossier,
                data=form.service_data(),
                envoyer_courriel=form.cleaned_data.get("envoyer_courriel", False),
                auteur=request.user,
                structure=request.structure,
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            envoi = " La convocation part par courriel." if convocation.courriel_demande else ""
            messages.success(request, f"La convocation n° {convocation.numero} est prête à imprimer.{envoi}")
            return redirect("orientation:dossier", uid=dossier.uid)
    return render(
        request, "orientation/convoquer.html", {"dossier": dossier, "beneficiaire": beneficiaire, "form": form}
    )


def _convocations():
    return Convocation.objects.select_related("dossier__carnet__beneficiaire", "rendez_vous__structure")


@require_perm(can_work_queue, model=_convocations)
@require_POST
def presence(request, convocation):
    dossier = convocation.dossier
    form = PresenceForm(request.POST)
    if not form.is_valid():
        return refused(
            request,
            "Indiquez si la personne était présente, excusée ou absente.",
            "orientation:dossier",
            uid=dossier.uid,
        )
    statut = form.cleaned_data["statut"]
    try:
        services.convocation_record_attendance(
            convocation=convocation, statut=statut, auteur=request.user, structure=request.structure
        )
        if statut == StatutRendezVous.PRESENT:
            diagnostic = services.diagnostic_start(dossier=dossier, auteur=request.user)
    except RegleMetier as error:
        return refused(request, error, "orientation:dossier", uid=dossier.uid)
    if statut == StatutRendezVous.PRESENT:
        messages.success(request, "La personne est présente : l'entretien commence.")
        return redirect("orientation:diagnostic_etape", uid=diagnostic.uid, etape=_first_step(request, diagnostic))
    messages.info(request, "C'est noté. Convoquez de nouveau la personne.")
    return redirect("orientation:convoquer", uid=dossier.uid)


@require_perm(can_download_convocation, model=_convocations)
@require_GET
def convocation_telecharger(request, convocation):
    pdf = convocation_pdf(convocation)
    log_download(request, convocation.dossier.carnet, "convocation", convocation)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="convocation-{convocation.numero}.pdf"'
    return response


# --- Diagnostic -----------------------------------------------------------------------------


def _first_step(request, diagnostic):
    liste = steps.etapes(
        diagnostic.departement_id, sensibles=can_read_diagnostic_sensitive(request.acting, diagnostic)
    )
    return liste[0].slug


@require_perm(can_work_queue, model=DossierOrientation)
@require_POST
def diagnostic_commencer(request, dossier):
    """Start (or resume) the draft of the interview; after a finished diagnostic, a new version."""
    try:
        if workflow.peut(dossier, workflow.REPRENDRE_DIAGNOSTIC):
            diagnostic = services.diagnostic_restart(dossier=dossier, auteur=request.user)
        else:
            diagnostic = services.diagnostic_start(dossier=dossier, auteur=request.user)
    except RegleMetier as error:
        return refused(request, error, "orientation:dossier", uid=dossier.uid)
    return redirect("orientation:diagnostic_etape", uid=diagnostic.uid, etape=_first_step(request, diagnostic))


def _diagnostics():
    return Diagnostic.objects.select_related("carnet__beneficiaire", "dossier", "auteur", "created_by", "structure")


QUITTER = "__dossier__"


@require_perm(can_work_queue, model=_diagnostics)
def diagnostic_etape(request, diagnostic, etape):
    if diagnostic.statut != StatutDiagnostic.BROUILLON:
        messages.info(request, "Ce diagnostic est terminé : il ne se modifie plus.")
        return redirect("orientation:diagnostic", uid=diagnostic.uid)
    sensibles = can_read_diagnostic_sensitive(request.acting, diagnostic)
    liste = steps.etapes(diagnostic.departement_id, sensibles=sensibles)
    index = next((i for i, e in enumerate(liste) if e.slug == etape), None)
    if index is None:
        raise Http404("Étape inconnue.")
    current = liste[index]
    themes = steps.themes_of(liste)
    if request.method == "GET":
        log_read(request, diagnostic.carnet, "orientation_diagnostic")
    form = form_for(
        current,
        themes=themes,
        data=request.POST if request.method == "POST" else None,
        initial={**steps.initial(diagnostic.data, current), "version": diagnostic.version},
    )
    if request.method == "POST":
        response = _post_step(request, diagnostic, liste, current, form)
        if response is not None:
            return response
    context = {
        "diagnostic": diagnostic,
        "carnet": diagnostic.carnet,
        "beneficiaire": diagnostic.carnet.beneficiaire,
        "etapes": liste,
        "etape": current,
        "numero": index + 1,
        "precedente": liste[index - 1] if index else None,
        "suivante": liste[index + 1] if index + 1 < len(liste) else None,
        "enregistrees": set(diagnostic.data.get("etapes", [])),
        "form": form,
        "quitter": QUITTER,
        "lecture": steps.lecture(diagnostic.data, liste) if current.slug == steps.RECAPITULATIF else None,
        "sensibles_masques": not sensibles,
    }
    return render(request, "orientation/diagnostic_etape.html", context)


def _post_step(request, diagnostic, liste, current, form):
    """Save the step then go where the button said; None re-displays the page (errors, conflict)."""
    slugs = [e.slug for e in liste]
    cible = request.POST.get("aller", "")
    if current.slug == steps.RECAPITULATIF and "terminer" not in request.POST:
        # Nothing to save on the summary: its buttons only navigate.
        return _go(diagnostic, cible, slugs, current)
    if not form.is_valid():
        if form.has_error("version"):
            form.add_error(None, "La page a expiré : rechargez-la pour continuer.")
        return None
    version = form.cleaned_data["version"]
    try:
        if "terminer" in request.POST:
            services.diagnostic_finish(
                diagnostic=diagnostic, version=version, auteur=request.user, structure=request.structure
            )
        else:
            services.diagnostic_save_step(
                diagnostic=diagnostic, etape=current, valeurs=form.valeurs(), version=version
            )
    except VersionConflict:
        _conflict(form, diagnostic)
        return None
    except RegleMetier as error:
        form.add_error(None, str(error))
        return None
    if "terminer" in request.POST:
        messages.success(
            request, f"Le diagnostic est terminé (version {diagnostic.numero_version}) et reporté dans le carnet."
        )
        if diagnostic.dossier_id:
            return redirect("orientation:dossier", uid=diagnostic.dossier.uid)
        return redirect("orientation:diagnostic", uid=diagnostic.uid)
    messages.success(request, f"Étape « {current.titre} » enregistrée.")
    return _go(diagnostic, cible, slugs, current)


def _go(diagnostic, cible, slugs, current):
    if cible == QUITTER and diagnostic.dossier_id:
        return redirect("orientation:dossier", uid=diagnostic.dossier.uid)
    if cible not in slugs:
        index = slugs.index(current.slug)
        cible = slugs[min(index + 1, len(slugs) - 1)]
    return redirect("orientation:diagnostic_etape", uid=diagnostic.uid, etape=cible)


def _conflict(form, diagnostic):
    current = Diagnostic.objects.values_list("version", flat=True).get(pk=diagnostic.pk)
    form.data = form.data.copy()
    form.data["version"] = current
    form.add_error(
        None,
        "Ce diagnostic a été enregistré par quelqu'un d'autre pendant votre saisie. Votre saisie de cette étape "
        "est conservée ci-dessous : vérifiez-la puis enregistrez de nouveau.",
    )


@require_perm(can_read_diagnostic, model=_diagnostics)
@require_GET
def diagnostic(request, diagnostic):
    carnet = diagnostic.carnet
    log_read(request, carnet, "orientation_diagnostic")
    sensibles = can_read_diagnostic_sensitive(request.acting, diagnostic)
    liste = steps.etapes(diagnostic.departement_id, sensibles=sensibles)
    versions = list(Diagnostic.objects.filter(carnet=carnet).select_related("auteur").order_by("-numero_version"))
    context = {
        "diagnostic": diagnostic,
        "carnet": carnet,
        "beneficiaire": carnet.beneficiaire,
        "lecture": steps.lecture(diagnostic.data, liste),
        "versions": versions,
        "sensibles_masques": not sensibles,
        "peut_travailler": can_work_queue(request.acting),
    }
    return render(request, "orientation/diagnostic.html", context)
