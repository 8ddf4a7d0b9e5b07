"""Partner API: the contrats d'engagement of a carnet and their hours (`contrats:read`, `contrats:write`).

Personas: a training body in the person's group (`organisme`, its token), another structure of the same
département outside the group (`autre`), a token without the scope, département B's token. The reason of reduced
hours never leaves the group (sentinel); the hours posted follow the rules of the web page (nothing saved on a
refusal) and count in the week-by-week view."""

import datetime

import pytest
from django.urls import reverse

from carnet.models import ActiviteEngagement, Evenement
from partenaires.models import Scope
from spie.models import AccessLog
from tests.carnet.factories import ActiviteEngagementFactory, CarnetFactory, ContratFactory, MembreGroupeFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = [pytest.mark.usefixtures("unscoped"), pytest.mark.clock("2026-12-07T09:30:00+01:00")]

D = datetime.date
SENTINELLE = "SENTINELLE-MOTIF-API-8a1c"


@pytest.fixture
def organisme(dep_a):
    return StructureFactory(departement=dep_a, type="association", nom="Organisme de formation")


@pytest.fixture
def carnet(dep_a, organisme):
    carnet = CarnetFactory(departement=dep_a)
    formateur = MembershipFactory(structure=organisme, role="professionnel").user
    MembreGroupeFactory(carnet=carnet, user=formateur, structure=organisme)
    return carnet


@pytest.fixture
def ce(carnet, structure_a):
    return ContratFactory(
        carnet=carnet,
        structure=structure_a,
        type="contrat_engagement",
        statut="signe",
        date_signature=D(2026, 11, 16),
        date_debut=D(2026, 11, 16),
        date_fin=D(2027, 5, 31),
        heures_hebdomadaires=10,
        motif_reduction_heures="sante",
        precision_reduction_heures=SENTINELLE,
    )


@pytest.fixture
def client_organisme(organisme):
    return api(make_token(organisme, scopes=[Scope.CONTRATS_READ, Scope.CONTRATS_WRITE])[1])


def url(name, obj):
    return reverse(f"api:{name}", kwargs={"uid": obj.uid})


def test_partner_reads_the_contracts_of_the_carnet_without_the_reason(client_organisme, carnet, ce):
    ContratFactory(carnet=carnet, type="cer")  # another contract type: not listed
    response = client_organisme.get(url("carnet_contrats_engagement", carnet))
    assert response.status_code == 200
    [contrat] = response.json()
    assert contrat["id"] == str(ce.uid) and contrat["heures_hebdomadaires"] == 10
    assert contrat["statut"] == "signe" and contrat["date_signature"] == "2026-11-16"
    assert "motif" not in str(contrat) and SENTINELLE not in response.content.decode()
    assert AccessLog.objects.filter(object_uid=carnet.uid, api_token_id__isnull=False).exists()


def test_partner_reads_the_weeks_of_the_contract(client_organisme, ce):
    ActiviteEngagementFactory(contrat=ce, date=D(2026, 11, 17), duree_minutes=300)
    ActiviteEngagementFactory(contrat=ce, date=D(2026, 11, 24), duree_minutes=660)
    response = client_organisme.get(url("contrat_engagement", ce))
    assert response.status_code == 200
    body = response.json()
    assert SENTINELLE not in response.content.decode() and "sante" not in response.content.decode()
    semaines = {s["lundi"]: s for s in body["semaines"]}
    assert semaines["2026-11-16"] == {
        "lundi": "2026-11-16",
        "objectif_minutes": 600,
        "prevues_minutes": 0,
        "realisees_minutes": 300,
        "terminee": True,
        "sous_objectif": True,
    }
    assert semaines["2026-11-23"]["sous_objectif"] is False


def test_partner_posts_hours_done_once_with_an_idempotency_key(client_organisme, ce, organisme):
    payload = {"type": "formation", "date": "2026-12-04", "duree_minutes": 210, "etat": "realisee"}
    headers = {"Idempotency-Key": "heures-42"}
    first = client_organisme.post(
        url("contrat_engagement_activites", ce), payload, "application/json", headers=headers
    )
    again = client_organisme.post(
        url("contrat_engagement_activites", ce), payload, "application/json", headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    row = ActiviteEngagement.objects.get(contrat=ce)
    assert (row.source, row.structure, row.auteur, row.duree_minutes) == ("partenaire", organisme, None, 210)
    assert Evenement.objects.filter(object_uid=row.uid, structure=organisme, auteur=None).exists()
    week = {s["lundi"]: s for s in client_organisme.get(url("contrat_engagement", ce)).json()["semaines"]}
    assert week["2026-11-30"]["realisees_minutes"] == 210
    listed = client_organisme.get(url("contrat_engagement_activites", ce)).json()
    assert [a["id"] for a in listed["results"]] == [str(row.uid)]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"date": "2026-12-09"}, "ne peut pas être datée dans le futur"),
        ({"date": "2026-11-01"}, "dans la période du contrat"),
        ({"duree_minutes": 0}, None),
        ({"type": "inconnu"}, None),
    ],
)
def test_bad_hours_refused_with_400_nothing_saved(client_organisme, ce, payload, message):
    body = {"type": "formation", "date": "2026-12-04", "duree_minutes": 60, "etat": "realisee", **payload}
    response = client_organisme.post(url("contrat_engagement_activites", ce), body, "application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    if message:
        assert message in str(response.json()["errors"])
    assert not ActiviteEngagement.objects.exists()


def test_week_over_70_hours_refused(client_organisme, ce):
    for jour in (D(2026, 11, 23), D(2026, 11, 24), D(2026, 11, 25)):
        ActiviteEngagementFactory(contrat=ce, date=jour, duree_minutes=23 * 60)
    body = {"type": "formation", "date": "2026-11-26", "duree_minutes": 120, "etat": "realisee"}
    response = client_organisme.post(url("contrat_engagement_activites", ce), body, "application/json")
    assert response.status_code == 400
    assert "plus de 70 heures" in str(response.json()["errors"])
    assert ActiviteEngagement.objects.count() == 3


def test_draft_contract_takes_no_hours(client_organisme, carnet, structure_a):
    brouillon = ContratFactory(carnet=carnet, structure=structure_a, type="contrat_engagement")
    body = {"type": "formation", "date": "2026-12-07", "duree_minutes": 60, "etat": "realisee"}
    response = client_organisme.post(url("contrat_engagement_activites", brouillon), body, "application/json")
    assert response.status_code == 400
    assert "à partir de la signature" in str(response.json()["errors"])


def test_structure_outside_the_group_gets_403(dep_a, ce, carnet):
    autre = StructureFactory(departement=dep_a, type="association")
    client = api(make_token(autre, scopes=[Scope.CONTRATS_READ, Scope.CONTRATS_WRITE])[1])
    assert client.get(url("carnet_contrats_engagement", carnet)).status_code == 403
    assert client.get(url("contrat_engagement", ce)).status_code == 403
    body = {"type": "formation", "date": "2026-12-04", "duree_minutes": 60}
    assert client.post(url("contrat_engagement_activites", ce), body, "application/json").status_code == 403
    assert not ActiviteEngagement.objects.exists()


def test_token_without_the_scope_gets_403(organisme, ce):
    lecture = api(make_token(organisme, scopes=[Scope.CONTRATS_READ])[1])
    assert lecture.get(url("contrat_engagement", ce)).status_code == 200
    body = {"type": "formation", "date": "2026-12-04", "duree_minutes": 60}
    response = lecture.post(url("contrat_engagement_activites", ce), body, "application/json")
    assert response.status_code == 403 and "contrats:write" in response.json()["detail"]
    sans = api(make_token(organisme, scopes=[Scope.BENEFICIAIRES_READ])[1])
    assert sans.get(url("contrat_engagement", ce)).status_code == 403


def test_other_departement_gets_404(dep_b, ce, carnet):
    client = api(make_token(StructureFactory(departement=dep_b, type="france_travail"))[1])
    assert client.get(url("carnet_contrats_engagement", carnet)).status_code == 404
    assert client.get(url("contrat_engagement", ce)).status_code == 404
    assert client.get(url("contrat_engagement_activites", ce)).status_code == 404


def test_other_contract_types_are_404(client_organisme, carnet):
    cer = ContratFactory(carnet=carnet, type="cer", statut="signe")
    assert client_organisme.get(url("contrat_engagement", cer)).status_code == 404
