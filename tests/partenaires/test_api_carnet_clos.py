"""Partner API on a closed carnet (`Carnet.cloture_le`): every write is refused with a 409 problem+json that says
why, nothing is saved; the reads stay open to the structures of the group.

Personas: France Travail in the group (`ft`, all scopes), the association that received a prescription for the
person (`association`)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import ActiviteEngagement, Carnet, RendezVous
from carnet.services import CARNET_CLOS
from offre import services as offre_services
from offre.models import EtapePrescription, Prescription, StatutPrescription
from partenaires.models import Scope
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, ContratFactory, MembreGroupeFactory, RendezVousFactory
from tests.offre.factories import ServiceFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = [pytest.mark.usefixtures("unscoped"), pytest.mark.clock("2026-12-07T09:30:00+01:00")]

D = datetime.date


@pytest.fixture
def ft(dep_a):
    return StructureFactory(departement=dep_a, type="france_travail", nom="France Travail Rouen")


@pytest.fixture
def association(dep_a):
    return StructureFactory(departement=dep_a, type="association", nom="Association Tremplin")


@pytest.fixture
def carnet(dep_a, ft):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Lefèvre")
    conseiller = MembershipFactory(structure=ft, role="professionnel").user
    MembreGroupeFactory(carnet=carnet, user=conseiller, structure=ft, est_referent=True)
    return carnet


@pytest.fixture
def client_ft(ft):
    return api(make_token(ft)[1])


def _clore(carnet):
    Carnet.unscoped_objects.filter(pk=carnet.pk).update(cloture_le=timezone.now())


def _refus(response):
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 409 and body["detail"] == CARNET_CLOS
    return body


def test_new_appointment_on_a_closed_carnet_is_refused_and_nothing_saved(client_ft, carnet):
    _clore(carnet)
    response = client_ft.post(
        reverse("api:carnet_rendez_vous", kwargs={"uid": carnet.uid}),
        {"date_heure": (timezone.now() + datetime.timedelta(days=2)).isoformat(), "mode": "telephone"},
        content_type="application/json",
    )
    _refus(response)
    assert not RendezVous.unscoped_objects.filter(carnet=carnet).exists()


def test_attendance_on_a_closed_carnet_is_refused_but_the_appointment_is_still_read(client_ft, carnet, ft):
    rdv = RendezVousFactory(carnet=carnet, structure=ft, date_heure=timezone.now() - datetime.timedelta(hours=2))
    url = reverse("api:rendez_vous", kwargs={"uid": rdv.uid})
    etag = client_ft.get(url)["ETag"]
    _clore(carnet)
    lu = client_ft.get(url)
    assert lu.status_code == 200 and lu.json()["statut"] == "prevu"
    response = client_ft.patch(url, {"statut": "present"}, content_type="application/json", headers={"If-Match": etag})
    _refus(response)
    assert RendezVous.unscoped_objects.get(pk=rdv.pk).statut == "prevu"


def test_person_update_on_a_closed_carnet_is_refused_and_the_carnet_still_read(client_ft, carnet):
    _clore(carnet)
    assert client_ft.get(reverse("api:carnet", kwargs={"uid": carnet.uid})).status_code == 200
    url = reverse("api:beneficiaire", kwargs={"uid": carnet.beneficiaire.uid})
    etag = client_ft.get(url)["ETag"]
    response = client_ft.patch(
        url, {"telephone": "0611223344"}, content_type="application/json", headers={"If-Match": etag}
    )
    _refus(response)
    carnet.beneficiaire.refresh_from_db()
    assert carnet.beneficiaire.telephone != "0611223344"


def test_hours_on_a_closed_carnet_are_refused_with_409(dep_a, carnet, ft, structure_a):
    ce = ContratFactory(
        carnet=carnet,
        structure=structure_a,
        type="contrat_engagement",
        statut="signe",
        date_signature=D(2026, 11, 16),
        date_debut=D(2026, 11, 16),
        date_fin=D(2027, 5, 31),
        heures_hebdomadaires=10,
    )
    client = api(make_token(ft, scopes=[Scope.CONTRATS_READ, Scope.CONTRATS_WRITE])[1])
    _clore(carnet)
    response = client.post(
        reverse("api:contrat_engagement_activites", kwargs={"uid": ce.uid}),
        {"type": "formation", "date": "2026-12-04", "duree_minutes": 60, "etat": "realisee"},
        "application/json",
    )
    _refus(response)
    assert not ActiviteEngagement.unscoped_objects.exists()
    assert client.get(reverse("api:contrat_engagement", kwargs={"uid": ce.uid})).status_code == 200


@pytest.fixture
def prescription(dep_a, carnet, association, agent_a, structure_a):
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a)
    service = ServiceFactory(structure=association, nom="Atelier CV")
    with departement_scope(dep_a):
        return offre_services.prescription_send(
            carnet=carnet, service=service, message="Bonjour", consentement=True, auteur=agent_a, structure=structure_a
        )


def test_answer_to_a_prescription_of_a_closed_carnet_is_refused(prescription, association, carnet):
    client = api(make_token(association, scopes=[Scope.PRESCRIPTIONS_WRITE])[1])
    _clore(carnet)
    assert client.get(reverse("api:prescription", kwargs={"uid": prescription.uid})).status_code == 200
    response = client.post(
        reverse("api:prescription_accepter", kwargs={"uid": prescription.uid}), {}, content_type="application/json"
    )
    _refus(response)
    assert Prescription.unscoped_objects.get(pk=prescription.pk).statut == StatutPrescription.EN_ATTENTE


def test_outcome_step_of_a_closed_carnet_is_refused(dep_a, prescription, association, carnet):
    receveur = MembershipFactory(structure=association, role="professionnel").user
    with departement_scope(dep_a):
        offre_services.prescription_answer(
            prescription=prescription, accepte=True, auteur=receveur, structure=association
        )
    client = api(make_token(association, scopes=[Scope.PRESCRIPTIONS_WRITE])[1])
    _clore(carnet)
    response = client.post(
        reverse("api:prescription_etapes", kwargs={"uid": prescription.uid}),
        {"etape": "presente", "date": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    _refus(response)
    assert not EtapePrescription.unscoped_objects.exists()
    assert Prescription.unscoped_objects.get(pk=prescription.pk).etape == ""
