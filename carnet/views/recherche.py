"""Search for a person: by name (accents, case and small typos ignored), birth date, CAF or France
Travail number; by NIR only through a POST and an exact match. Results show the minimal card unless the
user is in the group."""

from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Concat, Trim
from django.shortcuts import render

from carnet.forms import RechercheForm, RechercheNirForm
from carnet.models import Beneficiaire, MembreGroupe
from carnet.nir import nir_hash
from carnet.perms import hors_opposition
from spie.audit import log_access
from spie.decorators import require_membership
from spie.models import Action

MAX_RESULTS = 50


def _resultats(request, queryset):
    """The rows the acting user may find: not the carnets whose person objected to sharing beyond another
    structure than theirs (`carnet.perms.hors_opposition`), with the columns of a result row."""
    return _with_groups(
        hors_opposition(queryset, request.acting, prefixe="carnet__"), request.user.pk, request.structure.pk
    )


def _with_groups(queryset, user_id, structure_id):
    """The columns of a result row (only those): the person, the carnet, the commune, the référent, whether the
    user follows the person.

    Read by subqueries of the same SELECT rather than by prefetching the groups: one query whatever the
    number of rows, and no objects built for members the page does not show."""
    active = MembreGroupe.objects.actifs().filter(carnet=OuterRef("carnet"))
    referent = active.filter(est_referent=True).order_by()  # one active référent at most (a constraint)
    full_name = Trim(Concat("user__first_name", Value(" "), "user__last_name"))
    return (
        queryset.select_related("carnet", "commune")
        .only("prenoms", "nom_usage", "date_naissance", "carnet__uid", "commune__nom")
        .annotate(
            referent_nom=Subquery(referent.annotate(nom=full_name).values("nom")[:1]),
            referent_structure=Subquery(referent.values("structure__nom")[:1]),
            dans_le_groupe=Exists(active.filter(user_id=user_id, structure_id=structure_id)),
        )
    )


def search_beneficiaires(data):
    """The search of the page and of the JSON API: criteria combine with AND."""
    # An anonymised person is nobody any more: never a search result (their birth date is kept to its year).
    queryset = Beneficiaire.objects.filter(carnet__anonymise_le=None)
    if data.get("date_naissance"):
        queryset = queryset.filter(date_naissance=data["date_naissance"])
    if data.get("numero_allocataire"):
        # The start of the number is enough (a letter read over the phone, a number half remembered).
        queryset = queryset.filter(numero_allocataire__startswith=data["numero_allocataire"].strip())
    if data.get("identifiant_france_travail"):
        queryset = queryset.filter(identifiant_france_travail=data["identifiant_france_travail"].strip())
    if data.get("nom"):
        queryset = queryset.search_by_name(data["nom"])
    else:
        queryset = queryset.order_by("nom_usage", "prenoms")
    return queryset


@require_membership
def recherche(request):
    form = RechercheForm(request.GET or None)
    nir_form = RechercheNirForm(request.POST or None)
    results = None
    if request.method == "POST":
        if nir_form.is_valid():
            found = Beneficiaire.objects.filter(nir_hash=nir_hash(nir_form.cleaned_data["nir"]))
            results = list(_resultats(request, found))
            # The NIR never goes back to the page: the form is emptied.
            nir_form = RechercheNirForm()
            log_access(
                request=request,
                action=Action.RECHERCHE,
                object_type="carnet.beneficiaire",
                details={"critere": "nir", "resultats": len(results)},
            )
    elif form.is_bound and form.is_valid():
        found = _resultats(request, search_beneficiaires(form.cleaned_data))
        results = list(found[:MAX_RESULTS])
        log_access(
            request=request,
            action=Action.RECHERCHE,
            object_type="carnet.beneficiaire",
            details={"criteres": sorted(k for k, v in form.cleaned_data.items() if v), "resultats": len(results)},
        )
    return render(
        request,
        "carnet/recherche.html",
        {"form": form, "nir_form": nir_form, "results": results, "max_results": MAX_RESULTS},
    )
