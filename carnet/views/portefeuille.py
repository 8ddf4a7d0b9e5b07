"""“Mes bénéficiaires”: the référent's portfolio, and the same view for a structure's manager.

Filters read the carnet's denormalised dates (kept by the services), so that every page costs the
same few queries whatever the size of the portfolio.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import render
from django.utils import timezone

from carnet.forms import PortefeuilleFiltreForm
from carnet.models import Carnet, MembreGroupe
from spie.decorators import require_membership
from spie.models import Role

PAGE_SIZE = 25
# The columns the page shows (the rest of a person's row, e.g. the search columns, stays in the database).
PERSON_COLUMNS = ("beneficiaire__prenoms", "beneficiaire__nom_usage", "beneficiaire__date_naissance")
CARNET_COLUMNS = ("uid", "dernier_rendez_vous", "prochain_rendez_vous", "fin_contrat_en_cours", *PERSON_COLUMNS)


def apply_filter(queryset, filtre, jours, prefix=""):
    """Portfolio filters on a queryset of carnets (prefix "carnet__" when it is a queryset of group rows)."""
    now = timezone.now()
    today = timezone.localdate()
    field = lambda name: f"{prefix}{name}"  # noqa: E731
    if filtre == "sans_rdv":
        limite = now - timedelta(days=jours or 60)
        return queryset.filter(
            Q(**{field("dernier_rendez_vous__lt"): limite}) | Q(**{field("dernier_rendez_vous"): None}),
            **{field("prochain_rendez_vous"): None},
        )
    if filtre == "fin_contrat":
        return queryset.filter(
            **{
                field("fin_contrat_en_cours__gte"): today,
                field("fin_contrat_en_cours__lte"): today + timedelta(days=30),
            }
        )
    if filtre == "sans_contrat":
        return queryset.filter(**{field("fin_contrat_en_cours"): None})
    if filtre == "nouveaux":
        return queryset.filter(**{field("created_at__gte"): now.replace(day=1, hour=0, minute=0, second=0)})
    return queryset


def _filters(request):
    form = PortefeuilleFiltreForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        return form, data.get("filtre") or "", data.get("jours") or 60, data.get("q") or ""
    return form, "", 60, ""


@require_membership
def portefeuille(request):
    """The carnets the user follows for the structure they act for."""
    form, filtre, jours, q = _filters(request)
    rows = (
        MembreGroupe.objects.filter(user=request.user, structure=request.structure, fin=None)
        .select_related("carnet", "carnet__beneficiaire")
        .only("est_referent", *(f"carnet__{name}" for name in CARNET_COLUMNS))
    )
    rows = apply_filter(rows, filtre, jours, prefix="carnet__")
    if q:
        from carnet.search import search_text

        rows = rows.filter(carnet__beneficiaire__nom_recherche__contains=search_text(q))
    rows = rows.order_by("carnet__beneficiaire__nom_usage", "carnet__beneficiaire__prenoms", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "carnet/portefeuille.html",
        {"form": form, "page": page, "filtre": filtre, "jours": jours, "mode": "personnel"},
    )


def can_see_structure_portfolio(acting) -> bool:
    """Structure managers see every person followed by someone of their structure."""
    return acting.has_role(Role.RESPONSABLE_STRUCTURE, Role.ADMIN_DEPARTEMENT)


@require_membership
def portefeuille_structure(request):
    if not can_see_structure_portfolio(request.acting):
        raise PermissionDenied
    form, filtre, jours, q = _filters(request)
    followed = MembreGroupe.objects.filter(structure=request.structure, fin=None)
    referent = MembreGroupe.objects.filter(carnet=OuterRef("pk"), est_referent=True, fin=None).select_related("user")
    carnets = (
        Carnet.objects.filter(pk__in=followed.values("carnet_id"))
        .select_related("beneficiaire")
        .only(*CARNET_COLUMNS)
        .annotate(
            referent_prenom=Subquery(referent.values("user__first_name")[:1]),
            referent_nom=Subquery(referent.values("user__last_name")[:1]),
        )
    )
    carnets = apply_filter(carnets, filtre, jours)
    if q:
        from carnet.search import search_text

        carnets = carnets.filter(beneficiaire__nom_recherche__contains=search_text(q))
    carnets = carnets.order_by("beneficiaire__nom_usage", "beneficiaire__prenoms", "pk")
    page = Paginator(carnets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "carnet/portefeuille.html",
        {"form": form, "page": page, "filtre": filtre, "jours": jours, "mode": "structure"},
    )
