"""Suggested offers for a person: a structured match over the département's catalogue, then (when the model
package is installed) a semantic ranking of the best candidates.

Structured match, one indexed query: published services whose thématiques answer a need of the person
(open axes of the plan, checked situations, through the département's mapping: `correspondances`), whose zone
covers the person's commune (`zone_keys && [...]`, GIN) and whose public is the person's (or everyone). In
Python, each candidate gets a score and the reasons of it ("Répond à l'axe Mobilité"): needs answered, most
local zone, distance to the person's commune within their mobility radius (a service only met in person
beyond the radius is left out), mode d'accueil, quality. The best `PRESELECTION` are then checked for dated
sessions (a service whose every session is closed or full is left out; places left are a reason), and
re-ranked with the cosine between the person's text (project, objectives) and each service's stored
embedding: `score + POIDS_SEMANTIQUE × cosine`.

Distance: the national geography has no coordinates of communes; a commune's position is the centre of the
catalogue's services located in it (data·inclusion gives services a latitude and longitude). Without one of
the two positions, the zone alone decides.
"""

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.utils import formats, timezone

from offre import semantique
from offre.models import CorrespondanceThematique, EmbeddingService, Service, SessionService
from offre.referentiels import Public, label
from offre.zones import COMMUNE, DEPARTEMENT, EPCI, commune_keys

CORRESPONDANCES_PAR_DEFAUT = Path(__file__).resolve().parent / "data" / "correspondances.json"

POIDS_AXE = 3.0
POIDS_SITUATION = 2.0
POIDS_ZONE = {COMMUNE: 1.0, EPCI: 0.7, DEPARTEMENT: 0.4}
POIDS_PROXIMITE = 1.0
POIDS_DISTANCE_SI_PEU_MOBILE = 0.6
POIDS_SESSION = 0.5
POIDS_QUALITE = 0.5
POIDS_SEMANTIQUE = 4.0
# A cosine above this is shown as a reason ("Proche du projet de la personne").
SEUIL_SEMANTIQUE = 0.45
PRESELECTION = 300
DISTANCE_PROXIMITE_KM = 50
A_DISTANCE = "a-distance"
EN_PRESENTIEL = "en-presentiel"

# Situations of the diagnostic that make a public of data·inclusion (checked by label, the national ones).
PUBLICS_PAR_SITUATION = {
    "Inscrit à France Travail": "demandeurs-emploi",
    "En recherche d'emploi": "demandeurs-emploi",
    "Reconnaissance de travailleur handicapé (RQTH)": "personnes-en-situation-de-handicap",
    "Démarche RQTH en cours": "personnes-en-situation-de-handicap",
    "Parent isolé": "familles",
    "Enfant(s) de moins de 3 ans": "familles",
    "Sans hébergement": "personnes-en-situation-durgence",
    "Titre de séjour à renouveler": "personnes-exilees",
    "En emploi à temps partiel": "actifs",
    "En emploi précaire (intérim, CDD court)": "actifs",
    "En contrat d'insertion (IAE)": "actifs",
}
# Situations after which a service met in person far away counts less (and one at a distance more).
SITUATIONS_PEU_MOBILE = {"Sans permis de conduire", "Territoire mal desservi", "Permis B en cours"}


# --- The mapping of themes and situations to thématiques --------------------------------------------------


@lru_cache(maxsize=1)
def correspondances_par_defaut():
    """The default mapping (data file): {"themes": {code: [...]}, "situations": {label: [...]}}."""
    data = json.loads(CORRESPONDANCES_PAR_DEFAUT.read_text(encoding="utf-8"))
    return {"themes": data["themes"], "situations": data["situations"]}


@dataclass
class Correspondances:
    """The mapping in force in a département: its own rows, else the default."""

    themes: dict  # theme_id -> list
    situations: dict  # situation_id -> list
    defaut: dict

    def du_theme(self, theme):
        if theme.pk in self.themes:
            return self.themes[theme.pk]
        return self.defaut["themes"].get(theme.code, [])

    def de_la_situation(self, situation):
        if situation.pk in self.situations:
            return self.situations[situation.pk]
        return self.defaut["situations"].get(situation.libelle, [])


def correspondances() -> Correspondances:
    """The mapping of the active département (one query)."""
    themes, situations = {}, {}
    for row in CorrespondanceThematique.objects.only("theme_id", "situation_id", "thematiques"):
        if row.theme_id:
            themes[row.theme_id] = list(row.thematiques)
        else:
            situations[row.situation_id] = list(row.thematiques)
    return Correspondances(themes=themes, situations=situations, defaut=correspondances_par_defaut())


# --- The person ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Besoin:
    """A need of the person and the thématiques that answer it; `raison` is shown with each offer."""

    raison: str
    thematiques: frozenset
    poids: float


@dataclass
class Profil:
    besoins: list
    commune: object = None  # a spie.Commune
    rayon_km: int | None = None
    publics: set = field(default_factory=set)
    peu_mobile: bool = False
    texte: str = ""

    @property
    def thematiques(self):
        return sorted(set().union(*(b.thematiques for b in self.besoins))) if self.besoins else []


def profil(*, axes=(), situations=(), commune=None, rayon_km=None, publics=(), texte="", mapping=None) -> Profil:
    """A profile from Theme rows (the open axes) and Situation rows (checked): what `suggerer` reads."""
    mapping = mapping or correspondances()
    besoins = []
    for theme in axes:
        thematiques = frozenset(mapping.du_theme(theme))
        if thematiques:
            besoins.append(Besoin(f"Répond à l'axe {theme.libelle}", thematiques, POIDS_AXE))
    libelles = set()
    for situation in situations:
        libelles.add(situation.libelle)
        thematiques = frozenset(mapping.de_la_situation(situation))
        if thematiques:
            besoins.append(Besoin(f"Répond à la situation « {situation.libelle} »", thematiques, POIDS_SITUATION))
    publics = set(publics) | {PUBLICS_PAR_SITUATION[s] for s in libelles if s in PUBLICS_PAR_SITUATION}
    return Profil(
        besoins=besoins,
        commune=commune,
        rayon_km=rayon_km,
        publics=publics,
        peu_mobile=bool(libelles & SITUATIONS_PEU_MOBILE),
        texte=texte.strip(),
    )


def age(date_naissance, today):
    return today.year - date_naissance.year - ((today.month, today.day) < (date_naissance.month, date_naissance.day))


def profil_du_carnet(carnet, *, voit_themes_sensibles, today=None) -> Profil:
    """The profile of a carnet: its open axes (no objective yet, or one in progress), its current situations,
    its latest project (job, mobility radius) and the person's commune, age and RSA. Health and family themes
    count only for a reader who may see them (their reasons would show them)."""
    from carnet.models import AxeDeTravail, ProjetProfessionnel, Sensibilite, SituationConstatee, StatutObjectif

    GENERALE = Sensibilite.GENERALE

    today = today or timezone.localdate()
    axes = AxeDeTravail.objects.filter(carnet=carnet).select_related("theme").prefetch_related("objectifs")
    constatees = SituationConstatee.objects.filter(carnet=carnet, fin=None).select_related("situation__theme")
    if not voit_themes_sensibles:
        axes = axes.filter(theme__sensibilite=GENERALE)
        constatees = constatees.filter(situation__theme__sensibilite=GENERALE)
    ouverts, objectifs = [], []
    for axe in axes:
        en_cours = [o for o in axe.objectifs.all() if o.statut == StatutObjectif.EN_COURS]
        if en_cours or not axe.objectifs.all():
            ouverts.append(axe.theme)
            objectifs.extend(o.libelle for o in en_cours)
    situations = [c.situation for c in constatees]
    projet = ProjetProfessionnel.objects.filter(carnet=carnet).order_by("-created_at").first()
    beneficiaire = carnet.beneficiaire
    publics = set()
    if beneficiaire.soumis_droits_devoirs or beneficiaire.etat_droit_rsa in ("2", "3", "4"):
        publics.add("beneficiaires-des-minimas-sociaux")
    ans = age(beneficiaire.date_naissance, today)
    if ans < 26:
        publics.add("jeunes")
    if ans >= 55:
        publics.add("seniors")
    if beneficiaire.civilite == "mme":
        publics.add("femmes")
    texte = ". ".join(
        part
        for part in [projet.metier if projet else "", *objectifs, *(s.libelle for s in situations)]
        if part and part.strip()
    )
    return profil(
        axes=ouverts,
        situations=situations,
        commune=beneficiaire.commune,
        rayon_km=projet.rayon_mobilite_km if projet else None,
        publics=publics,
        texte=texte,
    )


# --- Geography -------------------------------------------------------------------------------------------


def position_commune(commune):
    """(latitude, longitude) of a commune: the centre of the catalogue's services located in it, or None."""
    if commune is None:
        return None
    row = Service.objects.filter(code_insee=commune.code_insee, latitude__isnull=False, longitude__isnull=False)
    row = row.aggregate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("pk"))
    return (row["lat"], row["lon"]) if row["n"] else None


def distance_km(a, b):
    """Great-circle distance (haversine), in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


# --- The match -------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    pk: int
    service: object
    score: float
    raisons: list
    score_structure: float = 0.0
    similarite: float | None = None
    session: object = None
    distance_km: float | None = None


@dataclass
class Resultat:
    suggestions: list
    candidats: int
    semantique: bool  # whether the semantic ranking was applied


def candidats(profil: Profil, niveaux):
    """The structured filter, as one query over indexed columns. The tests of each candidate (needs answered,
    zone level, publics, distance mode) are computed by PostgreSQL: rows come back as numbers and booleans, not as
    arrays to parse (thousands of candidates on a large catalogue)."""
    queryset = Service.objects.publies().filter(thematiques__overlap=profil.thematiques)
    if profil.commune is not None:
        queryset = queryset.filter(zone_keys__overlap=[key for _, key in niveaux])
    publics = sorted({*profil.publics, Public.TOUS_PUBLICS.value})
    queryset = queryset.filter(Q(publics=[]) | Q(publics__overlap=publics))
    cibles = sorted(profil.publics)
    annotations = {
        "s_niveau": Case(
            *[When(zone_keys__contains=[key], then=Value(rank)) for rank, (_kind, key) in enumerate(niveaux)],
            default=Value(-1),
            output_field=IntegerField(),
        ),
        "s_distance": ExpressionWrapper(Q(modes_accueil__contains=[A_DISTANCE]), output_field=BooleanField()),
        **{
            f"s_besoin_{index}": ExpressionWrapper(
                Q(thematiques__overlap=sorted(besoin.thematiques)), output_field=BooleanField()
            )
            for index, besoin in enumerate(profil.besoins)
        },
        **{
            f"s_public_{index}": ExpressionWrapper(Q(publics__contains=[public]), output_field=BooleanField())
            for index, public in enumerate(cibles)
        },
    }
    return queryset.annotate(**annotations).values_list("pk", "latitude", "longitude", "score_qualite", *annotations)


def _distance_sql(position):
    """The haversine of `distance_km` in SQL, from the service's position to `position` (in km)."""
    return RawSQL(
        "2 * 6371.0 * asin(least(1.0, sqrt(power(sin(radians(latitude - %s) / 2), 2) + cos(radians(%s)) * "
        "cos(radians(latitude)) * power(sin(radians(longitude - %s) / 2), 2))))",
        (position[0], position[0], position[1]),
        output_field=FloatField(),
    )


def meilleurs_candidats(profil: Profil, niveaux, position, nombre=PRESELECTION):
    """The candidates ranked by PostgreSQL with the structured score of `_score_structure`, the best `nombre` read
    (the candidates out of the person's reach last), each row ending with the number of all candidates.

    Reading every candidate to score it in Python cost up to 5,000 rows per suggestion on a catalogue of 50,000
    services; the reasons (plain words) are still written in Python, for these rows only."""
    zero = Value(0.0, output_field=FloatField())
    termes = [
        Case(When(**{f"s_besoin_{index}": True}, then=Value(besoin.poids)), default=zero, output_field=FloatField())
        for index, besoin in enumerate(profil.besoins)
    ]
    poids_zone = [
        When(s_niveau=rank, then=Value(POIDS_ZONE[kind]))
        for rank, (kind, _key) in enumerate(niveaux)
        if kind in POIDS_ZONE
    ]
    if poids_zone:
        termes.append(Case(*poids_zone, default=zero, output_field=FloatField()))
    termes.append(
        Case(
            When(s_distance=True, then=Value(0.5 if profil.peu_mobile else 0.1)),
            default=zero,
            output_field=FloatField(),
        )
    )
    if profil.publics:
        termes.append(
            Case(
                When(publics__overlap=sorted(profil.publics), then=Value(0.3)), default=zero, output_field=FloatField()
            )
        )
    termes.append(Value(POIDS_QUALITE) * Coalesce(F("score_qualite"), zero))
    hors_de_portee = Value(False)
    if position is not None:
        poids = POIDS_PROXIMITE * (POIDS_DISTANCE_SI_PEU_MOBILE if not profil.peu_mobile else 1.0)
        distance = _distance_sql(position)
        # NULL without coordinates: the term drops out of the sum through the Coalesce.
        termes.append(Coalesce(Value(poids) * Greatest(zero, Value(1.0) - distance / DISTANCE_PROXIMITE_KM), zero))
        if profil.rayon_km is not None:
            hors_de_portee = Q(latitude__isnull=False, longitude__isnull=False, s_distance=False) & Q(
                s_dist__gt=profil.rayon_km
            )
    score = termes[0]
    for terme in termes[1:]:
        score = score + terme
    queryset = candidats(profil, niveaux)
    if position is not None:
        queryset = queryset.annotate(s_dist=_distance_sql(position))
    queryset = queryset.annotate(
        s_hors=ExpressionWrapper(hors_de_portee, output_field=BooleanField()),
        s_score=ExpressionWrapper(score, output_field=FloatField()),
        s_total=Window(Count("pk")),
    )
    return queryset.order_by("s_hors", "-s_score", "pk")[:nombre]


def _score_structure(row, profil, niveaux, position):
    """(score, reasons, distance) of a candidate row, or None when it is out of the person's reach."""
    _pk, lat, lon, qualite, rang_zone, a_distance, *tests = row
    besoins, publics = tests[: len(profil.besoins)], tests[len(profil.besoins) :]
    score, raisons = 0.0, []
    for besoin, couvert in zip(profil.besoins, besoins, strict=True):
        if couvert:
            score += besoin.poids
            raisons.append(besoin.raison)
    distance = None
    if position is not None and lat is not None and lon is not None:
        distance = distance_km(position, (lat, lon))
        seulement_sur_place = not a_distance
        if seulement_sur_place and profil.rayon_km is not None and distance > profil.rayon_km:
            return None
        poids = POIDS_PROXIMITE * (POIDS_DISTANCE_SI_PEU_MOBILE if not profil.peu_mobile else 1.0)
        score += poids * max(0.0, 1 - distance / DISTANCE_PROXIMITE_KM)
        if seulement_sur_place or distance < 1:
            nom = profil.commune.nom
            raisons.append(f"À moins d'1 km de {nom}" if distance < 1 else f"À {round(distance)} km de {nom}")
    niveau = niveaux[rang_zone][0] if rang_zone >= 0 else None
    if niveau in POIDS_ZONE:
        score += POIDS_ZONE[niveau]
        if niveau == COMMUNE:
            raisons.append(f"Réservé aux habitants de {profil.commune.nom}")
        elif niveau == EPCI:
            raisons.append("Ouvert sur l'intercommunalité de la personne")
    if a_distance:
        score += 0.5 if profil.peu_mobile else 0.1
        raisons.append("Accessible à distance")
    cibles = [public for public, vise in zip(sorted(profil.publics), publics, strict=True) if vise]
    if cibles:
        score += 0.3
        raisons.append("Pour le public : " + ", ".join(label(Public, p).lower() for p in cibles))
    score += POIDS_QUALITE * (qualite or 0)
    return score, raisons, distance


def _sessions(service_ids, today):
    """{service id: (has sessions, its first open session or None)}, one query (the rule of `ouvertes()`)."""
    result = {}
    sessions = SessionService.objects.filter(service_id__in=service_ids).order_by("date_debut", "pk")
    for session in sessions:
        _seen, first = result.get(session.service_id, (True, None))
        limite = session.date_limite_inscription or session.date_debut
        ouverte = limite >= today and (session.places_restantes is None or session.places_restantes > 0)
        if first is None and ouverte:
            first = session
        result[session.service_id] = (True, first)
    return result


def _session_raison(session):
    date = formats.date_format(session.date_debut, "d/m")
    if session.places_restantes is None:
        return f"Inscriptions ouvertes pour la session du {date}"
    places = session.places_restantes
    return f"{places} place{'s' if places > 1 else ''} dans la session du {date}"


def suggerer(profil: Profil, *, limite=10, avec_semantique=True, today=None) -> Resultat:
    """The best `limite` offers for `profil` in the active département, each with its reasons."""
    if not profil.besoins:
        return Resultat([], 0, False)
    today = today or timezone.localdate()
    niveaux = commune_keys(profil.commune) if profil.commune is not None else []
    position = position_commune(profil.commune)
    scored = []
    rows = list(meilleurs_candidats(profil, niveaux, position))
    colonnes = 6 + len(profil.besoins) + len(profil.publics)
    for row in rows:
        result = _score_structure(row[:colonnes], profil, niveaux, position)
        if result is not None:
            scored.append((row[0], *result))
    scored.sort(key=lambda item: (-item[1], item[0]))
    preselection = scored[:PRESELECTION]
    sessions = _sessions([item[0] for item in preselection], today)
    kept = []
    for pk, score, raisons, distance in preselection:
        a_des_sessions, session = sessions.get(pk, (False, None))
        if a_des_sessions and session is None:
            continue  # every dated session is closed or full
        if session is not None:
            score += POIDS_SESSION
            raisons = [*raisons, _session_raison(session)]
        kept.append(Suggestion(pk, None, score, raisons, score_structure=score, session=session, distance_km=distance))
    semantique_appliquee = False
    if avec_semantique and profil.texte and kept and semantique.disponible():
        semantique_appliquee = _rerank(kept, profil.texte)
    kept.sort(key=lambda s: (-s.score, s.pk))
    best = kept[:limite]
    services = Service.objects.select_related("structure").in_bulk([s.pk for s in best])
    for suggestion in best:
        suggestion.service = services[suggestion.pk]
    return Resultat(best, rows[0][-1] if rows else 0, semantique_appliquee)


def _rerank(kept, texte) -> bool:
    """Add the cosine with the person's text to each score; False when no candidate has an embedding yet."""
    import numpy

    vectors = dict(
        EmbeddingService.objects.filter(service_id__in=[s.pk for s in kept], modele=semantique.MODELE).values_list(
            "service_id", "vecteur"
        )
    )
    if not vectors:
        return False
    person = semantique.person_vector(texte)
    ids = [s.pk for s in kept if s.pk in vectors]
    matrix = numpy.frombuffer(b"".join(bytes(vectors[pk]) for pk in ids), dtype=numpy.float32).reshape(len(ids), -1)
    cosines = dict(zip(ids, (matrix @ person).tolist(), strict=True))
    for suggestion in kept:
        cosine = cosines.get(suggestion.pk)
        if cosine is None:
            continue
        suggestion.similarite = cosine
        suggestion.score += POIDS_SEMANTIQUE * cosine
        if cosine >= SEUIL_SEMANTIQUE:
            suggestion.raisons = [*suggestion.raisons, "Description proche du projet de la personne"]
    return True


__all__ = ["Profil", "Resultat", "Suggestion", "correspondances", "profil", "profil_du_carnet", "suggerer"]
