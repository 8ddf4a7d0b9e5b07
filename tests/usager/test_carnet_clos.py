"""The person's space once the carnet is closed: every page says the accompaniment is over and shows no form to
send anything; a write posted anyway is refused with nothing saved. Reading the file, the documents and the
letters, and the data-protection requests, stay open."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import Carnet, Document, Objectif, ObservationPersonne
from spie.tenancy import departement_scope
from tests.carnet.factories import AxeFactory, CarnetFactory, MembreGroupeFactory, ObjectifFactory, RendezVousFactory
from tests.usager.conftest import client_usager
from usager import services as usager_services
from usager.models import DemandeDroits, ReponseAuRendezVous

pytestmark = pytest.mark.clock("2026-12-07T09:30:00+01:00")

BANDEAU = "Votre accompagnement est terminé"


@pytest.fixture
def carnet(dep_a, structure_a, agent_a):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__prenoms="Léa")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


@pytest.fixture
def objectif(carnet, agent_a):
    return ObjectifFactory(axe=AxeFactory(carnet=carnet, created_by=agent_a), libelle="Trouver un emploi")


@pytest.fixture
def rdv(carnet, structure_a, agent_a):
    return RendezVousFactory(
        carnet=carnet,
        structure=structure_a,
        professionnel=agent_a,
        date_heure=timezone.now() + datetime.timedelta(days=3),
    )


def _clore(carnet):
    Carnet.unscoped_objects.filter(pk=carnet.pk).update(cloture_le=timezone.now())


def test_open_carnet_shows_the_forms_and_no_closing_notice(carnet, objectif, rdv):
    client = client_usager(carnet)
    for name in ("usager:accueil", "usager:rendez_vous", "usager:documents", "usager:observations", "usager:mon_plan"):
        html = client.get(reverse(name)).content.decode()
        assert BANDEAU not in html
    assert "Envoyer ma réponse" in client.get(reverse("usager:rendez_vous")).content.decode()
    assert "Envoyer mon avis" in client.get(reverse("usager:mon_plan")).content.decode()


def test_closed_carnet_pages_say_so_and_hide_every_form(carnet, objectif, rdv):
    _clore(carnet)
    client = client_usager(carnet)
    pages = {
        "usager:accueil": None,
        "usager:rendez_vous": "Envoyer ma réponse",
        "usager:documents": "Envoyer un document",
        "usager:observations": "Envoyer mon message",
        "usager:mon_plan": "Envoyer mon avis",
        "usager:mes_donnees": None,
        "usager:courriers": None,
    }
    for name, formulaire in pages.items():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert BANDEAU in html and "clos depuis le 7 décembre 2026" in html, name
        if formulaire:
            assert formulaire not in html, name
    # What was there is still read.
    assert "Trouver un emploi" in client.get(reverse("usager:mon_plan")).content.decode()


def test_closed_carnet_refuses_each_write_posted_anyway(carnet, objectif, rdv):
    _clore(carnet)
    client = client_usager(carnet)
    posts = [
        (reverse("usager:rendez_vous_repondre", kwargs={"uid": rdv.uid}), {"reponse": "confirme"}),
        (
            reverse("usager:objectif_avis", kwargs={"uid": objectif.uid}),
            {"accord": "oui", "version": objectif.version},
        ),
        (reverse("usager:observations"), {"texte": "Bonjour"}),
        (
            reverse("usager:documents"),
            {"fichier": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, url
        assert "Votre accompagnement est terminé : vous ne pouvez plus envoyer" in response.content.decode(), url
    assert not ReponseAuRendezVous.unscoped_objects.exists()
    assert not ObservationPersonne.unscoped_objects.exists()
    assert not Document.unscoped_objects.filter(carnet=carnet).exists()
    assert Objectif.unscoped_objects.get(pk=objectif.pk).consentement is False


def test_closed_carnet_still_takes_a_data_protection_request(carnet):
    _clore(carnet)
    response = client_usager(carnet).post(
        reverse("usager:mes_donnees"), {"type": "rectification", "texte": "Mon adresse a changé."}, follow=True
    )
    assert response.status_code == 200
    assert DemandeDroits.unscoped_objects.filter(beneficiaire=carnet.beneficiaire).count() == 1


def test_services_refuse_a_closed_carnet_even_with_a_stale_object(dep_a, carnet, objectif, rdv):
    with departement_scope(dep_a):
        stale_rdv = type(rdv).objects.select_related("carnet__beneficiaire").get(pk=rdv.pk)
        stale_objectif = Objectif.objects.select_related("axe").get(pk=objectif.pk)
        _clore(carnet)
        with pytest.raises(carnet_services.CarnetClos):
            usager_services.rendez_vous_repondre(rendez_vous=stale_rdv, reponse="confirme")
        with pytest.raises(carnet_services.CarnetClos):
            usager_services.observation_envoyer(carnet=stale_rdv.carnet, texte="Bonjour")
        with pytest.raises(carnet_services.CarnetClos):
            usager_services.objectif_avis_donner(objectif=stale_objectif, accord=True, version=objectif.version)
