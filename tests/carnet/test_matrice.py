"""Role × relation matrix over every carnet route (need to know, narrow by default).

Relations: référent, member, former member, same structure non-member, other structure, département
admin, chargé d'orientation, validator, other département. Admins and orientation staff outside the group are
sent to the exceptional-access screen (`MOTIF`) before the group's notes and documents.
Each route has a category for GET and for POST; the
expected answer of each relation per category is in `EXPECTED`. A carnet route missing from
`ROUTES` makes `test_every_carnet_route_is_in_the_matrix` fail.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carnet.models import Contrat, Sortie
from spie.models import Role
from tests.security.registry import iter_routes
from tests.security.world import build_world
from tests.spie.factories import MembershipFactory, StructureFactory

OK = "ok"  # 200, 302 (done or redirected with a message) or 405 (method not offered)
CARTE = "carte"  # 200 with the minimal card only
MOTIF = "motif"  # redirected to the exceptional-access screen (a reason first)
INVALIDE = "400"  # form refused (an exceptional access without a reason)
REFUSE = "403"
INCONNU = "404"

RELATIONS = [
    "referent",
    "membre",
    "ancien_membre",
    "meme_structure",
    "autre_structure",
    "admin",
    "orientation",
    "validateur",
    "autre_departement",
]

# Expected answer per category and relation.
EXPECTED = {
    # Pages that show the carnet's content.
    "lecture": {
        "referent": OK,
        "membre": OK,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": OK,
        "orientation": OK,
        "autre_departement": INCONNU,
    },
    # The carnet's entry page: the minimal card for professionals outside the group.
    "fiche": {
        "referent": OK,
        "membre": OK,
        "ancien_membre": CARTE,
        "meme_structure": CARTE,
        "autre_structure": CARTE,
        "admin": OK,
        "orientation": OK,
        "autre_departement": INCONNU,
    },
    # Writes, and pages that exist only to write: the group's members.
    "ecriture": {
        "referent": OK,
        "membre": OK,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": REFUSE,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
    # Managing the group: the référent (and the admin, to repair a group).
    "gestion": {
        "referent": OK,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": OK,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
    # The closing review's own words and its PDF: the group's members (as the sensitive themes), also on a
    # closed carnet (whose writes, `ecriture`, are all refused: tests/carnet/test_cloture.py).
    "bilan": {
        "referent": OK,
        "membre": OK,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": REFUSE,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
    # Asking to join: professionals outside the group.
    "adhesion": {
        "referent": REFUSE,
        "membre": REFUSE,
        "ancien_membre": OK,
        "meme_structure": OK,
        "autre_structure": OK,
        "admin": OK,
        "orientation": OK,
        "autre_departement": INCONNU,
    },
    # The group's notes and documents: members; admins and orientation staff after giving a reason.
    "contenu": {
        "referent": OK,
        "membre": OK,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": MOTIF,
        "orientation": MOTIF,
        "autre_departement": INCONNU,
    },
    # The exceptional-access screen: only those who read the carnet without being in the group.
    "bris_de_glace": {
        "referent": REFUSE,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": OK,
        "orientation": OK,
        "autre_departement": INCONNU,
    },
    "bris_de_glace_envoi": {
        "referent": REFUSE,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": INVALIDE,
        "orientation": INVALIDE,
        "autre_departement": INCONNU,
    },
    # Keeping the carnet past its due date: the référent only (an empty reason is refused).
    "referent_seul": {
        "referent": OK,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": REFUSE,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
    "referent_seul_envoi": {
        "referent": INVALIDE,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": REFUSE,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
    # Proposing a transfer to another département: the admin only (an empty form is refused).
    "admin_seul_envoi": {
        "referent": REFUSE,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": INVALIDE,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
    # The person's subject-access report: the département's admin only.
    "admin_seul": {
        "referent": REFUSE,
        "membre": REFUSE,
        "ancien_membre": REFUSE,
        "meme_structure": REFUSE,
        "autre_structure": REFUSE,
        "admin": OK,
        "orientation": REFUSE,
        "autre_departement": INCONNU,
    },
}
# Validators read the carnet as the chargés d'orientation do.
for _answers in EXPECTED.values():
    _answers["validateur"] = _answers["orientation"]

# route name → (GET category, POST category); None: the method is not offered (405 for everyone allowed).
ROUTES = {
    "detail": ("fiche", None),
    "beneficiaire_modifier": ("ecriture", "ecriture"),
    "groupe": ("lecture", "gestion"),
    "adhesion_demander": (None, "adhesion"),
    "adhesion_decider": (None, "gestion"),
    "membre_retirer": (None, "gestion"),
    "referent_designer": (None, "gestion"),
    "situation": ("lecture", "ecriture"),
    "situation_terminer": ("ecriture", "ecriture"),
    "projet_ajouter": ("ecriture", "ecriture"),
    "projet_modifier": ("ecriture", "ecriture"),
    "plan": ("lecture", None),
    "axe_ajouter": ("ecriture", "ecriture"),
    "objectif_ajouter": ("ecriture", "ecriture"),
    "objectif_modifier": ("ecriture", "ecriture"),
    "action_ajouter": ("ecriture", "ecriture"),
    "action_modifier": ("ecriture", "ecriture"),
    "rendez_vous": ("lecture", "ecriture"),
    "rendez_vous_modifier": ("ecriture", "ecriture"),
    "contrats": ("lecture", "ecriture"),
    "contrat_detail": ("lecture", None),
    "contrat_signer": (None, "ecriture"),
    "contrat_terminer": (None, "ecriture"),
    "contrat_renouveler": ("ecriture", "ecriture"),
    "contrat_pdf": ("lecture", None),
    "contrat_heures": ("lecture", "ecriture"),
    "contrat_activite_supprimer": (None, "ecriture"),
    "documents": ("contenu", "ecriture"),
    "document_telecharger": ("contenu", None),
    "notes": ("contenu", "ecriture"),
    "acces_exceptionnel": ("bris_de_glace", "bris_de_glace_envoi"),
    "historique": ("lecture", None),
    "sorties": ("lecture", "ecriture"),
    "point_de_suivi": (None, "ecriture"),
    "bilan_pdf": ("bilan", None),
    # Reopening a closed carnet: its référent or an administrator (on an open carnet: redirected, nothing done).
    "reouvrir": ("gestion", "gestion"),
    "conservation_justifier": ("referent_seul", "referent_seul_envoi"),
    "rapport_personne_json": ("admin_seul", None),
    "rapport_personne_pdf": ("admin_seul", None),
    "transfert_proposer": ("admin_seul", "admin_seul_envoi"),
    # Information of the person and opposition: read by whoever reads the carnet, recorded by the référent.
    "partage": ("lecture", "referent_seul_envoi"),
}


def test_every_carnet_route_is_in_the_matrix():
    names = {name.split(":", 1)[1] for name, _, _ in iter_routes() if (name or "").startswith("carnet:")}
    routes_with_object = {
        n
        for n in names
        if n
        not in {
            "portefeuille",
            "portefeuille_structure",
            # Structure-level routes (permissions: tests/carnet/test_transmission.py).
            "portefeuille_transmettre",
            "portefeuille_exporter",  # tests/carnet/test_export_portefeuille.py
            "recherche",
            "beneficiaire_creer",
            "referentiels",
            # The admin's identity conflicts (permissions: tests/partenaires/test_flux_conflits.py).
            "conflits",
            "conflit_decider",
            "acces_exceptionnels",
            "conservation",  # the admin's retention list (tests/carnet/test_conservation.py)
            # The receiving admin's transfers, addressed by the transfer (tests/carnet/test_transfert.py).
            "transferts",
            "transfert_examiner",
            "transfert_decider",
        }
        and not n.endswith("_basculer")
    }
    assert routes_with_object == set(ROUTES)


@pytest.fixture
def matrix_world(db):
    world_a = build_world("76", "Seine-Maritime")
    world_b = build_world("08", "Ardennes")
    departement, structure, carnet = world_a.departement, world_a.structure, world_a.carnet
    other_structure = StructureFactory(departement=departement, type="association")
    member = MembershipFactory(structure=other_structure, role=Role.PROFESSIONNEL).user
    former = MembershipFactory(structure=other_structure, role=Role.PROFESSIONNEL).user
    from tests.carnet.factories import MembreGroupeFactory

    MembreGroupeFactory(carnet=carnet, user=member, structure=other_structure)
    MembreGroupeFactory(
        carnet=carnet, user=former, structure=other_structure, fin=timezone.now() - datetime.timedelta(days=1)
    )
    users = {
        "referent": world_a.users_by_role[Role.PROFESSIONNEL],
        "membre": member,
        "ancien_membre": former,
        "meme_structure": MembershipFactory(structure=structure, role=Role.PROFESSIONNEL).user,
        "autre_structure": MembershipFactory(structure=other_structure, role=Role.PROFESSIONNEL).user,
        "admin": world_a.users_by_role[Role.ADMIN_DEPARTEMENT],
        "orientation": world_a.users_by_role[Role.CHARGE_ORIENTATION],
        "validateur": world_a.users_by_role[Role.VALIDATEUR_ORIENTATION],
        "autre_departement": world_b.users_by_role[Role.PROFESSIONNEL],
    }
    return world_a, users


def _outcome(response):
    if response.streaming:
        b"".join(response.streaming_content)
        return OK if response.status_code == 200 else str(response.status_code)
    if response.status_code == 404:
        return INCONNU
    if response.status_code == 403:
        return REFUSE
    if response.status_code == 302 and "/acces-exceptionnel/" in response.get("Location", ""):
        return MOTIF
    is_html = response.get("Content-Type", "").startswith("text/html")
    if response.status_code == 200 and is_html and "Fiche minimale" in response.content.decode():
        return CARTE
    if response.status_code == 400:
        return INVALIDE
    if response.status_code in (200, 302, 405):
        return OK
    return str(response.status_code)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_carnet_route_answers_each_relation_as_the_matrix_says(route, matrix_world):
    from tests.security.registry import OBJECT_ROUTES

    world, users = matrix_world
    url = reverse(f"carnet:{route}", kwargs=OBJECT_ROUTES[f"carnet:{route}"](world))
    get_category, post_category = ROUTES[route]
    failures = []
    # Denied relations first, so that allowed writes (which change the carnet) come last.
    order = sorted(RELATIONS, key=lambda r: EXPECTED.get(post_category or get_category, {}).get(r) == OK)
    for relation in order:
        client = Client()
        client.force_login(users[relation])
        for method, category in (("get", get_category), ("post", post_category)):
            expected = EXPECTED[category][relation] if category else None
            if expected is None:
                # Method not offered: 405, except that the tenant and the rules may answer first.
                expected_any = {OK, REFUSE, INCONNU}
            else:
                expected_any = {expected}
            outcome = _outcome(getattr(client, method)(url))
            if outcome not in expected_any:
                failures.append(f"{relation} {method.upper()} : {outcome} (attendu {expected})")
    assert not failures, f"{url}\n" + "\n".join(failures)


SENTINEL_RESTRICTED = "SENTINELLE-RESTREINTE-7f3a"
SENTINEL_PRIVATE = "SENTINELLE-PRIVEE-9c1e"
SENTINEL_GENERAL = "SENTINELLE-GENERALE-5d0b"
SENTINEL_REDUCTION = "SENTINELLE-REDUCTION-HEURES-3b8d"  # the reason of a contrat d'engagement's reduced hours
SENTINEL_BILAN = "SENTINELLE-BILAN-SORTIE-61c2"  # the person's own words in a closing review


def _body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode("utf-8", errors="replace") + " ".join(str(v) for v in response.headers.values())


def test_restricted_and_private_content_never_reaches_those_who_may_not_see_it(matrix_world, unscoped):
    """Sentinels in a general note, a restricted note, a private note, a restricted document's name and the reason
    of a contrat d'engagement's reduced hours, then every readable carnet page, the portfolio and the search
    rendered for each relation; then the same for the admins and orientation staff after an exceptional access
    (the general note only: the reduction's reason is the group's)."""
    from tests.carnet.factories import DocumentFactory, NoteFactory
    from tests.security.registry import OBJECT_ROUTES

    world, users = matrix_world
    author = users["membre"]
    structure = world.carnet.membres.filter(user=author).get().structure
    NoteFactory(
        carnet=world.carnet, auteur=author, structure=structure, sensibilite="justice", texte=SENTINEL_RESTRICTED
    )
    NoteFactory(carnet=world.carnet, auteur=author, structure=structure, sensibilite="privee", texte=SENTINEL_PRIVATE)
    NoteFactory(carnet=world.carnet, auteur=author, structure=structure, texte=SENTINEL_GENERAL)
    DocumentFactory(
        carnet=world.carnet, auteur=author, structure=structure, sensibilite="justice", nom=SENTINEL_RESTRICTED
    )
    Contrat.unscoped_objects.filter(pk=world.contrat.pk).update(
        type="contrat_engagement",
        heures_hebdomadaires=8,
        motif_reduction_heures="handicap",
        precision_reduction_heures=SENTINEL_REDUCTION,
    )
    # An exit into work (the carnet stays open for its check-ins) whose review quotes the person.
    Sortie.unscoped_objects.create(
        departement=world.departement,
        carnet=world.carnet,
        date_sortie=timezone.localdate(),
        motif="emploi",
        suivi_dans_emploi=True,
        paroles_personne=SENTINEL_BILAN,
        auteur=author,
        structure=structure,
    )
    readable = [name for name, (get_category, _) in ROUTES.items() if get_category in ("lecture", "fiche", "contenu")]
    urls = [reverse(f"carnet:{name}", kwargs=OBJECT_ROUTES[f"carnet:{name}"](world)) for name in readable]
    urls += [
        reverse("carnet:portefeuille"),
        reverse("carnet:recherche") + "?nom=" + world.carnet.beneficiaire.nom_usage,
    ]
    sentinels = (SENTINEL_GENERAL, SENTINEL_RESTRICTED, SENTINEL_PRIVATE, SENTINEL_REDUCTION, SENTINEL_BILAN)
    may_see = {
        "referent": {SENTINEL_GENERAL, SENTINEL_RESTRICTED, SENTINEL_REDUCTION, SENTINEL_BILAN},
        # An association's member (the author of the notes) reads neither the health nor the family class: not the
        # reason for reduced hours (a disability) either (`carnet.sensibilite`).
        "membre": {SENTINEL_GENERAL, SENTINEL_RESTRICTED, SENTINEL_PRIVATE, SENTINEL_BILAN},
    }

    def seen_by(client):
        seen = set()
        for url in urls:
            body = _body(client.get(url))
            seen |= {s for s in sentinels if s in body}
        return seen

    for relation, user in users.items():
        client = Client()
        client.force_login(user)
        seen = seen_by(client)
        allowed = may_see.get(relation, set())
        assert seen <= allowed, f"{relation} voit {seen - allowed}"
        if relation in may_see:
            assert SENTINEL_RESTRICTED in seen, f"{relation} devrait voir la note restreinte"
            if relation == "referent":
                assert SENTINEL_REDUCTION in seen, f"{relation} devrait voir le motif de réduction des heures"
            assert SENTINEL_BILAN in seen, f"{relation} devrait voir le bilan de sortie"
    for relation in ("admin", "orientation", "validateur"):
        client = Client()
        client.force_login(users[relation])
        url = reverse("carnet:acces_exceptionnel", kwargs={"uid": world.carnet.uid})
        client.post(url, {"motif": "urgence", "justification": "Situation urgente signalée ce matin."})
        assert seen_by(client) == {SENTINEL_GENERAL}, relation


SENTINEL_SANCTION = "SENTINELLE-SANCTION-4e2c"  # the facts of a sanction file
SENTINEL_SANCTION_REPONSE = "SENTINELLE-REPONSE-SANCTION-81fa"  # the person's answer to its notice


def test_sanction_file_never_reaches_the_rest_of_the_group(matrix_world, unscoped):
    """A sanction file (facts, the person's answer to the notice, its restricted timeline events) is read by the
    référent, the décideurs des sanctions and the département's administrator only: every readable carnet page (the
    group's shared view), the person's messages as the group reads them, the portfolio and the sanction pages, for
    each relation; the other relations see none of it, even after an exceptional access."""
    from sanctions import services as sanctions_services
    from tests.sanctions.factories import DossierManquementFactory
    from tests.security.registry import OBJECT_ROUTES

    world, users = matrix_world
    users = {**users, "decideur": world.users_by_role[Role.DECIDEUR_SANCTIONS]}
    dossier = DossierManquementFactory(
        carnet=world.carnet,
        created_by=users["referent"],
        faits=SENTINEL_SANCTION,
        notifie=True,
        date_certaine=None,  # the ten days have not started: the person may answer
    )
    sanctions_services.observation_espace_recevoir(dossier=dossier, texte=SENTINEL_SANCTION_REPONSE)
    readable = [name for name, (get_category, _) in ROUTES.items() if get_category in ("lecture", "fiche", "contenu")]
    urls = [reverse(f"carnet:{name}", kwargs=OBJECT_ROUTES[f"carnet:{name}"](world)) for name in readable]
    urls += [
        reverse("carnet:portefeuille"),
        reverse("usager:pro_observations", kwargs={"uid": world.carnet.uid}),
        reverse("sanctions:liste"),
        reverse("sanctions:carnet_dossiers", kwargs={"uid": world.carnet.uid}),
        reverse("sanctions:dossier", kwargs={"uid": dossier.uid}),
    ]
    sentinels = {SENTINEL_SANCTION, SENTINEL_SANCTION_REPONSE}
    may_see = {"referent", "decideur", "admin"}

    def seen_by(client):
        return {s for url in urls for s in sentinels if s in _body(client.get(url))}

    for relation, user in users.items():
        client = Client()
        client.force_login(user)
        seen = seen_by(client)
        assert seen == (sentinels if relation in may_see else set()), f"{relation} voit {seen}"
    for relation in ("orientation", "validateur"):
        client = Client()
        client.force_login(users[relation])
        url = reverse("carnet:acces_exceptionnel", kwargs={"uid": world.carnet.uid})
        client.post(url, {"motif": "urgence", "justification": "Situation urgente signalée ce matin."})
        assert seen_by(client) == set(), relation
