"""Role × route table of the orientation app: who may read or do what (CASF L.262-44: need to know).

Roles: chargé d'orientation, valideur, département admin, the person's référent, a manager of the organisme
référent, a professional outside the path, and a chargé d'orientation of another département (404 on every
object). Each route has a category for GET and for POST; `EXPECTED` gives each role's answer per category.
An orientation route missing from `ROUTES` makes `test_every_orientation_route_is_in_the_table` fail.
"""

import pytest
from django.test import Client
from django.urls import reverse

from spie.models import Role
from tests.security.registry import iter_routes
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory

OK, REFUSE, INCONNU = "ok", "403", "404"
ROLES = ["charge", "valideur", "admin", "referent", "organisme", "professionnel", "autre_departement"]


def _expect(allowed, roles=ROLES):
    return {role: (OK if role in allowed else INCONNU if role == "autre_departement" else REFUSE) for role in roles}


EXPECTED = {
    "file": _expect({"charge", "valideur", "admin"}),
    "attribution": _expect({"valideur", "admin"}),
    "validation": _expect({"valideur", "admin"}),
    # The person's data: the queue and whoever reads the carnet (the référent).
    "lecture_carnet": _expect({"charge", "valideur", "admin", "referent"}),
    # An orientation: the same, plus the organisme référent.
    "lecture_orientation": _expect({"charge", "valideur", "admin", "referent", "organisme"}),
    "designation": _expect({"admin", "referent", "organisme"}),
    "demande": _expect({"referent"}),
    "administration": _expect({"admin"}),
}

# route → (GET category, POST category); None: not offered (405, or the rules answer first).
ROUTES = {
    "file": ("file", None),
    "a_valider": ("validation", None),
    "reorientations": ("file", None),
    "dossier_ouvrir": (None, "file"),
    "synthese": ("lecture_carnet", None),
    "reorientation_demander": ("demande", "demande"),
    "dossier": ("file", None),
    "dossier_prendre": (None, "file"),
    "dossier_attribuer": ("attribution", "attribution"),
    "dossier_reception": ("file", "file"),
    "convoquer": ("file", "file"),
    "diagnostic_commencer": (None, "file"),
    "proposer": ("file", "file"),
    "presence": (None, "file"),
    "convocation_pdf": ("lecture_carnet", None),
    "diagnostic": ("lecture_carnet", None),
    "diagnostic_etape": ("file", "file"),
    "orientation": ("lecture_orientation", None),
    "valider": (None, "validation"),
    "renvoyer": (None, "validation"),
    "decision_pdf": ("lecture_orientation", None),
    "designer_referent": ("designation", "designation"),
    "reorientation": ("lecture_carnet", "file"),
    "dispositifs": ("administration", None),
    "dispositif_creer": ("administration", "administration"),
    "dispositif": ("administration", "administration"),
    "secteurs": ("administration", "administration"),
    "secteur_supprimer": (None, "administration"),
    "regles": ("administration", "administration"),
    "regles_version": ("administration", None),
}
PLAIN = {"file", "a_valider", "reorientations", "dispositifs", "dispositif_creer", "secteurs", "regles"}


def test_every_orientation_route_is_in_the_table():
    names = {name.split(":", 1)[1] for name, _, _ in iter_routes() if (name or "").startswith("orientation:")}
    assert names == set(ROUTES)


@pytest.fixture
def monde(db):
    """Département A's world (the security tests' one: carnet with a référent, dossier, convocation, draft,
    proposal, request, programme, sector), plus the organisme référent and the other département."""
    from tests.security.world import build_world

    world = build_world("76", "Seine-Maritime")
    organisme = StructureFactory(departement=world.departement, france_travail=True)
    # The proposal goes to the organisme; the référent works there.
    world.orientation.__class__.unscoped_objects.filter(pk=world.orientation.pk).update(structure=organisme)
    referent = MembershipFactory(structure=organisme, role=Role.PROFESSIONNEL).user
    from tests.carnet.factories import MembreGroupeFactory

    world.membre.__class__.unscoped_objects.filter(pk=world.membre.pk).update(est_referent=False)
    MembreGroupeFactory(carnet=world.carnet, user=referent, structure=organisme, est_referent=True)
    other = DepartementFactory(code="08", nom="Ardennes")
    autre = MembershipFactory(structure=StructureFactory(departement=other), role=Role.CHARGE_ORIENTATION).user
    users = {
        "charge": world.users_by_role[Role.CHARGE_ORIENTATION],
        "valideur": world.users_by_role[Role.VALIDATEUR_ORIENTATION],
        "admin": world.users_by_role[Role.ADMIN_DEPARTEMENT],
        "referent": referent,
        "organisme": MembershipFactory(structure=organisme, role=Role.RESPONSABLE_STRUCTURE).user,
        "professionnel": MembershipFactory(structure=world.structure, role=Role.PROFESSIONNEL).user,
        "autre_departement": autre,
    }
    return world, users


def _kwargs(name, world):
    from tests.security.registry import OBJECT_ROUTES

    builder = OBJECT_ROUTES.get(f"orientation:{name}")
    return builder(world) if builder else {}


def _outcome(response):
    if response.streaming:
        b"".join(response.streaming_content)
    if response.status_code == 404:
        return INCONNU
    if response.status_code == 403:
        return REFUSE
    if response.status_code in (200, 302, 405):
        return OK
    return str(response.status_code)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_orientation_route_answers_each_role_as_the_table_says(route, monde):
    world, users = monde
    url = reverse(f"orientation:{route}", kwargs=_kwargs(route, world))
    get_category, post_category = ROUTES[route]
    failures = []
    # Denied roles first, so that allowed writes (which change the objects) come last.
    order = sorted(ROLES, key=lambda r: EXPECTED[post_category or get_category][r] == OK)
    for role in order:
        if route in PLAIN and role == "autre_departement":
            continue  # their own département's page
        client = Client()
        client.force_login(users[role])
        for method, category in (("get", get_category), ("post", post_category)):
            expected = {EXPECTED[category][role]} if category else {OK, REFUSE, INCONNU}
            if category is None and role == "autre_departement" and route not in PLAIN:
                expected = {INCONNU, OK}  # 405 before the lookup reveals nothing
            outcome = _outcome(getattr(client, method)(url))
            if outcome not in expected:
                failures.append(f"{role} {method.upper()} : {outcome} (attendu {sorted(expected)})")
    assert not failures, f"{url}\n" + "\n".join(failures)
