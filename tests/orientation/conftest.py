"""Fixtures of the orientation tests (the strict settings live in tests/conftest.py).

Personas of département A: a chargé d'orientation, a valideur, the admin (`admin_a`), the person's référent
(a professional of another structure), a professional outside the path (`partner_a`); `admin_b` is the other
département. `nouvel_entrant` is a carnet in the queue (RSA entry 20 days ago, no référent).
"""

import pytest

from spie.models import Role
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory


@pytest.fixture
def charge(structure_a):
    return MembershipFactory(structure=structure_a, role=Role.CHARGE_ORIENTATION, user__first_name="Olivier").user


@pytest.fixture
def valideur(structure_a):
    return MembershipFactory(structure=structure_a, role=Role.VALIDATEUR_ORIENTATION).user


@pytest.fixture
def structure_ft(dep_a):
    return StructureFactory(departement=dep_a, france_travail=True, telephone="02 35 00 00 00")


@pytest.fixture
def conseiller_ft(structure_ft):
    return MembershipFactory(structure=structure_ft, role=Role.PROFESSIONNEL).user


@pytest.fixture
def responsable_ft(structure_ft):
    return MembershipFactory(structure=structure_ft, role=Role.RESPONSABLE_STRUCTURE).user


@pytest.fixture
def client_charge(charge):
    return logged_client(charge)


@pytest.fixture
def client_valideur(valideur):
    return logged_client(valideur)


@pytest.fixture
def nouvel_entrant(dep_a):
    return CarnetFactory(
        departement=dep_a,
        beneficiaire__nom_usage="Dupont",
        beneficiaire__prenoms="Léa Marie",
        beneficiaire__courriel="lea.dupont@exemple.fr",
        beneficiaire__adresse="3 rue des Lilas",
        beneficiaire__code_postal="76500",
        beneficiaire__nir="295109912611193",
    )


@pytest.fixture
def accompagne(dep_a, conseiller_ft, structure_ft):
    """A carnet with a référent (France Travail): not a new entrant."""
    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=conseiller_ft, structure=structure_ft, est_referent=True)
    return carnet
