"""Search of the catalogue: every filter on an indexed column of the service row.

- thématique: `thematiques && [...]` (a category selects all its sub-themes, GIN);
- public: `publics && [public, "tous-publics"]` (GIN); type: equality; mode d'accueil: `&&` (GIN);
- free text: `mots @> [words]` (GIN, see offre/mots.py);
- commune: `zone_keys && [commune, EPCI, département, france]` (GIN, see offre/zones.py).

Order: the most local zone that matched first (commune, then EPCI, then département, then France), then
the package's quality score, then the freshest `date_maj`, then the id.

Speed on a large catalogue: a commune alone matches a large share of the services (everything of the
département and of France), and sorting all of them by zone level costs a scan of every match. The page is
therefore read one zone level at a time, each level in score order (`service_classement_idx` or a small
GIN bitmap, `LIMIT` what the page still needs), and the total is counted up to `PLAFOND` only ("plus de
100 offres"): page 1 of any search reads a few hundred rows at most. `bench_offre` measures it.
"""

from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from offre.models import Service, SessionService
from offre.mots import query_hashes
from offre.referentiels import Public, thematiques_of
from offre.zones import NIVEAUX, commune_keys

# Beyond this many matches the total is not counted ("plus de 100 offres"): refining helps more than page 6.
PLAFOND = 100
ORDRE = ("-score_qualite", "-date_maj", "pk")


@dataclass
class Criteres:
    texte: str = ""
    thematique: str = ""
    public: str = ""
    type: str = ""
    mode_accueil: str = ""
    commune: object = None  # a spie.Commune
    sessions_ouvertes: bool = False


def filtered(criteres: Criteres, queryset=None):
    """Published services of the active département matching every criterion but the commune."""
    queryset = (queryset if queryset is not None else Service.objects.all()).filter(statut="publie")
    if criteres.thematique:
        queryset = queryset.filter(thematiques__overlap=thematiques_of(criteres.thematique) or ["-"])
    if criteres.public:
        queryset = queryset.filter(publics__overlap=[criteres.public, Public.TOUS_PUBLICS.value])
    if criteres.type:
        queryset = queryset.filter(type=criteres.type)
    if criteres.mode_accueil:
        queryset = queryset.filter(modes_accueil__overlap=[criteres.mode_accueil])
    hashes = query_hashes(criteres.texte)
    if hashes:
        queryset = queryset.filter(mots__contains=hashes)
    if criteres.sessions_ouvertes:
        queryset = queryset.filter(Exists(SessionService.objects.ouvertes().filter(service=OuterRef("pk"))))
    return queryset


def levels(criteres: Criteres):
    """(zone level, condition) pairs in result order. A service belongs to the most local level it matches."""
    if criteres.commune is None:
        return [(None, Q())]
    result, previous = [], []
    for kind, key in commune_keys(criteres.commune):
        condition = Q(zone_keys__contains=[key])
        if previous:
            condition &= ~Q(zone_keys__overlap=list(previous))
        result.append((NIVEAUX[kind], condition))
        previous.append(key)
    return result


def _ordered(queryset, criteres):
    """Result order; with a commune, the zone level of each row is computed (CASE, most local key first)."""
    if criteres.commune is None:
        return queryset.annotate(niveau_zone=Value(None, output_field=IntegerField())).order_by(*ORDRE)
    keys = commune_keys(criteres.commune)
    return queryset.annotate(
        niveau_zone=Case(
            *[When(zone_keys__contains=[key], then=Value(NIVEAUX[kind])) for kind, key in keys],
            output_field=IntegerField(),
        )
    ).order_by("niveau_zone", *ORDRE)


def search_services(criteres: Criteres, queryset=None):
    """Every match in result order, as one queryset."""
    matches = filtered(criteres, queryset)
    if criteres.commune is not None:
        matches = matches.filter(zone_keys__overlap=[key for _, key in commune_keys(criteres.commune)])
    return _ordered(matches, criteres)


def search_page(criteres: Criteres, *, page=1, par_page=20, queryset=None, prepare=None):
    """One page of results and the total, counted up to `PLAFOND`: (services, total, total is capped).

    `prepare(queryset)` adds select_related/only to the queries that fetch rows. The first query reads the
    ids of up to `PLAFOND + 1` matches through the GIN indexes. When there are no more, the page is those rows
    sorted (by id: the indexes are not read twice). Beyond, matches are dense: each zone level is read in
    score order through `service_classement_idx` and stopped after what the page still needs.
    """
    prepare = prepare or (lambda qs: qs)
    offset = (max(1, page) - 1) * par_page
    ids = list(search_services(criteres, queryset).order_by().values_list("pk", flat=True)[: PLAFOND + 1])
    if len(ids) <= PLAFOND:
        rows = queryset if queryset is not None else Service.objects.all()
        return list(prepare(_ordered(rows.filter(pk__in=ids), criteres))[offset : offset + par_page]), len(ids), False
    base = filtered(criteres, queryset)
    skip, need, rows = offset, par_page, []
    for niveau, condition in levels(criteres):
        if need <= 0:
            break
        level = base.filter(condition)
        found = list(prepare(level.order_by(*ORDRE))[skip : skip + need])
        for service in found:
            service.niveau_zone = niveau
        rows.extend(found)
        need -= len(found)
        # The page starts after this level when nothing was found: skip the level's rows (past page 1 only).
        skip = 0 if found else max(0, skip - level.count()) if skip else 0
    return rows, PLAFOND, True
