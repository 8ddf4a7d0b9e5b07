"""Search of the catalogue (page and JSON) and a service's page.

Every list costs the same few queries whatever the number of results: one query for the page of services
and the total (`count(*) OVER ()`), one for the open sessions of the services shown.
"""

from django.core.paginator import Page, Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse

from offre import zones
from offre.forms import RechercheForm
from offre.models import Service, SessionService
from offre.perms import can_edit_service, can_search_offer, can_view_service
from offre.referentiels import Public, TypeService, label, labels, thematique_label_complet
from offre.schema import CRITERES, service_score
from offre.search import PLAFOND, search_page
from spie.decorators import require_perm

PAR_PAGE = 20
# The columns a result list shows (a service row is wide: its keywords array alone is about 1 kB).
COLONNES_LISTE = (
    "uid",
    "di_id",
    "nom",
    "description",
    "type",
    "thematiques",
    "publics",
    "modes_accueil",
    "zone_eligibilite",
    "commune",
    "score_qualite",
    "date_maj",
    "structure__nom",
    "structure__di_id",
)


def rechercher(form):
    """(services of the page, total, total capped, page number) for a valid search form; open sessions attached."""
    criteres = form.criteres()
    page = form.cleaned_data.get("page") or 1
    services, total, plafonne = search_page(
        criteres,
        page=page,
        par_page=PAR_PAGE,
        prepare=lambda queryset: queryset.select_related("structure").only(*COLONNES_LISTE),
    )
    attach_sessions(services)
    for service in services:
        service.niveau_libelle = zones.NIVEAU_LIBELLES.get(service.niveau_zone, "")
    return services, total, plafonne, page


def attach_sessions(services):
    """`service.sessions_ouvertes`: the next open sessions of each service, in one query."""
    by_service = {service.pk: [] for service in services}
    if by_service:
        for session in SessionService.objects.ouvertes().filter(service_id__in=by_service).order_by("date_debut"):
            by_service[session.service_id].append(session)
    for service in services:
        service.sessions_ouvertes = by_service[service.pk][:3]


def search_context(request, form):
    context = {"form": form, "services": None}
    if form.is_bound and form.is_valid():
        services, total, plafonne, numero = rechercher(form)
        context.update(
            services=services,
            total=total,
            plafonne=plafonne,
            plafond=PLAFOND,
            # The search pages itself (ranked SQL with a cap): a Page over the count feeds the site's pagination.
            page=Page(services, numero, Paginator(range(total), PAR_PAGE)),
            commune=form.commune_trouvee,
        )
    return context


@require_perm(can_search_offer)
def recherche(request):
    form = RechercheForm(request.GET or None)
    return render(request, "offre/recherche.html", search_context(request, form))


def _json_service(service):
    return {
        "uid": str(service.uid),
        "id": service.di_id,
        "nom": service.nom,
        "structure": {"id": service.structure.di_id, "nom": service.structure.nom},
        "type": service.type or None,
        "type_libelle": label(TypeService, service.type) or None,
        "thematiques": service.thematiques,
        "publics": service.publics,
        "modes_accueil": service.modes_accueil,
        "zone_eligibilite": service.zone_eligibilite,
        "niveau_zone": service.niveau_libelle or None,
        "score_qualite": service.score_qualite,
        "date_maj": service.date_maj.isoformat(),
        "url": reverse("offre:service_detail", kwargs={"uid": service.uid}),
        "sessions_ouvertes": [
            {
                "date_debut": session.date_debut.isoformat(),
                "date_fin": session.date_fin.isoformat() if session.date_fin else None,
                "places_restantes": session.places_restantes,
            }
            for session in service.sessions_ouvertes
        ],
    }


@require_perm(can_search_offer)
def recherche_json(request):
    """The same search as the page, as JSON (`?commune=76540&thematique=mobilite&page=2`)."""
    form = RechercheForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"erreurs": form.errors.get_json_data()}, status=400)
    services, total, plafonne, page = rechercher(form)
    commune = form.commune_trouvee
    return JsonResponse(
        {
            "commune": {"code_insee": commune.code_insee, "nom": commune.nom} if commune else None,
            "total": total,
            "total_plafonne": plafonne,
            "page": page,
            "par_page": PAR_PAGE,
            "resultats": [_json_service(service) for service in services],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_perm(can_view_service, model=lambda: Service.objects.select_related("structure", "structure__commune"))
def service_detail(request, service):
    score, details = service_score(service)
    criteres = [(CRITERES.get(name, name), value) for name, value in details.items() if value is not None]
    sessions = list(SessionService.objects.filter(service=service).order_by("date_debut"))
    return render(
        request,
        "offre/service_detail.html",
        {
            "service": service,
            "score": score,
            "criteres": criteres,
            "sessions": sessions,
            "zone": zones.describe(service.zone_eligibilite),
            "thematiques": [thematique_label_complet(t) for t in service.thematiques],
            "publics": labels(Public, service.publics),
            "peut_modifier": can_edit_service(request.acting, service),
        },
    )
