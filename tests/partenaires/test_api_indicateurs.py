"""Partner API: indicators (scope `indicateurs:read`): the stored series, the département's and the token's
own structure's only, and the versioned definitions."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partenaires.models import Scope
from suivi.indicateurs import calcul
from suivi.indicateurs.definitions import INDICATEURS
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import StructureFactory
from tests.suivi.test_indicateurs import decider, personne

pytestmark = pytest.mark.usefixtures("unscoped")

SEPTEMBRE, OCTOBRE = datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)
PARAMS = {"depuis": "2026-09", "jusqu_a": "2026-10"}


@pytest.fixture
def series(dep_a, dep_b):
    mienne, autre = StructureFactory(departement=dep_a), StructureFactory(departement=dep_a)
    decider(personne(dep_a, datetime.date(2026, 9, 1)), datetime.date(2026, 9, 11), mienne)
    decider(personne(dep_a, datetime.date(2026, 9, 2)), datetime.date(2026, 9, 22), autre)
    decider(personne(dep_b, datetime.date(2026, 9, 1)), datetime.date(2026, 9, 5), StructureFactory(departement=dep_b))
    for departement in (dep_a, dep_b):
        for mois in (SEPTEMBRE, OCTOBRE):
            calcul.calculer_mois(departement, mois, aujourdhui=datetime.date(2026, 11, 21))
    return mienne, autre


def test_the_departement_series_of_the_period(series):
    mienne, _ = series
    _, value = make_token(mienne, scopes=[Scope.INDICATEURS_READ])
    body = api(value).get(reverse("api:indicateurs"), {**PARAMS, "indicateur": "delai_orientation"}).json()
    assert [(r["mois"], r["perimetre"], r["valeur"]) for r in body["results"]] == [
        ("2026-09", "departement", 15.0),
        ("2026-10", "departement", None),
    ]
    assert body["results"][0]["mesures"]["moyenne"] == 15.0 and body["results"][0]["unite"] == "jours"


def test_a_partner_reads_its_own_structure_never_another_one(series):
    mienne, autre = series
    _, value = make_token(mienne, scopes=[Scope.INDICATEURS_READ])
    body = api(value).get(reverse("api:indicateurs"), {**PARAMS, "perimetre": "structure"}).json()
    assert body["results"] and {r["structure"]["id"] for r in body["results"]} == {str(mienne.uid)}
    delai = next(r for r in body["results"] if r["indicateur"] == "delai_orientation" and r["mois"] == "2026-09")
    assert delai["valeur"] == 10.0


def test_the_query_count_does_not_grow_with_the_rows(series):
    mienne, _ = series
    _, value = make_token(mienne, scopes=[Scope.INDICATEURS_READ])
    client = api(value)

    def requetes(params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("api:indicateurs"), params).status_code == 200
        return len(queries)

    assert requetes({**PARAMS, "indicateur": "sorties"}) == requetes(PARAMS)


def test_bad_periods_and_missing_scope(series):
    mienne, _ = series
    _, value = make_token(mienne, scopes=[Scope.INDICATEURS_READ])
    response = api(value).get(reverse("api:indicateurs"), {"depuis": "2026-10", "jusqu_a": "2026-01"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert api(value).get(reverse("api:indicateurs"), {"depuis": "octobre"}).status_code == 400
    _, sans_droit = make_token(mienne, scopes=[Scope.BENEFICIAIRES_READ])
    assert api(sans_droit).get(reverse("api:indicateurs")).status_code == 403
    assert api(sans_droit).get(reverse("api:indicateurs_definitions")).status_code == 403


def test_the_definitions_carry_their_version(series):
    mienne, _ = series
    _, value = make_token(mienne, scopes=[Scope.INDICATEURS_READ])
    definitions = api(value).get(reverse("api:indicateurs_definitions")).json()
    assert [d["code"] for d in definitions] == [i.code for i in INDICATEURS]
    delai = definitions[1]
    assert delai["code"] == "delai_orientation" and delai["historique"][0]["version"] == delai["version"]
    assert delai["cohorte"].startswith("Les personnes dont la date d'entrée au RSA tombe dans le mois")
