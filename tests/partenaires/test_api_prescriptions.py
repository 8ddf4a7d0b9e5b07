"""Partner API: prescriptions received by the token's structure, accepted or refused (`prescriptions:write`).

Personas: the association running the service (`association`, its token and its professional `receveur`);
the référent who prescribed (`agent_a`, structure A) with a webhook subscription of structure A; another
structure of the same département (`autre`); département B.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet.models import Evenement
from offre import services
from offre.models import Prescription
from partenaires.models import AbonnementWebhook, AppelApi, LivraisonWebhook, Scope
from spie.crypto import encrypt
from spie.models import AccessLog, Notification
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, NoteFactory
from tests.offre.factories import PrescriptionFactory, ServiceFactory, SessionFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import StructureFactory

pytestmark = pytest.mark.usefixtures("unscoped")

NIR = "295109912611193"
NOTE = "Note confidentielle : sortie de détention"
CHAMPS = {
    "id",
    "statut",
    "statut_libelle",
    "service",
    "session",
    "structure_prescriptrice",
    "prescripteur",
    "personne",
    "message",
    "envoyee_le",
    "relancee_le",
    "expire_le",
    "repondue_le",
    "motif_refus",
    "precision_reponse",
    "cloturee_le",
}


@pytest.fixture
def association(dep_a):
    return StructureFactory(departement=dep_a, type="association", nom="Association Tremplin")


@pytest.fixture
def service(association):
    return ServiceFactory(structure=association, nom="Atelier CV")


@pytest.fixture
def session(service):
    return SessionFactory(service=service, places_total=10, places_restantes=4)


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(
        departement=dep_a,
        beneficiaire__nom_usage="Dupont",
        beneficiaire__prenoms="Léa Marie",
        beneficiaire__telephone="06 11 22 33 44",
        beneficiaire__courriel="lea.dupont@exemple.fr",
        beneficiaire__nir=NIR,
    )
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    NoteFactory(carnet=carnet, auteur=agent_a, structure=structure_a, texte=NOTE)
    return carnet


@pytest.fixture
def prescription(dep_a, carnet, service, session, agent_a, structure_a):
    """Sent through the web's service: only the telephone is shared."""
    with departement_scope(dep_a):
        return services.prescription_send(
            carnet=carnet,
            service=service,
            session=session,
            message="Disponible le matin.",
            consentement=True,
            partager_telephone=True,
            auteur=agent_a,
            structure=structure_a,
        )


@pytest.fixture
def jeton(association):
    return make_token(association, scopes=[Scope.PRESCRIPTIONS_WRITE])


@pytest.fixture
def client_assoc(jeton):
    return api(jeton[1])


@pytest.fixture
def abonnement_prescripteur(structure_a):
    """Structure A (the prescriber) listens to the answers of its prescriptions."""
    token, _ = make_token(structure_a)
    return AbonnementWebhook.unscoped_objects.create(
        departement=structure_a.departement,
        structure=structure_a,
        jeton=token,
        url="https://prescripteur.example/webhooks",
        evenements=["prescription.repondue"],
        secret_chiffre=encrypt("secret"),
    )


def url(name, prescription=None):
    return reverse(f"api:{name}", kwargs={"uid": prescription.uid} if prescription else None)


def post(client, name, prescription, data=None, **headers):
    return client.post(url(name, prescription), data or {}, content_type="application/json", headers=headers)


# --- Reading ----------------------------------------------------------------------------------------------


def test_structure_reads_what_the_prescription_shared_and_nothing_of_the_carnet(client_assoc, prescription, carnet):
    response = client_assoc.get(url("prescription", prescription))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == CHAMPS
    assert data["personne"] == {"prenom": "Léa", "nom": "Dupont", "telephone": "06 11 22 33 44", "courriel": ""}
    assert data["service"]["nom"] == "Atelier CV" and data["session"]["date_debut"]
    assert data["statut"] == "en_attente" and data["motif_refus"] is None
    assert data["message"] == "Disponible le matin."
    body = response.content.decode()
    for secret in (str(carnet.uid), str(carnet.beneficiaire.uid), NIR, NOTE, "lea.dupont@exemple.fr"):
        assert secret not in body


def test_only_prescriptions_received_by_the_tokens_structure_are_listed(dep_a, client_assoc, prescription, carnet):
    ailleurs = PrescriptionFactory(service=ServiceFactory(structure=StructureFactory(departement=dep_a)))
    response = client_assoc.get(url("prescriptions"))
    assert [p["id"] for p in response.json()["results"]] == [str(prescription.uid)]
    # Another structure's prescription, of the same département, is not found (as in the web inbox).
    assert client_assoc.get(url("prescription", ailleurs)).status_code == 404
    assert post(client_assoc, "prescription_accepter", ailleurs).status_code == 404
    assert Prescription.objects.get(pk=ailleurs.pk).statut == "en_attente"


def test_other_departement_token_gets_404(dep_b, prescription):
    _, value = make_token(StructureFactory(departement=dep_b))
    client = api(value)
    assert client.get(url("prescription", prescription)).status_code == 404
    assert post(client, "prescription_accepter", prescription).status_code == 404
    assert client.get(url("prescriptions")).json()["results"] == []
    assert Prescription.objects.get(pk=prescription.pk).statut == "en_attente"


def test_token_without_the_scope_gets_403(association, prescription):
    _, value = make_token(association, scopes=[Scope.OFFRE_READ, Scope.OFFRE_WRITE])
    client = api(value)
    for response in (
        client.get(url("prescriptions")),
        client.get(url("prescription", prescription)),
        post(client, "prescription_accepter", prescription),
        post(client, "prescription_refuser", prescription, {"motif": "plus_de_place"}),
    ):
        assert response.status_code == 403 and "prescriptions:write" in response.json()["detail"]
    assert Prescription.objects.get(pk=prescription.pk).statut == "en_attente"


def test_filters_by_status_and_reception_date(client_assoc, prescription, service):
    ancienne = PrescriptionFactory(service=service, created_at=timezone.now() - datetime.timedelta(days=20))
    refusee = PrescriptionFactory(service=service, statut="refusee", motif_refus="plus_de_place")

    def ids(**params):
        response = client_assoc.get(url("prescriptions"), params)
        assert response.status_code == 200, response.content
        return {p["id"] for p in response.json()["results"]}

    assert ids() == {str(prescription.uid), str(ancienne.uid), str(refusee.uid)}
    assert ids(statut="en_attente") == {str(prescription.uid), str(ancienne.uid)}
    since = (timezone.now() - datetime.timedelta(days=5)).isoformat()
    assert ids(statut="en_attente", recue_depuis=since) == {str(prescription.uid)}
    response = client_assoc.get(url("prescriptions"), {"statut": "perdue"})
    assert response.status_code == 400 and "statut" in response.json()["errors"]


def test_list_query_count_does_not_grow_with_rows(client_assoc, service):
    def add(count):
        for _ in range(count):
            PrescriptionFactory(service=service, session=SessionFactory(service=service))

    add(3)
    with CaptureQueriesContext(connection) as three:
        assert len(client_assoc.get(url("prescriptions")).json()["results"]) == 3
    add(3)
    with CaptureQueriesContext(connection) as six:
        assert len(client_assoc.get(url("prescriptions")).json()["results"]) == 6
    assert len(six) == len(three)


def test_every_read_of_a_prescription_is_logged(jeton, client_assoc, prescription, association, service):
    autre = PrescriptionFactory(service=service)
    client_assoc.get(url("prescriptions"))
    client_assoc.get(url("prescription", prescription))
    listed = AccessLog.objects.filter(details__ressource="prescriptions", api_token_id=jeton[0].pk)
    assert set(listed.values_list("object_uid", flat=True)) == {prescription.uid, autre.uid}
    logs = AccessLog.objects.filter(object_uid=prescription.uid, canal="api", api_token_id=jeton[0].pk)
    assert sorted(log.details["ressource"] for log in logs) == ["prescription", "prescriptions"]
    assert all(log.structure == association and log.object_type == "offre.prescription" for log in logs)
    assert AppelApi.objects.filter(jeton_id=jeton[0].pk, objets__contains=[prescription.uid]).count() == 2


# --- Answering ---------------------------------------------------------------------------------------------


def test_accepting_fires_what_the_web_answer_fires(
    client_assoc, prescription, session, agent_a, abonnement_prescripteur, association
):
    response = post(client_assoc, "prescription_accepter", prescription, {"precision": "RDV le 5 à 9 h"})
    assert response.status_code == 200, response.content
    assert response.json()["statut"] == "acceptee" and response.json()["precision_reponse"] == "RDV le 5 à 9 h"
    prescription.refresh_from_db()
    assert prescription.statut == "acceptee" and prescription.repondue_le is not None
    session.refresh_from_db()
    assert session.places_restantes == 3
    event = Evenement.objects.filter(carnet=prescription.carnet, object_uid=prescription.uid).latest("id")
    assert event.resume == "Prescription vers « Atelier CV » acceptée par Association Tremplin"
    assert event.structure == association
    assert Notification.objects.filter(user=agent_a, cle=f"prescription:{prescription.uid}:reponse").exists()
    delivery = LivraisonWebhook.objects.get(abonnement=abonnement_prescripteur)
    assert delivery.evenement == "prescription.repondue"
    assert delivery.payload["donnees"] == {"prescription_id": str(prescription.uid), "statut": "acceptee"}


def test_second_answer_is_a_409_problem_in_french(client_assoc, prescription):
    assert post(client_assoc, "prescription_accepter", prescription).status_code == 200
    for name, data in (("prescription_accepter", {}), ("prescription_refuser", {"motif": "plus_de_place"})):
        response = post(client_assoc, name, prescription, data)
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["title"] == "Conflit" and body["detail"] == (
            "Cette prescription a déjà reçu une réponse, a expiré ou a été annulée."
        )
    assert Evenement.objects.filter(object_uid=prescription.uid, resume__contains="acceptée").count() == 1


def test_retry_with_the_same_idempotency_key_replays_the_answer(client_assoc, prescription):
    first = post(client_assoc, "prescription_accepter", prescription, {}, **{"Idempotency-Key": "rep-1"})
    again = post(client_assoc, "prescription_accepter", prescription, {}, **{"Idempotency-Key": "rep-1"})
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Evenement.objects.filter(object_uid=prescription.uid, resume__contains="acceptée").count() == 1
    # The same key for another request (another body or another action) is refused.
    other = post(
        client_assoc, "prescription_refuser", prescription, {"motif": "autre"}, **{"Idempotency-Key": "rep-1"}
    )
    assert other.status_code == 422 and "clé d'idempotence" in other.json()["detail"]


def test_refusal_needs_a_motive_of_the_list(client_assoc, prescription, agent_a):
    missing = post(client_assoc, "prescription_refuser", prescription, {"precision": "Complet"})
    assert missing.status_code == 400 and "motif" in missing.json()["errors"]
    unknown = post(client_assoc, "prescription_refuser", prescription, {"motif": "pas_envie"})
    assert unknown.status_code == 400 and "motif" in unknown.json()["errors"]
    assert Prescription.objects.get(pk=prescription.pk).statut == "en_attente"
    response = post(client_assoc, "prescription_refuser", prescription, {"motif": "hors_zone"})
    assert response.status_code == 200
    assert response.json()["statut"] == "refusee" and response.json()["motif_refus"] == "hors_zone"
    event = Evenement.objects.filter(object_uid=prescription.uid).latest("id")
    assert event.resume.endswith("La personne réside hors de la zone du service")
    assert Notification.objects.filter(user=agent_a, cle=f"prescription:{prescription.uid}:reponse").exists()


def test_expired_prescription_cannot_be_accepted(client_assoc, prescription):
    Prescription.objects.filter(pk=prescription.pk).update(statut="expiree", cloturee_le=timezone.now())
    assert post(client_assoc, "prescription_accepter", prescription).status_code == 409
