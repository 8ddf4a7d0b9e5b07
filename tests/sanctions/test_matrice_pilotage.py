"""Permission matrix of the pages around the files (court file, CAF/MSA export, indicators), and the export page's
constant query count."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanctions import payeur
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory
from tests.sanctions.factories import DossierManquementFactory
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory, TotpFactory

pytestmark = pytest.mark.django_db


def client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def personnes(monde):
    admin = MembershipFactory(structure=monde.structure, role="admin_departement").user
    orientation = MembershipFactory(structure=monde.structure, role="charge_orientation").user
    dep_b = DepartementFactory(code="08", nom="Ardennes")
    with departement_scope(dep_b):
        decideur_b = MembershipFactory(structure=StructureFactory(departement=dep_b), role="decideur_sanctions").user
    for user in (admin, orientation, decideur_b):
        TotpFactory(user=user)
    return {
        "referent": monde.referent,
        "membre": monde.membre,
        "decideur": monde.decideur,
        "admin": admin,
        "orientation": orientation,
        "autre_departement": decideur_b,
    }


RESERVE = {"referent": 403, "membre": 403, "decideur": 200, "admin": 200, "orientation": 403}


@pytest.mark.parametrize(
    "page, autre_departement",
    [("dossier_tribunal", 404), ("export_payeur_csv", 404), ("exports_payeur", 200), ("indicateurs", 200)],
)
def test_decideurs_and_admin_only_and_another_departement_never_sees_ours(monde, personnes, page, autre_departement):
    dossier = DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent, decide=True)
    payeur.mouvement_enregistrer(dossier=dossier, code="decider")
    export = payeur.export_creer(departement_id=monde.departement.pk, auteur=monde.decideur)
    kwargs = {"dossier_tribunal": {"uid": dossier.uid}, "export_payeur_csv": {"uid": export.uid}}.get(page, {})
    url = reverse(f"sanctions:{page}", kwargs=kwargs)
    obtenu = {relation: client(user).get(url).status_code for relation, user in personnes.items()}
    assert obtenu == {**RESERVE, "autre_departement": autre_departement}


def test_the_export_page_has_a_constant_query_count(monde):
    def ajouter(n):
        for _ in range(n):
            carnet = CarnetFactory(departement=monde.departement)
            dossier = DossierManquementFactory(carnet=carnet, created_by=monde.referent, decide=True)
            payeur.mouvement_enregistrer(dossier=dossier, code="decider")
        payeur.export_creer(departement_id=monde.departement.pk, auteur=monde.decideur)
        for _ in range(n):
            carnet = CarnetFactory(departement=monde.departement)
            dossier = DossierManquementFactory(carnet=carnet, created_by=monde.referent, decide=True)
            payeur.mouvement_enregistrer(dossier=dossier, code="decider")

    decideur = client(monde.decideur)
    url = reverse("sanctions:exports_payeur")
    ajouter(3)
    decideur.get(url)
    with CaptureQueriesContext(connection) as trois:
        assert decideur.get(url).status_code == 200
    ajouter(3)
    with CaptureQueriesContext(connection) as six:
        assert decideur.get(url).status_code == 200
    assert len(six) == len(trois)
