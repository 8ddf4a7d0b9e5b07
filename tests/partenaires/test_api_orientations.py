"""Partner API: orientations (scope `orientations:read`).

Personas: France Travail Rouen (`ft`) follows the person (`carnet_suivi`) and is the organisme référent of
their orientation; an association of the same département that neither follows the person nor is named
(`association`); département B's France Travail (`ft_b`).
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partenaires.models import AppelApi, Scope
from spie.models import AccessLog
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.orientation.factories import DiagnosticFactory, DossierFactory, OrientationFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.usefixtures("unscoped")

MOTIF = "Motif confidentiel : suivi psychiatrique en cours"
COMMENTAIRE = "Commentaire du valideur : problème de santé"
DIAGNOSTIC = "Réponse du diagnostic : addiction"
CHAMPS = {
    "id",
    "carnet_id",
    "beneficiaire_id",
    "type",
    "type_libelle",
    "est_reorientation",
    "dispositif",
    "organisme_referent",
    "referent",
    "statut",
    "statut_libelle",
    "proposee_le",
    "decidee_le",
    "jalons",
}


@pytest.fixture
def ft(dep_a):
    return StructureFactory(departement=dep_a, type="france_travail", nom="France Travail Rouen")


@pytest.fixture
def conseillere(ft):
    return MembershipFactory(
        structure=ft,
        user__first_name="Camille",
        user__last_name="Morel",
        user__email="camille.morel@ft.example",
        user__telephone="02 35 11 22 33",
    ).user


@pytest.fixture
def association(dep_a):
    return StructureFactory(departement=dep_a, type="association", nom="Association Tremplin")


def decided(carnet, structure, referent=None, jours=1, **extra):
    """A decided orientation of `carnet` with its (closed) dossier and a diagnostic full of sensitive answers."""
    decision = timezone.now() - datetime.timedelta(days=jours)
    dossier = DossierFactory(
        carnet=carnet,
        statut="oriente",
        date_premier_contact=decision.date() - datetime.timedelta(days=20),
        date_entretien=decision.date() - datetime.timedelta(days=2),
        date_decision=decision.date(),
    )
    diagnostic = DiagnosticFactory(dossier=dossier, termine=True, data={"sante": {"reponse": DIAGNOSTIC}})
    return OrientationFactory(
        dossier=dossier,
        structure=structure,
        referent=referent,
        diagnostic=diagnostic,
        motif=MOTIF,
        commentaire=COMMENTAIRE,
        validee=True,
        decidee_le=decision,
        **extra,
    )


@pytest.fixture
def carnet_suivi(dep_a, ft, conseillere):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Lefèvre")
    MembreGroupeFactory(carnet=carnet, user=conseillere, structure=ft, est_referent=True)
    return carnet


@pytest.fixture
def orientation(carnet_suivi, ft, conseillere):
    return decided(carnet_suivi, ft, referent=conseillere)


def url_list():
    return reverse("api:orientations")


def url_detail(orientation):
    return reverse("api:orientation", kwargs={"uid": orientation.uid})


# --- What a partner reads ----------------------------------------------------------------------------------


def test_partner_reads_type_programme_organisme_referent_and_dates(ft, orientation, conseillere):
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    response = api(value).get(url_detail(orientation))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == CHAMPS
    assert data["type"] == "pro" and data["statut"] == "validee"
    assert data["dispositif"]["nom"] == orientation.dispositif.nom
    assert data["organisme_referent"]["nom"] == "France Travail Rouen"
    assert data["referent"] == {
        "nom": "Camille Morel",
        "courriel": "camille.morel@ft.example",
        "telephone": "02 35 11 22 33",
    }
    assert data["carnet_id"] == str(orientation.carnet.uid)
    assert data["jalons"]["date_decision"] == orientation.dossier.date_decision.isoformat()
    assert data["jalons"]["date_entretien"] == orientation.dossier.date_entretien.isoformat()


def test_motive_comment_and_diagnostic_never_leave_the_platform(ft, orientation):
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    client = api(value)
    bodies = [
        client.get(url_detail(orientation)).content.decode(),
        client.get(url_list()).content.decode(),
    ]
    assert str(orientation.uid) in bodies[1]
    for body in bodies:
        for secret in (MOTIF, COMMENTAIRE, DIAGNOSTIC, "motif", "commentaire", "diagnostic"):
            assert secret not in body
        # The agents of the département who proposed and decided are not the partner's business either.
        assert orientation.proposee_par.email not in body


def test_organisme_referent_reads_an_orientation_before_following_the_person(dep_a, association):
    carnet = CarnetFactory(departement=dep_a)
    orientation = decided(carnet, association)
    _, value = make_token(association, scopes=[Scope.ORIENTATIONS_READ])
    response = api(value).get(url_detail(orientation))
    assert response.status_code == 200 and response.json()["referent"] is None
    assert [o["id"] for o in api(value).get(url_list()).json()["results"]] == [str(orientation.uid)]


def test_structure_neither_following_nor_named_gets_403_and_an_empty_list(association, orientation):
    _, value = make_token(association, scopes=[Scope.ORIENTATIONS_READ])
    response = api(value).get(url_detail(orientation))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "ne suit pas cette personne" in response.json()["detail"]
    assert api(value).get(url_list()).json()["results"] == []


def test_proposal_sent_back_to_the_charge_is_not_shared(ft, carnet_suivi):
    renvoyee = OrientationFactory(dossier=DossierFactory(carnet=carnet_suivi), structure=ft, statut="renvoyee")
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    assert api(value).get(url_detail(renvoyee)).status_code == 404
    assert api(value).get(url_list()).json()["results"] == []


def test_pending_proposal_is_listed_as_proposee_without_decision_date(ft, carnet_suivi):
    proposee = OrientationFactory(dossier=DossierFactory(carnet=carnet_suivi), structure=ft)
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    data = api(value).get(url_detail(proposee)).json()
    assert data["statut"] == "proposee" and data["decidee_le"] is None


def test_other_departement_token_gets_404(dep_b, orientation):
    ft_b = StructureFactory(departement=dep_b, type="departement")
    _, value = make_token(ft_b)
    response = api(value).get(url_detail(orientation))
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert api(value).get(url_list()).json()["results"] == []


def test_token_without_the_scope_gets_403_even_for_head(ft, orientation):
    _, value = make_token(ft, scopes=[Scope.BENEFICIAIRES_READ, Scope.PRESCRIPTIONS_WRITE])
    client = api(value)
    for response in (client.get(url_list()), client.get(url_detail(orientation))):
        assert response.status_code == 403
        assert "orientations:read" in response.json()["detail"]
    assert client.head(url_detail(orientation)).status_code == 403
    assert not AccessLog.objects.filter(object_uid=orientation.carnet.uid).exists()


# --- Filters, pagination, query count ----------------------------------------------------------------------


def test_filters_by_carnet_status_and_decision_date(dep_a, ft, conseillere, orientation):
    autre = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=autre, user=conseillere, structure=ft)
    ancienne = decided(autre, ft, jours=40)
    proposee = OrientationFactory(dossier=DossierFactory(carnet=autre), structure=ft)
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])

    def ids(**params):
        return {o["id"] for o in api(value).get(url_list(), params).json()["results"]}

    assert ids() == {str(orientation.uid), str(ancienne.uid), str(proposee.uid)}
    assert ids(carnet=autre.uid) == {str(ancienne.uid), str(proposee.uid)}
    assert ids(statut="proposee") == {str(proposee.uid)}
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert ids(decidee_depuis=since) == {str(orientation.uid)}


def test_invalid_filter_is_a_400_problem_in_french(ft):
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    response = api(value).get(url_list(), {"decidee_depuis": "hier", "statut": "renvoyee"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Requête invalide"
    assert set(body["errors"]) == {"decidee_depuis", "statut"}


def test_list_is_paginated_by_cursor(dep_a, ft, conseillere):
    for _ in range(3):
        carnet = CarnetFactory(departement=dep_a)
        MembreGroupeFactory(carnet=carnet, user=conseillere, structure=ft)
        decided(carnet, ft)
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    first = api(value).get(url_list(), {"taille": 2}).json()
    second = api(value).get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1 and second["next"] is None
    assert not {o["id"] for o in first["results"]} & {o["id"] for o in second["results"]}


def test_list_query_count_does_not_grow_with_rows(dep_a, ft, conseillere):
    _, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    client = api(value)

    def add(count):
        for _ in range(count):
            carnet = CarnetFactory(departement=dep_a)
            MembreGroupeFactory(carnet=carnet, user=conseillere, structure=ft)
            decided(carnet, ft, referent=conseillere)

    add(3)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(url_list()).json()["results"]) == 3
    add(3)
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(url_list()).json()["results"]) == 6
    assert len(six) == len(three)


# --- Access log ----------------------------------------------------------------------------------------------


def test_every_read_of_a_persons_orientation_is_logged(dep_a, ft, conseillere, orientation):
    autre = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=autre, user=conseillere, structure=ft)
    decided(autre, ft)
    jeton, value = make_token(ft, scopes=[Scope.ORIENTATIONS_READ])
    api(value).get(url_list())
    listed = AccessLog.objects.filter(details__ressource="orientations", api_token_id=jeton.pk)
    assert set(listed.values_list("object_uid", flat=True)) == {orientation.carnet.uid, autre.uid}
    api(value).get(url_detail(orientation))
    logs = AccessLog.objects.filter(object_uid=orientation.carnet.uid, canal="api", api_token_id=jeton.pk)
    assert sorted(log.details["ressource"] for log in logs) == ["orientation", "orientations"]
    assert all(log.action == "consultation" and log.structure == ft for log in logs)
    call = AppelApi.objects.filter(jeton_id=jeton.pk, route__contains="<uuid:uid>").get()
    assert orientation.uid in call.objets
    assert MOTIF not in json.dumps([log.details for log in logs])
