"""The queue of new entrants, the proposals awaiting validation, and the dossier page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from carnet.models import Carnet
from carnet.services import RegleMetier
from orientation import horloge, services, workflow
from orientation.diagnostic import etapes, lecture
from orientation.forms import AttribuerForm, FileFiltreForm, ReceptionInformationForm
from orientation.models import (
    DemandeReorientation,
    Diagnostic,
    DossierOrientation,
    Orientation,
    Secteur,
    SourceInformation,
    StatutDemandeReorientation,
    StatutDiagnostic,
    StatutOrientation,
)
from orientation.perms import (
    can_assign_dossier,
    can_read_diagnostic_sensitive,
    can_read_dossier,
    can_validate_orientation,
    can_work_queue,
)
from orientation.queue import decorer, file_queryset, filtrer, limite_retard
from orientation.services.dossiers import dossier_delais
from orientation.views import log_read, refused
from spie.audit import log_list_view
from spie.decorators import require_perm
from spie.models import Role, Territoire

PAGE_SIZE = 25


@require_perm(can_work_queue)
@require_GET
def file(request):
    departement = request.departement
    secteurs = list(Secteur.objects.filter(user=request.user).values_list("territoire_id", flat=True))
    territoires = list(Territoire.objects.order_by("nom"))
    form = FileFiltreForm(request.GET or None, territoires=territoires, a_des_secteurs=bool(secteurs))
    data = form.cleaned_data if form.is_valid() else {}
    choix = data.get("territoire", "")
    if choix == "":
        ids = secteurs or None
    elif choix == FileFiltreForm.TOUS:
        ids = None
    else:
        ids = [form.territoires[choix].pk]
    limite = limite_retard(departement)
    queryset = filtrer(
        file_queryset(departement),
        territoires=ids,
        charge=request.user if data.get("mes_dossiers") else None,
        statut=data.get("statut", ""),
        recherche=data.get("q", ""),
    )
    en_retard = queryset.filter(date_reference__lt=limite).count()
    if data.get("en_retard"):
        queryset = queryset.filter(date_reference__lt=limite)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = decorer(list(page.object_list), departement)
    log_list_view(request, page="file_orientation", uids=[carnet.uid for carnet in page.object_list])
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "nb_en_retard": en_retard,
        "delai_cible": departement.delai_orientation_cible,
        "delai_legal": horloge.delai_legal(departement),
        "secteurs_actifs": choix == "" and bool(secteurs),
        "demandes_en_attente": DemandeReorientation.objects.filter(
            statut=StatutDemandeReorientation.EN_ATTENTE
        ).count(),
    }
    return render(request, "orientation/file.html", context)


@require_perm(can_validate_orientation)
@require_GET
def a_valider(request):
    orientations = (
        Orientation.objects.filter(statut=StatutOrientation.PROPOSEE)
        .select_related("carnet__beneficiaire", "dispositif", "structure", "referent", "proposee_par")
        .order_by("proposee_le")
    )
    page = Paginator(orientations, PAGE_SIZE).get_page(request.GET.get("page"))
    log_list_view(request, page="orientations_a_valider", uids=[row.carnet.uid for row in page.object_list])
    return render(request, "orientation/a_valider.html", {"page": page})


@require_perm(can_work_queue, model=Carnet)
@require_POST
def dossier_ouvrir(request, carnet):
    """Take a person of the queue: their dossier opens, followed by the user when they are a chargé."""
    charge = request.user if request.acting.has_role(Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION) else None
    try:
        dossier = services.dossier_open(carnet=carnet, charge=charge, auteur=request.user, structure=request.structure)
    except RegleMetier as error:
        return refused(request, error, "orientation:file")
    messages.success(request, f"Le dossier d'orientation de {carnet.beneficiaire.nom_complet} est ouvert.")
    return redirect("orientation:dossier", uid=dossier.uid)


def _dossiers():
    return DossierOrientation.objects.select_related(
        "carnet__beneficiaire__commune", "charge_orientation", "demande_reorientation__demandeur"
    )


@require_perm(can_read_dossier, model=_dossiers)
@require_GET
def dossier(request, dossier):
    carnet = dossier.carnet
    log_read(request, carnet, "orientation_dossier")
    convocations = list(dossier.convocations.select_related("rendez_vous", "created_by").order_by("-numero"))
    diagnostics = list(
        Diagnostic.objects.filter(carnet=carnet).select_related("auteur", "created_by").order_by("-numero_version")
    )
    brouillon = next((d for d in diagnostics if d.statut == StatutDiagnostic.BROUILLON), None)
    reprise = None
    if brouillon is not None:
        liste = etapes(carnet.departement_id, sensibles=can_read_diagnostic_sensitive(request.acting, brouillon))
        saved = set(brouillon.data.get("etapes", []))
        reprise = next((e.slug for e in liste if e.slug not in saved), liste[-1].slug)
    dernier = next((d for d in diagnostics if d.statut == StatutDiagnostic.TERMINE), None)
    resume = None
    if dernier is not None:
        resume = lecture(
            dernier.data,
            etapes(carnet.departement_id, sensibles=can_read_diagnostic_sensitive(request.acting, dernier)),
        )
    orientations = list(
        dossier.orientations.select_related("dispositif", "structure", "referent", "proposee_par", "decidee_par")
    )
    actions = workflow.actions_permises(dossier)
    context = {
        "dossier": dossier,
        "carnet": carnet,
        "beneficiaire": carnet.beneficiaire,
        "jalons": dossier_delais(dossier),
        "jours_restants": horloge.jours_restants(dossier.date_limite_orientation) if dossier.est_ouvert else None,
        "peut_dater": dossier.est_ouvert and can_work_queue(request.acting),
        "convocations": convocations,
        "derniere_convocation": convocations[0] if convocations else None,
        "diagnostics": diagnostics,
        "brouillon": brouillon,
        "reprise": reprise,
        "dernier_diagnostic": dernier,
        "resume": resume,
        "orientations": orientations,
        "actions": actions,
        "peut_prendre": dossier.est_ouvert
        and dossier.charge_orientation_id != request.user.pk
        and request.acting.has_role(Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION),
        "peut_attribuer": dossier.est_ouvert and can_assign_dossier(request.acting),
        "peut_valider": can_validate_orientation(request.acting),
    }
    return render(request, "orientation/dossier.html", context)


@require_perm(can_work_queue, model=DossierOrientation)
@require_POST
def dossier_prendre(request, dossier):
    try:
        services.dossier_assign(dossier=dossier, charge=request.user, auteur=request.user, structure=request.structure)
    except RegleMetier as error:
        return refused(request, error, "orientation:dossier", uid=dossier.uid)
    messages.success(request, "Vous suivez maintenant ce dossier d'orientation.")
    return redirect("orientation:dossier", uid=dossier.uid)


@require_perm(can_assign_dossier, model=DossierOrientation)
def dossier_attribuer(request, dossier):
    form = AttribuerForm(request.POST or None, initial={"charge": dossier.charge_orientation_id})
    if request.method == "POST" and form.is_valid():
        charge = form.cleaned_data["charge"]
        try:
            services.dossier_assign(dossier=dossier, charge=charge, auteur=request.user, structure=request.structure)
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Le dossier est confié à {charge.get_full_name()}.")
            return redirect("orientation:dossier", uid=dossier.uid)
    return render(request, "orientation/dossier_attribuer.html", {"dossier": dossier, "form": form})


@require_perm(can_work_queue, model=DossierOrientation)
def dossier_reception(request, dossier):
    """Record by hand the day the right-opening or transfer information was received (restarts the clock)."""
    initial = {"date_reception": dossier.date_reception_information, "origine": dossier.origine_information}
    form = ReceptionInformationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.information_recevoir(
                carnet=dossier.carnet,
                departement=request.departement,
                date_reception=form.cleaned_data["date_reception"],
                origine=form.cleaned_data["origine"],
                source=SourceInformation.SAISIE,
                auteur=request.user,
                structure=request.structure,
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "La date de réception de l'information est enregistrée : le délai légal est à jour."
            )
            return redirect("orientation:dossier", uid=dossier.uid)
    return render(request, "orientation/dossier_reception.html", {"dossier": dossier, "form": form})
