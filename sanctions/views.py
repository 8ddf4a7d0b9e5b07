"""Pages of the sanction files. Restricted: the référent, the décideurs des sanctions and the département's
administrator (`sanctions.perms`); every read is in the access log. GET never writes (except the log)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.models import Analyse, Carnet
from carnet.services.documents import DocumentInfecte
from carnet.uploads import download_filename
from sanctions import bareme, documents, services, tribunal
from sanctions.etats import ARTICLES_ETATS, TRANSITIONS, Etat, TransitionRefusee, fin_du_delai, transitions_possibles
from sanctions.forms import FORMULAIRES, ObservationForm, OuvrirForm, ParametresForm, PieceForm
from sanctions.models import DossierManquement
from sanctions.perms import (
    can_configure_bareme,
    can_instruct_dossier,
    can_list_dossiers,
    can_list_dossiers_carnet,
    can_open_dossier,
    can_read_dossier,
    est_decideur,
)
from spie.audit import log_access, log_list_view
from spie.decorators import require_perm
from spie.models import Action

PAGE_SIZE = 50


def _carnets():
    return Carnet.objects.select_related("beneficiaire")


def _dossiers():
    return DossierManquement.objects.select_related("carnet__beneficiaire", "contrat", "decideur", "created_by")


def _log(request, dossier, page, action=Action.CONSULTATION):
    log_access(request=request, action=action, obj=dossier, details={"page": page, "carnet": str(dossier.carnet.uid)})


@require_perm(can_list_dossiers)
@require_safe
def liste(request):
    """The département's open files first, for the décideurs and the administrator."""
    etat = request.GET.get("etat", "")
    queryset = _dossiers().order_by("-created_at")
    if etat in Etat.values:
        queryset = queryset.filter(etat=etat)
    rows = list(queryset[:PAGE_SIZE])
    log_list_view(
        request, page="sanctions:liste", uids=[d.uid for d in rows], object_type="sanctions.dossiermanquement"
    )
    return render(request, "sanctions/liste.html", {"dossiers": rows, "etats": Etat.choices, "etat": etat})


@require_perm(can_list_dossiers_carnet, model=_carnets)
@require_safe
def carnet_dossiers(request, carnet):
    rows = list(_dossiers().filter(carnet=carnet))
    log_access(request=request, action=Action.CONSULTATION, obj=carnet, details={"page": "sanctions:carnet"})
    return render(
        request,
        "sanctions/carnet_dossiers.html",
        {"carnet": carnet, "dossiers": rows, "peut_ouvrir": can_open_dossier(request.acting, carnet)},
    )


@require_perm(can_open_dossier, model=_carnets)
@require_http_methods(["GET", "POST"])
def ouvrir(request, carnet):
    form = OuvrirForm(
        request.POST or None,
        contrats=services.contrats_du_carnet(carnet),
        rendez_vous=services.rendez_vous_manques(carnet),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                dossier = services.dossier_ouvrir(
                    carnet=carnet, data=form.cleaned_data, auteur=request.user, structure=request.structure
                )
            except TransitionRefusee as refus:
                form.add_error(None, str(refus))
            else:
                messages.success(request, "Le dossier de manquement est ouvert. Vérifiez d'abord le motif légitime.")
                return redirect("sanctions:dossier", uid=dossier.uid)
        status = 400
    else:
        log_access(request=request, action=Action.CONSULTATION, obj=carnet, details={"page": "sanctions:ouvrir"})
    return render(
        request,
        "sanctions/ouvrir.html",
        {"carnet": carnet, "form": form, "soumis": carnet.beneficiaire.soumis_droits_devoirs},
        status=status,
    )


def _contexte(request, dossier, **extra):
    decideur = est_decideur(request.acting)
    instruit = can_instruct_dossier(request.acting, dossier)
    possibles = transitions_possibles(dossier.etat, est_decideur=decideur, peut_instruire=instruit)
    erreurs = extra.pop("erreurs", {})
    actions = [{"transition": t, "form": erreurs.get(t.code) or FORMULAIRES[t.code](prefix=t.code)} for t in possibles]
    params = bareme.parametres(dossier.departement_id)
    return {
        "dossier": dossier,
        "carnet": dossier.carnet,
        "beneficiaire": dossier.carnet.beneficiaire,
        "etapes": dossier.etapes.select_related("auteur"),
        "pieces": dossier.pieces.select_related("document", "ajoutee_par"),
        "observations": dossier.observations.select_related("enregistree_par", "document"),
        "rendez_vous": dossier.rendez_vous.order_by("date_heure"),
        "article_etat": ARTICLES_ETATS[dossier.etat],
        "proposition": tribunal.proposition_de(dossier),
        "peut_dossier_tribunal": tribunal.can_export_dossier_tribunal(request.acting),
        "actions": actions,
        "peut_instruire": instruit and dossier.etat in (Etat.OUVERT, Etat.A_NOTIFIER, Etat.NOTIFIE, Etat.DECIDE),
        "piece_form": extra.pop("piece_form", None) or PieceForm(),
        "observation_form": extra.pop("observation_form", None) or ObservationForm(),
        "fin_delai": fin_du_delai(dossier.date_certaine) if dossier.date_certaine else None,
        "bornes": bareme.bornes(params, rang=dossier.rang, foyer_plusieurs=dossier.foyer_plusieurs_personnes),
        "fin_sanction": bareme.ajouter_mois(dossier.decision_effet, dossier.decision_duree)
        if dossier.decision_effet
        else None,
        # R.262-40 3°: four months of total suppression → the PCD proposes the radiation from France Travail's list.
        "radiation": bareme.radiation_a_proposer(
            DossierManquement.objects.filter(carnet=dossier.carnet).sanctions_prononcees()
        ),
        "rattrapage": bareme.Rattrapage(dossier.rattrapage_mois, dossier.decision_taux, dossier.rattrapage_montant)
        if dossier.rattrapage_mois is not None
        else None,
        **extra,
    }


@require_perm(can_read_dossier, model=_dossiers)
@require_safe
def dossier(request, dossier):
    _log(request, dossier, "sanctions:dossier")
    return render(request, "sanctions/dossier.html", _contexte(request, dossier))


@require_perm(can_instruct_dossier, model=_dossiers)
@require_POST
def etape(request, dossier):
    code = request.POST.get("transition", "")
    transition = TRANSITIONS.get(code)
    if transition is None:
        return render(
            request,
            "sanctions/dossier.html",
            _contexte(request, dossier, erreur_generale="Cette étape n'existe pas."),
            status=400,
        )
    decideur = est_decideur(request.acting)
    if transition.decideur_seul and not decideur:
        raise PermissionDenied("Seul un décideur des sanctions peut franchir cette étape.")
    form = FORMULAIRES[code](request.POST, prefix=code)
    if form.is_valid():
        try:
            services.dossier_franchir(
                dossier=dossier,
                code=code,
                data=form.cleaned_data,
                auteur=request.user,
                structure=request.structure,
                est_decideur=decideur,
                peut_instruire=can_instruct_dossier(request.acting, dossier),
            )
        except TransitionRefusee as refus:
            form.add_error(None, str(refus))
        else:
            messages.success(request, "L'étape est enregistrée.")
            return redirect("sanctions:dossier", uid=dossier.uid)
    dossier.refresh_from_db()
    possibles = {t.code for t in transitions_possibles(dossier.etat, est_decideur=decideur, peut_instruire=True)}
    if code in possibles:
        contexte = _contexte(request, dossier, erreurs={code: form})
    else:
        contexte = _contexte(
            request, dossier, erreur_generale=" ".join(form.non_field_errors()) or "Cette étape n'est pas possible."
        )
    return render(request, "sanctions/dossier.html", contexte, status=400)


@require_perm(can_instruct_dossier, model=_dossiers)
@require_POST
def piece_ajouter(request, dossier):
    form = PieceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.piece_ajouter(
                dossier=dossier,
                fichier=form.cleaned_data["fichier"],
                type_document=form.type_document,
                libelle=form.cleaned_data["libelle"],
                auteur=request.user,
                structure=request.structure,
            )
        except DocumentInfecte as infecte:
            form.add_error("fichier", infecte.messages[0])
        except TransitionRefusee as refus:
            form.add_error(None, str(refus))
        else:
            messages.success(request, "La pièce est ajoutée au dossier.")
            return redirect("sanctions:dossier", uid=dossier.uid)
    return render(request, "sanctions/dossier.html", _contexte(request, dossier, piece_form=form), status=400)


@require_perm(can_instruct_dossier, model=_dossiers)
@require_POST
def observation_ajouter(request, dossier):
    form = ObservationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.observation_enregistrer(
                dossier=dossier,
                auteur=request.user,
                structure=request.structure,
                type_document=form.type_document,
                **form.cleaned_data,
            )
        except DocumentInfecte as infecte:
            form.add_error("fichier", infecte.messages[0])
        except TransitionRefusee as refus:
            form.add_error(None, str(refus))
        else:
            messages.success(request, "Les observations sont ajoutées au dossier.")
            return redirect("sanctions:dossier", uid=dossier.uid)
    return render(request, "sanctions/dossier.html", _contexte(request, dossier, observation_form=form), status=400)


@require_perm(can_read_dossier, model=_dossiers)
@require_safe
def piece_telecharger(request, dossier, piece_uid):
    """A piece of evidence, for whoever reads the file (the décideurs are not in the carnet's group)."""
    piece = get_object_or_404(dossier.pieces.select_related("document"), uid=piece_uid)
    document = piece.document
    if document.analyse != Analyse.SAINE:
        raise Http404("Ce document attend son analyse antivirus ou a été refusé.")
    _log(request, dossier, "sanctions:piece_telecharger", Action.TELECHARGEMENT)
    try:
        handle = document.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de cette pièce est introuvable.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_filename(document.nom, document.type_mime),
        content_type=document.type_mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf(pdf, nom):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{nom}.pdf"'
    return response


@require_perm(can_read_dossier, model=_dossiers)
@require_safe
def notification_pdf(request, dossier):
    if dossier.envisage_taux is None:
        raise PermissionDenied("Ce dossier n'a pas encore été notifié.")
    _log(request, dossier, "sanctions:notification_pdf", Action.TELECHARGEMENT)
    return _pdf(documents.notification_pdf(dossier), "notification-manquement")


@require_perm(can_read_dossier, model=_dossiers)
@require_safe
def decision_pdf(request, dossier):
    if dossier.decide_le is None:
        raise PermissionDenied("Aucune sanction n'a été décidée dans ce dossier.")
    _log(request, dossier, "sanctions:decision_pdf", Action.TELECHARGEMENT)
    return _pdf(documents.decision_pdf(dossier), "decision-sanction")


@require_perm(can_configure_bareme)
@require_http_methods(["GET", "POST"])
@transaction.atomic
def parametres(request):
    instance = bareme.parametres(request.departement.pk)
    form = ParametresForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.parametres_enregistrer(departement_id=request.departement.pk, data=form.cleaned_data)
            except TransitionRefusee as refus:
                form.add_error(None, str(refus))
            else:
                messages.success(request, "Le barème des sanctions est enregistré.")
                return redirect("sanctions:parametres")
        status = 400
    return render(request, "sanctions/parametres.html", {"form": form}, status=status)
