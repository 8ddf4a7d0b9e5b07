"""Role matrix over every route of the offer (GET), table-driven.

Personas: every role of the world's structure A (the référent of the world's carnet is its professional;
the world's service and the prescription it received belong to structure A), and a professional of
another structure of the same département. Other départements are covered by tests/security (404).
A route of the `offre` namespace missing from `ROUTES` makes `test_every_offre_route_is_in_the_matrix` fail.
"""

import pytest
from django.test import Client
from django.urls import reverse

from spie.models import Role
from tests.security.registry import iter_routes
from tests.security.world import build_world
from tests.spie.factories import MembershipFactory, StructureFactory, TotpFactory

PERSONAS = ["admin", "orientation", "validation", "professionnel", "responsable", "partenaire"]
ROLE_OF = {
    "admin": Role.ADMIN_DEPARTEMENT,
    "orientation": Role.CHARGE_ORIENTATION,
    "validation": Role.VALIDATEUR_ORIENTATION,
    "professionnel": Role.PROFESSIONNEL,
    "responsable": Role.RESPONSABLE_STRUCTURE,
}


def expect(**statuses):
    """Expected GET status per persona; `tous=` sets the default."""
    default = statuses.pop("tous", None)
    return {persona: statuses.get(persona, default) for persona in PERSONAS}


TOUS = expect(tous=200)
ADMIN = expect(tous=403, admin=200)
CATALOGUE = expect(tous=200, orientation=403, validation=403)
SERVICE_A = expect(tous=200, orientation=403, validation=403, partenaire=403)
ECRITURE_CARNET = expect(tous=403, professionnel=200)

ROUTES = {
    "recherche": (lambda w: {}, TOUS),
    "recherche_json": (lambda w: {}, TOUS),
    "service_detail": (lambda w: {"uid": w.service.uid}, TOUS),
    "catalogue": (lambda w: {}, CATALOGUE),
    "service_creer": (lambda w: {}, CATALOGUE),
    "service_modifier": (lambda w: {"uid": w.service.uid}, SERVICE_A),
    "sessions": (lambda w: {"uid": w.service.uid}, SERVICE_A),
    "session_modifier": (lambda w: {"uid": w.service.uid, "session_uid": w.session.uid}, SERVICE_A),
    "session_supprimer": (
        lambda w: {"uid": w.service.uid, "session_uid": w.session.uid},
        expect(tous=405, orientation=403, validation=403, partenaire=403),
    ),
    "structure_fiche": (lambda w: {"uid": w.structure.uid}, expect(tous=403, admin=200, responsable=200)),
    "moderation": (lambda w: {}, ADMIN),
    "moderer": (lambda w: {"uid": w.service.uid}, ADMIN),
    "qualite": (lambda w: {}, ADMIN),
    "imports": (lambda w: {}, ADMIN),
    "import_detail": (lambda w: {"uid": w.import_catalogue.uid}, ADMIN),
    "import_statut": (lambda w: {"uid": w.import_catalogue.uid}, ADMIN),
    "import_rapport": (lambda w: {"uid": w.import_catalogue.uid}, ADMIN),
    "export": (lambda w: {}, ADMIN),
    "export_fichier": (lambda w: {"fichier": "structures.csv"}, ADMIN),
    "prescriptions_recues": (lambda w: {}, TOUS),
    # The receiving structure only: another structure of the département gets 404, like another département.
    "prescription_recue": (lambda w: {"uid": w.prescription.uid}, expect(tous=200, partenaire=404)),
    "prescription_repondre": (lambda w: {"uid": w.prescription.uid}, expect(tous=405)),
    "prescription_etape": (lambda w: {"uid": w.prescription.uid}, expect(tous=405)),
    # Carnet side: reading for whoever reads the carnet, writing for the group's members.
    "carnet_prescriptions": (
        lambda w: {"uid": w.carnet.uid},
        expect(tous=200, responsable=403, partenaire=403),
    ),
    "carnet_recherche": (lambda w: {"uid": w.carnet.uid}, ECRITURE_CARNET),
    # Suggested offers read like the plan: whoever reads the carnet; "Prescrire" is for the group's members.
    "carnet_suggestions": (lambda w: {"uid": w.carnet.uid}, expect(tous=200, responsable=403, partenaire=403)),
    "correspondances": (lambda w: {}, ADMIN),
    "correspondance_theme": (lambda w: {"code": "mobilite"}, ADMIN),
    "correspondance_situation": (lambda w: {"uid": w.situation_locale.uid}, ADMIN),
    "prescrire": (lambda w: {"uid": w.carnet.uid, "service_uid": w.service.uid}, ECRITURE_CARNET),
    "prescription_annuler": (
        lambda w: {"uid": w.carnet.uid, "prescription_uid": w.prescription.uid},
        expect(tous=403, professionnel=405),
    ),
    "carnet_prescription_etape": (
        lambda w: {"uid": w.carnet.uid, "prescription_uid": w.prescription.uid},
        expect(tous=403, professionnel=405),
    ),
}


def test_every_offre_route_is_in_the_matrix():
    names = {name.split(":", 1)[1] for name, _, _ in iter_routes() if (name or "").startswith("offre:")}
    assert names == set(ROUTES)


@pytest.fixture
def personas(db):
    world = build_world("76", "Seine-Maritime")
    clients = {}
    for persona, role in ROLE_OF.items():
        clients[persona] = Client()
        clients[persona].force_login(world.users_by_role[role])
    partner = MembershipFactory(structure=StructureFactory(departement=world.departement), role=Role.PROFESSIONNEL)
    TotpFactory(user=partner.user)
    clients["partenaire"] = Client()
    clients["partenaire"].force_login(partner.user)
    return world, clients


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_role_matrix(personas, route):
    world, clients = personas
    kwargs, expected = ROUTES[route]
    url = reverse(f"offre:{route}", kwargs=kwargs(world))
    actual = {persona: clients[persona].get(url).status_code for persona in PERSONAS}
    assert actual == expected
