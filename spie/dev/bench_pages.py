"""The generated page benchmark (`manage.py bench_pages`): every route of the registry, on generated data.

The routes are the ones of the generated security tests (`spie.dev.routes_registre`): a new route joins the
benchmark as soon as it joins the registry. For each route the request is built from rules, not by hand:

- the URL kwargs come from the registry's own builders, called with a `BenchWorld` instead of the tests'
  `World`: the same attribute names, read from the generated data (the référent with the biggest portfolio, the
  carnet of that portfolio with the longest history, the département's admin for the whole queue...);
- the client: anonymous for the public routes, the person's session for the person's space, a partner token
  for the API, otherwise the professionals of the département tried in the order of `ROLE_ORDER` (by route
  prefix): the first that gets a 200 is measured (a route none of them opens is reported, not hidden);
- `EXCLUSIONS` lists, with their reason, the routes that are never requested.

`test_bench_pages.py` checks that every attribute a registry builder reads has a source here, and that every
exclusion names a route that exists.
"""

import fnmatch
import time
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spie.dev.routes_registre import OBJECT_ROUTES, PARAM_ROUTES, PLAIN_ROUTES, PUBLIC, USAGER_ROUTES, project_routes
from spie.models import Role

# Routes never requested, with the reason (printed in the report).
EXCLUSIONS = {
    "account_logout": "déconnexion : mesurée, elle fermerait la session des autres mesures",
    "usager:deconnexion": "déconnexion de la personne : fermerait la session des autres mesures",
    "mfa_download_recovery_codes": "téléchargement des codes de secours : crée les codes au premier appel (écriture)",
}

# Who is tried first, by route name prefix (the first prefix that matches); every other role follows.
ROLE_ORDER = (
    ("orientation:", (Role.ADMIN_DEPARTEMENT, Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION)),
    ("sanctions:carnet_", (Role.PROFESSIONNEL,)),
    ("sanctions:ouvrir", (Role.PROFESSIONNEL,)),
    ("sanctions:", (Role.DECIDEUR_SANCTIONS, Role.ADMIN_DEPARTEMENT)),
    ("spie:admin_", (Role.ADMIN_DEPARTEMENT,)),
    ("partenaires:", (Role.ADMIN_DEPARTEMENT,)),
    ("suivi:", (Role.ADMIN_DEPARTEMENT, Role.RESPONSABLE_STRUCTURE)),
    ("carnet:portefeuille_structure", (Role.RESPONSABLE_STRUCTURE,)),
    ("carnet:conservation", (Role.ADMIN_DEPARTEMENT,)),
    ("carnet:conflits", (Role.ADMIN_DEPARTEMENT,)),
    ("carnet:acces_exceptionnels", (Role.ADMIN_DEPARTEMENT,)),
    ("offre:moderation", (Role.ADMIN_DEPARTEMENT,)),
    ("offre:qualite", (Role.ADMIN_DEPARTEMENT,)),
    ("offre:import", (Role.ADMIN_DEPARTEMENT,)),
    ("", (Role.PROFESSIONNEL,)),
)


def roles_for(name):
    first = next(roles for prefix, roles in ROLE_ORDER if name.startswith(prefix))
    return [*first, *(role for role in Role if role not in first)]


def client_kind(name):
    """How a route is requested: anonymous, the person's session, a partner token, or a professional."""
    if name in PUBLIC:
        return "anonyme"
    if name in USAGER_ROUTES:
        return "usager"
    if name.startswith("api:"):
        return "jeton"
    return "professionnel"


def kwargs_builder(name):
    """The registry's builder of the route's URL kwargs (None: the route takes none)."""
    return OBJECT_ROUTES.get(name) or PARAM_ROUTES.get(name) or USAGER_ROUTES.get(name)


def registry_names():
    return PLAIN_ROUTES | set(OBJECT_ROUTES) | set(PARAM_ROUTES) | set(USAGER_ROUTES)


class MissingObject(Exception):
    """The generated data has no object of a kind a route addresses."""


def _first(queryset):
    return queryset.order_by("pk").first()


def _model_class(path):
    from django.apps import apps

    return apps.get_model(path)


def _where(model_path, **lookups):
    """A source: the first object of the model matching the lookups (a callable value is read from the world)."""

    def source(world):
        filters = {key: value(world) if callable(value) else value for key, value in lookups.items()}
        return _first(_model_class(model_path).objects.filter(**filters))

    return source


def _transfert_entrant(world):
    """A transfer proposed to the measured département: its row lives in the sending département, read as the
    receiving admin's list reads it (`carnet.services.transfert.transferts_recus`)."""
    from carnet.services.transfert import transferts_recus

    return _first(transferts_recus(world.departement))


def _carnet(world):
    return world.carnet


# Where each attribute of the tests' World comes from in the generated data (read in the département's scope):
# the objects of a carnet come from the measured carnet, the others are the first of the département.
SOURCES = {
    "departement": lambda w: w.departement,
    "structure": lambda w: w.referent_membership.structure,
    "territoire": _where("spie.Territoire"),
    "agent": lambda w: w.referent,
    "agent_membership": lambda w: w.referent_membership,
    "invitation": _where("spie.Invitation"),
    "notification": lambda w: w.notification_of_referent(),
    "carnet": _carnet,
    "membre": _where("carnet.MembreGroupe", carnet=_carnet, user=lambda w: w.referent, fin=None),
    "demande": _where("carnet.DemandeAdhesion", carnet=_carnet),
    "situation": _where("carnet.SituationConstatee", carnet=_carnet),
    "projet": _where("carnet.ProjetProfessionnel", carnet=_carnet),
    "axe": _where("carnet.AxeDeTravail", carnet=_carnet),
    "objectif": _where("carnet.Objectif", axe__carnet=_carnet),
    "action": _where("carnet.Action", objectif__axe__carnet=_carnet),
    "rdv": _where("carnet.RendezVous", carnet=_carnet),
    "contrat": _where("carnet.Contrat", carnet=_carnet),
    "contrat_engagement": _where("carnet.Contrat", carnet=_carnet, type="contrat_engagement"),
    "activite": _where("carnet.ActiviteEngagement", contrat=lambda w: w.contrat_engagement),
    "document": _where("carnet.Document", carnet=_carnet),
    "situation_locale": _where("carnet.Situation", departement=lambda w: w.departement),
    "objectif_local": _where("carnet.ObjectifReference", departement=lambda w: w.departement),
    "dossier_orientation": _where("orientation.DossierOrientation", carnet=_carnet),
    "convocation": _where("orientation.Convocation", dossier__carnet=_carnet),
    "diagnostic": _where("orientation.Diagnostic", carnet=_carnet),
    "orientation": _where("orientation.Orientation", carnet=_carnet),
    "demande_reorientation": _where("orientation.DemandeReorientation", carnet=_carnet),
    "dispositif": _where("orientation.Dispositif"),
    "secteur": _where("orientation.Secteur"),
    "jeu_regles": _where("orientation.JeuRegles"),
    "jeton": lambda w: w.jeton_et_valeur()[0],
    "jeton_valeur": lambda w: w.jeton_et_valeur()[1],
    "webhook": _where("partenaires.AbonnementWebhook"),
    "import_flux": _where("partenaires.ImportFlux"),
    "import_tableur": _where("partenaires.ImportTableur"),
    "service": _where("offre.Service"),
    "session": _where("offre.SessionService"),
    "prescription": _where("offre.Prescription", carnet=_carnet),
    "import_catalogue": _where("offre.ImportCatalogue"),
    "rapport": _where("suivi.RapportMensuel"),
    "conflit_identite": _where("carnet.ConflitIdentite"),
    "questionnaire": _where("suivi.Questionnaire", carnet=_carnet),
    "dossier_manquement": _where("sanctions.DossierManquement", carnet=_carnet),
    "piece_manquement": _where("sanctions.PieceDossier", dossier=lambda w: w.dossier_manquement),
    "proposition_sanction": _where("sanctions.PropositionPartenaire"),
    "export_payeur": _where("sanctions.ExportPayeur"),
    "equipe_ep": _where("sanctions.EquipePluridisciplinaire"),
    "membre_ep": _where("sanctions.MembreEquipe"),
    "seance_ep": _where("sanctions.SeanceEquipe"),
    "passage_ep": _where("sanctions.PassageEquipe"),
    # A transfer proposed to the measured département by another one (its row lives in the sending département).
    "transfert_entrant": _transfert_entrant,
}


class BenchWorld:
    """The tests' `World` read from the generated data: each attribute is looked up once, on first use;
    an attribute with no object raises `MissingObject`."""

    def __init__(self, *, departement, referent, referent_membership, carnet):
        self.__dict__.update(
            departement=departement,
            referent=referent,
            referent_membership=referent_membership,
            carnet=carnet,
            _cache={},
            _jeton=None,
        )

    def __getattr__(self, name):
        if name.startswith("_") or name not in SOURCES:
            raise AttributeError(name)
        cache = self.__dict__["_cache"]
        if name not in cache:
            cache[name] = SOURCES[name](self)
        if cache[name] is None:
            raise MissingObject(name)
        return cache[name]

    def notification_of_referent(self):
        from spie.models import Notification
        from spie.notifications import notify

        found = _first(Notification.objects.filter(user=self.referent))
        if found is None:
            # Written once for the measuring référent (a benchmark database only, like its token below).
            found = notify(
                user=self.referent, titre="Mesure", message="Mesure des pages", cle="mesure-pages", lien="/"
            )
        return found

    def jeton_et_valeur(self):
        """A partner token of the référent's structure with every scope, made for this run (its value is only
        known when it is made)."""
        if self.__dict__["_jeton"] is None:
            from partenaires.models import JetonApi, Scope

            value, prefix, digest = JetonApi.generate()
            jeton = JetonApi.objects.create(
                departement=self.departement,
                structure=self.referent_membership.structure,
                nom="Jeton de mesure des pages",
                prefixe=prefix,
                hash=digest,
                scopes=[scope.value for scope in Scope],
                created_by=self.referent,
            )
            self.__dict__["_jeton"] = (jeton, value)
        return self.__dict__["_jeton"]


def biggest_portfolio(departement):
    """(user id, structure id, carnets) of the professional following the most open carnets as référent."""
    from carnet.models import MembreGroupe

    return (
        MembreGroupe.objects.actifs()
        .filter(est_referent=True, carnet__cloture_le=None)
        .values("user_id", "structure_id")
        .annotate(n=Count("id"))
        .order_by("-n", "user_id")
        .first()
    )


def longest_history(user_id, structure_id):
    """The carnet followed by the référent with the most timeline events, and their number."""
    from carnet.models import Carnet, Evenement, MembreGroupe

    ids = MembreGroupe.objects.actifs().filter(user_id=user_id, structure_id=structure_id).values("carnet_id")
    top = (
        Evenement.objects.filter(carnet_id__in=ids)
        .values("carnet_id")
        .annotate(n=Count("id"))
        .order_by("-n", "carnet_id")
        .first()
    )
    if top is None:  # no history at all: the first carnet of the portfolio
        return Carnet.objects.filter(pk__in=ids).order_by("pk").first(), 0
    return Carnet.objects.get(pk=top["carnet_id"]), top["n"]


@dataclass
class RouteRun:
    name: str
    kind: str
    url: str = ""
    persona: str = ""
    status: int | None = None
    queries: int | None = None
    samples: list = field(default_factory=list)
    skipped: str = ""
    tried: dict = field(default_factory=dict)
    client: object = None
    headers: dict | None = None
    slow: bool = False


def selected(name, patterns):
    return not patterns or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def consume(response):
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018 (the body is what the page costs)


def timed_get(client, url, headers=None):
    start = time.perf_counter()
    response = client.get(url, secure=True, headers=headers or {})
    consume(response)
    return (time.perf_counter() - start) * 1000, response.status_code


def count_queries(client, url, headers=None):
    with CaptureQueriesContext(connection) as captured:
        consume(client.get(url, secure=True, headers=headers or {}))
    return len(captured)


def plan(patterns=()):
    """(name, kind) of every route of the project to request, and (name, reason) of those excluded."""
    names = sorted(name for name, _route, _params in project_routes() if name and name in registry_names())
    todo, excluded = [], []
    for name in names:
        if not selected(name, patterns):
            continue
        if name in EXCLUSIONS:
            excluded.append((name, EXCLUSIONS[name]))
        else:
            todo.append((name, client_kind(name)))
    return todo, excluded


def url_for(name, world):
    builder = kwargs_builder(name)
    return reverse(name, kwargs=builder(world) if builder else {})


def choose_persona(run, clients, url):
    """The first client of the route's role order that gets a 200 (else the first redirect); sets run.persona."""
    first_redirect = None
    for label, client, headers in clients:
        _ms, status = timed_get(client, url, headers)
        run.tried[label] = status
        if status == 200:
            return label, client, headers, status
        if 300 <= status < 400 and first_redirect is None:
            first_redirect = (label, client, headers, status)
    return first_redirect
