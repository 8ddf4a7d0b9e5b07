"""Identity changes keep their old and new values in the timeline, for the référent and the author only."""

import pytest
from django.urls import reverse

from carnet import services
from carnet.models import Evenement, Sensibilite
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory


@pytest.fixture
def carnet(dep_a, agent_a, structure_a, unscoped):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Martin", beneficiaire__telephone="")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


def test_identity_change_records_old_and_new_values_in_a_restricted_event(carnet, dep_a, agent_a, structure_a):
    beneficiaire = carnet.beneficiaire
    with departement_scope(dep_a):
        services.beneficiaire_update(
            beneficiaire=beneficiaire,
            data={"nom_usage": "Bernard", "telephone": "06 11 22 33 44", "prenoms": beneficiaire.prenoms},
            version=beneficiaire.version,
            nir="295109912611193",
            auteur=agent_a,
            structure=structure_a,
        )
    general, restricted = Evenement.objects.filter(carnet=carnet).order_by("id")
    assert general.sensibilite == Sensibilite.GENERALE and "Martin" not in general.resume
    assert restricted.sensibilite == Sensibilite.JUSTICE
    assert "« Martin » → « Bernard »" in restricted.resume
    assert "« vide » → « 06 11 22 33 44 »" in restricted.resume
    assert "prénoms" not in restricted.resume  # unchanged
    assert "NIR modifié" in restricted.resume and "295109912611193" not in restricted.resume
    assert restricted.auteur_id == agent_a.pk


def test_old_values_are_read_by_the_referent_only(carnet, dep_a, agent_a, structure_a, unscoped):
    other = StructureFactory(departement=dep_a, type="association")
    member = MembershipFactory(structure=other, role="professionnel").user
    MembreGroupeFactory(carnet=carnet, user=member, structure=other)
    with departement_scope(dep_a):
        services.beneficiaire_update(
            beneficiaire=carnet.beneficiaire,
            data={"nom_usage": "Bernard"},
            version=carnet.beneficiaire.version,
            auteur=member,
            structure=other,
        )
    url = reverse("carnet:historique", kwargs={"uid": carnet.uid})
    referent_page = logged_client(agent_a).get(url).content.decode()
    assert "« Martin » → « Bernard »" in referent_page
    colleague = MembershipFactory(structure=other, role="professionnel").user
    MembreGroupeFactory(carnet=carnet, user=colleague, structure=other)
    assert "« Martin »" not in logged_client(colleague).get(url).content.decode()
