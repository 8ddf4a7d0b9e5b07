"""Pages of the équipes pluridisciplinaires: the teams (département administrator), the sessions (décideurs des
sanctions and administrator), and, for the members, the files of their session while it is open (`perms_ep`). Every
read of a person's data is in the access log. GET never writes (except the log)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.models import Carnet
from sanctions import documents_ep, equipes
from sanctions.etats import TRANSITIONS_SEANCE, TransitionRefusee
from sanctions.forms_ep import (
    AnnulerForm,
    AvisForm,
    DeciderForm,
    EquipeForm,
    InscrireForm,
    MembreForm,
    PassageForm,
    PresencesForm,
    ReporterForm,
    SeanceForm,
    VideForm,
)
from sanctions.models import DossierManquement, EquipePluridisciplinaire, MembreEquipe, PassageEquipe, SeanceEquipe
from sanctions.perms import est_decideur
from sanctions.perms_ep import (
    can_configure_equipes,
    can_list_seances,
    can_organise_seances,
    can_read_passage,
    can_read_proces_verbal,
    can_read_seance,
)
from spie.audit import log_access, log_list_view
from spie.decorators import require_perm
from spie.models import Action, Membership, Territoire, User

PAGE_SIZE = 50


def _equipes():
    return EquipePluridisciplinaire.objects.select_related("territoire")


def _seances():
    return SeanceEquipe.objects.select_related("equipe__territoire", "reportee_vers")


def _passages():
    # A passage whose carnet has since moved to another département (a transfer) stays in its session's minutes but
    # no longer opens here: its summary and convocation are the person's data, which left with them.
    return PassageEquipe.objects.select_related("seance__equipe", "carnet__beneficiaire__commune", "dossier").filter(
        carnet__departement_id=F("departement_id")
    )


def _membres():
    return MembreEquipe.objects.select_related("equipe", "user")


def _pdf(pdf, nom):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{nom}.pdf"'
    return response


def _utilisateurs(departement):
    """Users with an active membership in the département (whatever their structure: France Travail, CCAS...)."""
    return User.objects.filter(
        pk__in=Membership.objects.actifs().filter(departement=departement).values("user_id")
    ).order_by("last_name", "first_name")


# --- Teams ------------------------------------------------------------------------------------------------------


@require_perm(can_configure_equipes)
@require_http_methods(["GET", "POST"])
def equipes_liste(request):
    form = EquipeForm(request.POST or None, territoires=Territoire.objects.all())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                equipe = equipes.equipe_enregistrer(departement_id=request.departement.pk, data=form.cleaned_data)
            except TransitionRefusee as refus:
                form.add_error(None, str(refus))
            else:
                messages.success(request, "L'équipe est créée. Ajoutez maintenant ses membres.")
                return redirect("sanctions:ep_equipe", uid=equipe.uid)
        status = 400
    rows = list(_equipes())
    return render(request, "sanctions/ep/equipes.html", {"equipes": rows, "form": form}, status=status)


def _equipe_contexte(request, equipe, **extra):
    return {
        "equipe": equipe,
        "membres": equipe.membres.filter(actif=True).select_related("user"),
        "seances": equipe.seances.order_by("-date_heure")[:PAGE_SIZE],
        "form": extra.pop("form", None) or EquipeForm(instance=equipe, territoires=Territoire.objects.all()),
        "membre_form": extra.pop("membre_form", None) or MembreForm(utilisateurs=_utilisateurs(request.departement)),
        **extra,
    }


@require_perm(lambda acting, equipe: can_configure_equipes(acting), model=_equipes)
@require_http_methods(["GET", "POST"])
def equipe(request, equipe):
    if request.method == "POST":
        form = EquipeForm(request.POST, instance=equipe, territoires=Territoire.objects.all())
        if form.is_valid():
            try:
                equipes.equipe_enregistrer(
                    departement_id=request.departement.pk, data=form.cleaned_data, equipe=equipe
                )
            except TransitionRefusee as refus:
                form.add_error(None, str(refus))
            else:
                messages.success(request, "L'équipe est enregistrée.")
                return redirect("sanctions:ep_equipe", uid=equipe.uid)
        equipe.refresh_from_db()
        return render(request, "sanctions/ep/equipe.html", _equipe_contexte(request, equipe, form=form), status=400)
    return render(request, "sanctions/ep/equipe.html", _equipe_contexte(request, equipe))


@require_perm(lambda acting, equipe: can_configure_equipes(acting), model=_equipes)
@require_POST
def membre_ajouter(request, equipe):
    form = MembreForm(request.POST, utilisateurs=_utilisateurs(request.departement))
    if form.is_valid():
        try:
            equipes.membre_ajouter(equipe=equipe, data=form.cleaned_data)
        except TransitionRefusee as refus:
            form.add_error(None, str(refus))
        else:
            messages.success(request, "Le membre est ajouté à l'équipe.")
            return redirect("sanctions:ep_equipe", uid=equipe.uid)
    return render(request, "sanctions/ep/equipe.html", _equipe_contexte(request, equipe, membre_form=form), status=400)


@require_perm(lambda acting, membre: can_configure_equipes(acting), model=_membres)
@require_POST
def membre_retirer(request, membre):
    equipes.membre_retirer(membre=membre)
    messages.success(request, f"{membre.nom_affiche} ne fait plus partie de l'équipe.")
    return redirect("sanctions:ep_equipe", uid=membre.equipe.uid)


# --- Sessions ---------------------------------------------------------------------------------------------------


@require_perm(can_list_seances)
@require_safe
def seances(request):
    """The organisers see every session; a member sees the sessions of their teams (the open one leads to its
    files)."""
    queryset = _seances().order_by("-date_heure")
    organise = can_organise_seances(request.acting)
    if not organise:
        queryset = queryset.filter(equipe__membres__user=request.user, equipe__membres__actif=True).distinct()
    rows = list(queryset[:PAGE_SIZE])
    equipes_actives = list(_equipes().filter(active=True)) if organise else []
    return render(
        request,
        "sanctions/ep/seances.html",
        {
            "seances": rows,
            "organise": organise,
            "equipes": equipes_actives,
            "configure": can_configure_equipes(request.acting),
        },
    )


@require_perm(lambda acting, equipe: can_organise_seances(acting), model=_equipes)
@require_http_methods(["GET", "POST"])
def seance_creer(request, equipe):
    form = SeanceForm(request.POST or None, initial={"lieu": equipe.lieu})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                seance = equipes.seance_creer(
                    equipe=equipe,
                    date_heure=form.cleaned_data["date_heure"],
                    lieu=form.cleaned_data["lieu"],
                    auteur=request.user,
                )
            except TransitionRefusee as refus:
                form.add_error(None, str(refus))
            else:
                messages.success(request, "La séance est créée. Inscrivez les dossiers à son ordre du jour.")
                return redirect("sanctions:ep_seance", uid=seance.uid)
        status = 400
    return render(request, "sanctions/ep/seance_creer.html", {"equipe": equipe, "form": form}, status=status)


def _du_territoire(queryset, seance, champ):
    """Only the people living in the team's territory (when it lists its communes): the others go to their own."""
    communes = list(seance.equipe.territoire.communes.values_list("pk", flat=True))
    return queryset.filter(**{f"{champ}__in": communes}) if communes else queryset


def _dossiers_examinables(seance):
    dossiers = DossierManquement.objects.filter(etat__in=equipes.ETATS_DOSSIER_EXAMINABLES).select_related(
        "carnet__beneficiaire"
    )
    return _du_territoire(dossiers, seance, "carnet__beneficiaire__commune")


def _carnets_candidats(seance):
    """People a session may examine without a sanction file: a réorientation asked for, or an open sanction file."""
    carnets = (
        Carnet.objects.filter(
            Q(demandes_reorientation__statut="en_attente")
            | Q(pk__in=DossierManquement.objects.ouverts().values("carnet_id"))
        )
        .select_related("beneficiaire")
        .distinct()
        .order_by("beneficiaire__nom_usage", "pk")
    )
    return _du_territoire(carnets, seance, "beneficiaire__commune")


def _formulaire(code, seance, data=None):
    passages = seance.passages.all()
    if code == "inscrire":
        return InscrireForm(
            data, dossiers=_dossiers_examinables(seance), carnets=_carnets_candidats(seance), prefix=code
        )
    if code == "ouvrir":
        return PresencesForm(
            data, membres=seance.equipe.membres.filter(actif=True).select_related("user"), prefix=code
        )
    if code == "retirer":
        return PassageForm(data, passages=passages, prefix=code)
    if code == "avis":
        return AvisForm(data, passages=passages, prefix=code)
    if code == "decider":
        return DeciderForm(data, passages=passages, prefix=code)
    if code == "reporter":
        return ReporterForm(data, prefix=code)
    if code == "annuler":
        return AnnulerForm(data, prefix=code)
    return VideForm(data, prefix=code)


def _seance_contexte(request, seance, **extra):
    organise = can_organise_seances(request.acting)
    decideur = est_decideur(request.acting)
    passages = list(seance.passages.select_related("carnet__beneficiaire", "dossier", "decideur"))
    codes = [
        code
        for code, t in TRANSITIONS_SEANCE.items()
        if seance.etat in t.depuis and (decideur if t.decideur_seul else organise)
    ]
    return {
        "seance": seance,
        "equipe": seance.equipe,
        "passages": passages,
        "organise": organise,
        "codes": codes,
        "formulaires": {code: _formulaire(code, seance) for code in codes},
        "presences": seance.presences.select_related("membre__user"),
        "erreur": extra.pop("erreur", ""),
        **extra,
    }


def _log_seance(request, seance, passages, page):
    log_access(request=request, action=Action.CONSULTATION, obj=seance, details={"page": page})
    if passages:
        log_list_view(request, page=page, uids=[p.carnet.uid for p in passages])


@require_perm(can_read_seance, model=_seances)
@require_safe
def seance(request, seance):
    contexte = _seance_contexte(request, seance)
    _log_seance(request, seance, contexte["passages"], "sanctions:ep_seance")
    return render(request, "sanctions/ep/seance.html", contexte)


@require_perm(lambda acting, seance: can_organise_seances(acting), model=_seances)
@require_POST
def seance_etape(request, seance):
    code = request.POST.get("transition", "")
    transition = TRANSITIONS_SEANCE.get(code)
    if transition is None:
        contexte = _seance_contexte(request, seance, erreur="Cette étape n'existe pas.")
        return render(request, "sanctions/ep/seance.html", contexte, status=400)
    if transition.decideur_seul and not est_decideur(request.acting):
        raise PermissionDenied("Seul un décideur des sanctions prend la décision du président.")
    form = _formulaire(code, seance, request.POST)
    if form.is_valid():
        try:
            _, resume = equipes.seance_franchir(
                seance=seance,
                code=code,
                data=form.cleaned_data,
                auteur=request.user,
                structure=request.structure,
                est_decideur=est_decideur(request.acting),
                organise=can_organise_seances(request.acting),
            )
        except TransitionRefusee as refus:
            form.add_error(None, str(refus))
        else:
            messages.success(request, f"C'est enregistré : {resume}.")
            if code == "reporter":
                seance.refresh_from_db()
                return redirect("sanctions:ep_seance", uid=seance.reportee_vers.uid)
            return redirect("sanctions:ep_seance", uid=seance.uid)
    erreurs = [str(e) for e in form.non_field_errors()] + [
        f"{form.fields[name].label or name} : {' '.join(errs)}"
        for name, errs in form.errors.items()
        if name != "__all__"
    ]
    seance.refresh_from_db()
    contexte = _seance_contexte(request, seance, erreur=" ".join(erreurs) or "Cette étape n'est pas possible.")
    return render(request, "sanctions/ep/seance.html", contexte, status=400)


@require_perm(can_read_passage, model=_passages)
@require_safe
def resume_pdf(request, passage):
    log_access(
        request=request,
        action=Action.TELECHARGEMENT,
        obj=passage.carnet,
        details={"page": "sanctions:ep_resume_pdf", "seance": str(passage.seance.uid)},
    )
    return _pdf(documents_ep.resume_pdf(passage), "fiche-synthese")


@require_perm(lambda acting, passage: can_organise_seances(acting), model=_passages)
@require_safe
def convocation_pdf(request, passage):
    if passage.convocation_envoyee_le is None:
        raise PermissionDenied("La personne n'a pas encore été convoquée.")
    log_access(
        request=request,
        action=Action.TELECHARGEMENT,
        obj=passage.carnet,
        details={"page": "sanctions:ep_convocation_pdf", "seance": str(passage.seance.uid)},
    )
    return _pdf(documents_ep.convocation_pdf(passage), "convocation-equipe-pluridisciplinaire")


@require_perm(can_read_proces_verbal, model=_seances)
@require_safe
def proces_verbal_pdf(request, seance):
    passages = list(seance.passages.select_related("carnet"))
    log_list_view(request, page="sanctions:ep_proces_verbal_pdf", uids=[p.carnet.uid for p in passages])
    return _pdf(documents_ep.proces_verbal_pdf(seance), "proces-verbal-equipe-pluridisciplinaire")
