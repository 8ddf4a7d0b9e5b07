"""The CAF/MSA flux reopens a closed carnet when a new RSA right opens for the person (a new demand, or a right open
again after a closure); a change that is no new entry leaves the carnet closed."""

import datetime

import pytest

from carnet.models import Carnet, Evenement, Sortie, TypeEvenement
from partenaires.dev.generation_flux import flux_bytes
from spie.tenancy import departement_scope
from tests.partenaires.test_flux import TODAY, foyer

pytestmark = pytest.mark.django_db


def clore(dep, agent):
    with departement_scope(dep):
        carnet = Carnet.objects.get()
        Sortie.objects.create(
            departement=dep,
            carnet=carnet,
            date_sortie=TODAY - datetime.timedelta(days=5),
            motif="fin_droits",
            auteur=agent,
        )
        Carnet.objects.filter(pk=carnet.pk).update(cloture_le=datetime.datetime.now(datetime.UTC))
    return carnet


def test_a_new_demand_reopens_the_closed_carnet(dep_a, deposer, agent_a):
    household = foyer(date_demande=TODAY - datetime.timedelta(days=400))
    deposer(flux_bytes([household]))
    carnet = clore(dep_a, agent_a)
    household.date_demande = TODAY - datetime.timedelta(days=2)
    deposer(flux_bytes([household]))
    with departement_scope(dep_a):
        assert Carnet.objects.get(pk=carnet.pk).cloture_le is None
        assert Sortie.objects.get(carnet=carnet).motif_reouverture == "nouvelle entrée au RSA (flux CAF/MSA)"
        [event] = Evenement.objects.filter(carnet=carnet, type=TypeEvenement.REOUVERTURE)
    assert event.resume == "Carnet rouvert : nouvelle entrée au RSA (flux CAF/MSA)" and event.auteur is None


def test_a_suspension_is_no_new_entry(dep_a, deposer, agent_a):
    household = foyer()
    deposer(flux_bytes([household]))
    carnet = clore(dep_a, agent_a)
    household.etat = "4"
    deposer(flux_bytes([household]))
    with departement_scope(dep_a):
        assert Carnet.objects.get(pk=carnet.pk).cloture_le is not None
        assert not Evenement.objects.filter(type=TypeEvenement.REOUVERTURE).exists()
