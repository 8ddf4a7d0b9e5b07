"""Exits of the path: recorded by a member, read by the carnet's readers, in the timeline; no future date."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import Evenement, Sortie, TypeEvenement
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Martin", beneficiaire__prenoms="Inès")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


def test_a_member_records_a_job_exit_which_enters_the_timeline(carnet, client_agent_a, dep_a):
    url = reverse("carnet:sorties", kwargs={"uid": carnet.uid})
    hier = timezone.localdate() - datetime.timedelta(days=1)
    response = client_agent_a.post(
        url,
        {"date_sortie": hier.isoformat(), "motif": "emploi", "suivi_dans_emploi": "on", "precision": "CDI cariste"},
    )
    assert response.status_code == 302
    with departement_scope(dep_a):
        sortie = Sortie.objects.get(carnet=carnet)
        assert (sortie.motif, sortie.date_sortie, sortie.suivi_dans_emploi, sortie.est_positive) == (
            "emploi",
            hier,
            True,
            True,
        )
        evenement = Evenement.objects.get(carnet=carnet, type=TypeEvenement.SORTIE)
    assert "Accès à l'emploi" in evenement.resume and "suivi poursuivi dans l'emploi" in evenement.resume
    page = client_agent_a.get(url).content.decode()
    assert "CDI cariste" in page and "Suivi dans l'emploi" in page


def test_a_future_exit_is_refused_and_the_input_kept(carnet, client_agent_a, dep_a):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    response = client_agent_a.post(
        reverse("carnet:sorties", kwargs={"uid": carnet.uid}),
        {"date_sortie": demain.isoformat(), "motif": "formation", "precision": "Titre pro soudeur"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ne peut pas être dans le futur" in page and "Titre pro soudeur" in page
    with departement_scope(dep_a):
        assert not Sortie.objects.exists()


def test_the_admin_reads_the_exits_but_cannot_record_one(carnet, client_admin_a, dep_a):
    url = reverse("carnet:sorties", kwargs={"uid": carnet.uid})
    page = client_admin_a.get(url)
    assert page.status_code == 200 and "Enregistrer la sortie" not in page.content.decode()
    response = client_admin_a.post(url, {"date_sortie": timezone.localdate().isoformat(), "motif": "autre"})
    assert response.status_code == 403
    with departement_scope(dep_a):
        assert not Sortie.objects.exists()
