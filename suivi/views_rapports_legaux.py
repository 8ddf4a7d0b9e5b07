"""The statutory reports' pages and CSV exports: the employment committees' list, the DREES table, the legal delays.

Computed when asked (`suivi.indicateurs.rapports_legaux`). The committees' list is per person (pseudonymous):
the page and the file are written to the access log with the carnets they carry; the two other reports are
totals, where no person appears.
"""

import datetime
from collections import Counter

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from spie.audit import log_export, log_list_view
from spie.decorators import require_perm
from spie.replica import sur_replique
from spie.spreadsheet import csv_bytes
from suivi.forms import DelaisForm, DreesForm, ListeComitesForm
from suivi.indicateurs import lecture, legaux
from suivi.indicateurs import rapports_legaux as calcul
from suivi.indicateurs.graphiques import barres, courbes
from suivi.perms import can_view_rapports_legaux

APERCU_LIGNES = 50
CSV = "text/csv; charset=utf-8"


def _csv(lignes, nom):
    response = HttpResponse(csv_bytes(lignes), content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response


def _erreurs(form):
    """A refused export: the form's errors as plain text (400), nothing computed."""
    texte = " ".join(str(e) for erreurs in form.errors.values() for e in erreurs)
    return HttpResponse(f"Export impossible : {texte}", status=400, content_type="text/plain; charset=utf-8")


@require_perm(can_view_rapports_legaux)
@require_GET
def rapports_legaux(request):
    """The entry page: the three reports and their definitions."""
    return render(request, "suivi/rapports_legaux/index.html", {"rapports": legaux.RAPPORTS_LEGAUX})


# --- 1. The committees' list ----------------------------------------------------------------


def _form_comites(request):
    if request.GET:
        return ListeComitesForm(request.GET)
    debut, fin = ListeComitesForm.periode_par_defaut()
    return ListeComitesForm({"debut": debut.isoformat(), "fin": fin.isoformat()})


@require_perm(can_view_rapports_legaux)
@require_GET
@sur_replique
def liste_comites(request):
    form = _form_comites(request)
    context = {"form": form, "definition": legaux.LISTE_COMITES, "query": request.GET.urlencode()}
    if form.is_valid():
        debut, fin = form.cleaned_data["debut"], form.cleaned_data["fin"]
        lignes = calcul.liste_comites(request.departement, debut, fin)
        apercu = lignes[:APERCU_LIGNES]
        log_list_view(request, page="suivi:liste_comites", uids=[ligne.carnet_uid for ligne in apercu])
        par_organisme = Counter(ligne.organisme for ligne in lignes)
        context.update(
            debut=debut,
            fin=fin,
            nombre=len(lignes),
            apercu=apercu,
            par_organisme=[(libelle, par_organisme.get(code, 0)) for code, libelle in legaux.ORGANISMES.items()],
            par_parcours=_compte(lignes, "parcours", {**legaux.PARCOURS_LIBELLES, "": "Non précisé"}),
            par_decision=_compte(lignes, "decision", calcul.DECISIONS),
            graphique=barres(
                titre="Personnes orientées par type d'organisme référent",
                elements=[(libelle, float(par_organisme.get(code, 0))) for code, libelle in legaux.ORGANISMES.items()],
            ),
        )
    return render(request, "suivi/rapports_legaux/liste_comites.html", context)


def _compte(lignes, attribut, libelles):
    compte = Counter(getattr(ligne, attribut) for ligne in lignes)
    return [(libelle, compte[code]) for code, libelle in libelles.items() if compte[code] or code]


@require_perm(can_view_rapports_legaux)
@require_GET
@sur_replique
def liste_comites_csv(request):
    form = _form_comites(request)
    if not form.is_valid():
        return _erreurs(form)
    debut, fin = form.cleaned_data["debut"], form.cleaned_data["fin"]
    lignes = calcul.liste_comites(request.departement, debut, fin)
    log_export(request, page="suivi:liste_comites_csv", uids=[ligne.carnet_uid for ligne in lignes], format="csv")
    nom = f"orientations-comites-{request.departement.code}-{debut:%Y%m%d}-{fin:%Y%m%d}.csv"
    return _csv([legaux.COLONNES_COMITES, *(ligne.csv() for ligne in lignes)], nom)


# --- 2. The DREES table ---------------------------------------------------------------------


def _form_drees(request):
    return DreesForm(request.GET if request.GET else {"annee": DreesForm.annee_par_defaut()})


@require_perm(can_view_rapports_legaux)
@require_GET
@sur_replique
def tableau_drees(request):
    form = _form_drees(request)
    context = {
        "form": form,
        "definition": legaux.STOCK_DREES,
        "definition_delais": legaux.DELAIS_LEGAUX,
        "organismes": legaux.ORGANISMES_DREES.values(),
        "query": request.GET.urlencode(),
    }
    if form.is_valid():
        annee = form.cleaned_data["annee"]
        lignes = calcul.tableau_drees(request.departement, annee)
        ensemble = lignes[0]
        sections = []
        for dimension, libelle, _ in legaux.DIMENSIONS:
            sections.append((libelle, [ligne for ligne in lignes if ligne.dimension == dimension]))
        annuels = calcul.delais(request.departement, datetime.date(annee, 1, 1), datetime.date(annee, 12, 1))
        context.update(
            annee=annee,
            releve=calcul.releve_drees(annee),
            ensemble=ensemble,
            sections=sections,
            delais=annuels,
            graphique=barres(
                titre=f"Personnes soumises aux droits et devoirs au 31/12/{annee}, par organisme référent",
                elements=[("Non orientées", float(ensemble.non_orientes))]
                + [
                    (libelle, float(ensemble.par_organisme.get(code, 0)))
                    for code, libelle in legaux.ORGANISMES_DREES.items()
                ],
            ),
        )
    return render(request, "suivi/rapports_legaux/tableau_drees.html", context)


@require_perm(can_view_rapports_legaux)
@require_GET
@sur_replique
def tableau_drees_csv(request):
    form = _form_drees(request)
    if not form.is_valid():
        return _erreurs(form)
    annee = form.cleaned_data["annee"]
    lignes = calcul.tableau_drees(request.departement, annee)
    nom = f"drees-droits-devoirs-{request.departement.code}-{annee}.csv"
    return _csv([legaux.COLONNES_DREES, *(ligne.csv(annee) for ligne in lignes)], nom)


# --- 3. Legal delays ------------------------------------------------------------------------


def _form_delais(request):
    # Bound even without parameters: the form's defaults (the last 12 months) are applied by its clean().
    return DelaisForm(request.GET or {})


@require_perm(can_view_rapports_legaux)
@require_GET
@sur_replique
def delais(request):
    form = _form_delais(request)
    context = {"form": form, "definition": legaux.DELAIS_LEGAUX, "query": request.GET.urlencode()}
    if form.is_valid():
        debut, fin = form.cleaned_data["debut"], form.cleaned_data["fin"]
        resultat = calcul.delais(request.departement, debut, fin)
        etiquettes = [lecture.mois_court(ligne.mois) for ligne, _ in resultat.par_mois]
        context.update(
            mois_debut=lecture.mois_long(debut),
            mois_fin=lecture.mois_long(fin),
            resultat=resultat,
            graphique_orientation=courbes(
                titre="Part des orientations dans le délai légal de six semaines, par mois",
                etiquettes=etiquettes,
                series=[("Tous organismes", [ligne.part_o for ligne, _ in resultat.par_mois])],
                unite="%",
            ),
            graphique_contrat=courbes(
                titre="Part des contrats d'engagement signés dans le mois qui suit l'orientation, par mois",
                etiquettes=etiquettes,
                series=[("Tous organismes", [ligne.part_ce for ligne, _ in resultat.par_mois])],
                unite="%",
            ),
        )
    return render(request, "suivi/rapports_legaux/delais.html", context)


@require_perm(can_view_rapports_legaux)
@require_GET
@sur_replique
def delais_csv(request):
    form = _form_delais(request)
    if not form.is_valid():
        return _erreurs(form)
    debut, fin = form.cleaned_data["debut"], form.cleaned_data["fin"]
    resultat = calcul.delais(request.departement, debut, fin)
    nom = f"delais-legaux-{request.departement.code}-{debut:%Y-%m}-{fin:%Y-%m}.csv"
    return _csv([legaux.COLONNES_DELAIS, *(ligne.csv() for ligne in resultat.lignes())], nom)
