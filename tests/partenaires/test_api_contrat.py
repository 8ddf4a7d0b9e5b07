"""The partner API's contract, case by case: what the published schema forbids is refused, what it allows is
accepted, and every answer under /api/ is a documented problem+json body (tests/partenaires/test_schemathesis.py
runs every Schemathesis check over the whole API)."""

import pytest
from django.test import Client
from django.urls import reverse

from carnet.models import Beneficiaire
from tests.offre.factories import referentiel_geo
from tests.partenaires.test_api import api, carnet_suivi, ft, make_token  # noqa: F401
from tests.partenaires.test_api_offre import ECRITURE, record
from tests.spie.factories import StructureFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def schema(db):
    return Client().get(reverse("api:schema"), {"format": "json"}).json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orientations/null,null/",  # not a UUID: no route matches
        "/api/v1/prescriptions/0/accepter/",
        "/api/v1/route-inconnue/",
        "/api/v2/beneficiaires/",
    ],
)
def test_a_path_no_view_answers_is_a_json_404_problem(ft, path):  # noqa: F811
    _, value = make_token(ft)
    response = api(value).get(path)
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Ressource introuvable",
        "status": 404,
        "instance": path,
        "detail": "Aucune ressource ne correspond à cette adresse.",
    }


def test_outside_the_api_a_404_stays_a_page(db):
    response = Client().get("/carnets/pas-un-uuid/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("value", [0, 1, "true", "oui", None])
def test_booleans_are_json_booleans_only(ft, value):  # noqa: F811
    _, token = make_token(ft)
    body = {"civilite": "mme", "nom_usage": "Martin", "prenoms": "Claire", "date_naissance": "1990-05-17"}
    response = api(token).post(
        reverse("api:beneficiaires"), {**body, "soumis_droits_devoirs": value}, content_type="application/json"
    )
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert "soumis_droits_devoirs" in response.json()["errors"]
    assert not Beneficiaire.unscoped_objects.exists()
    response = api(token).post(
        reverse("api:beneficiaires"), {**body, "soumis_droits_devoirs": False}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["soumis_droits_devoirs"] is False


@pytest.mark.parametrize("taille", ["null", "0", "201", "2.5", "-1", "abc", ""])
def test_page_size_is_an_integer_from_1_to_200(ft, taille):  # noqa: F811
    _, value = make_token(ft)
    response = api(value).get(reverse("api:orientations"), {"taille": taille})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == {"taille": ["Nombre entier de 1 à 200 attendu."]}
    assert api(value).get(reverse("api:orientations"), {"taille": "200"}).status_code == 200


def test_page_size_is_documented_as_its_bounds(schema):
    parameters = schema["paths"]["/api/v1/orientations/"]["get"]["parameters"]
    taille = next(p for p in parameters if p["name"] == "taille")
    assert taille["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


def test_search_needs_one_criterion_and_the_schema_says_so(schema, carnet_suivi, ft):  # noqa: F811
    parameters = schema["paths"]["/api/v1/beneficiaires/"]["get"]["parameters"]
    criteres = next(p for p in parameters if p["name"] == "criteres")
    assert criteres["in"] == "query" and criteres["required"] is True
    assert criteres["style"] == "form" and criteres["explode"] is True
    assert criteres["schema"]["minProperties"] == 1
    _, value = make_token(ft)
    client = api(value)
    assert client.get(reverse("api:beneficiaires")).status_code == 400
    # A criterion given blank is refused (the schema's pattern), not read as absent.
    response = client.get(reverse("api:beneficiaires"), {"nom": " ", "date_naissance": "1990-01-01"})
    assert response.status_code == 400 and response.json()["errors"] == {
        "nom": ["Critère vide : donnez une valeur ou retirez-le."]
    }
    response = client.get(reverse("api:beneficiaires"), {"nom": "lefevre"})
    assert response.status_code == 200 and [r["id"] for r in response.json()["results"]] == [
        str(carnet_suivi.beneficiaire.uid)
    ]


def test_months_of_the_indicators_are_documented_as_they_are_read(schema, ft):  # noqa: F811
    parameters = schema["paths"]["/api/v1/indicateurs/"]["get"]["parameters"]
    depuis = next(p for p in parameters if p["name"] == "depuis")
    assert depuis["schema"]["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$" and "format" not in depuis["schema"]


def test_a_service_record_has_the_json_types_of_the_schema(dep_a):
    referentiel_geo()
    structure = StructureFactory(departement=dep_a, type="association")
    _, value = make_token(structure, scopes=ECRITURE)
    response = api(value).post(
        reverse("api:offre_services"), record(volume_horaire_hebdomadaire="2"), content_type="application/json"
    )
    assert response.status_code == 400 and "volume_horaire_hebdomadaire" in response.json()["errors"]
    response = api(value).post(reverse("api:offre_services"), record(date_maj="AAA"), content_type="application/json")
    assert response.status_code == 400 and "date_maj" in response.json()["errors"]
    # The fields the platform sets may be sent null (the published record has them).
    response = api(value).post(
        reverse("api:offre_services"),
        record(volume_horaire_hebdomadaire=2, date_maj=None, source=None, id=None),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_every_error_of_every_operation_is_a_documented_problem(schema):
    assert "Probleme" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "403", "404", "406", "429"}
            if "requestBody" in operation:
                expected |= {"400", "415"}
            assert expected <= responses.keys(), (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert response["content"].keys() == {"application/problem+json"}, (method, path, status)
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Probleme"
                    }


def test_free_text_query_parameters_are_documented_without_nul(schema, ft):  # noqa: F811
    parameters = schema["paths"]["/api/v1/webhooks/"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert cursor["schema"]["pattern"] == "^[^\\x00]*$"
    _, value = make_token(ft)
    response = api(value).get(reverse("api:webhooks"), {"cursor": "a\x00b"})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("etat_droit_rsa", 2, "Texte attendu."),
        ("nom_usage", 12, "Texte attendu."),
        ("date_naissance", 19900517, "Texte attendu."),
        ("code_insee_commune", 76540, "Texte attendu."),
    ],
)
def test_json_values_have_the_type_the_schema_declares(ft, name, value, message):  # noqa: F811
    _, token = make_token(ft)
    body = {"civilite": "mme", "nom_usage": "Martin", "prenoms": "Claire", "date_naissance": "1990-05-17"}
    response = api(token).post(reverse("api:beneficiaires"), {**body, name: value}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"] == {name: [message]}


@pytest.mark.parametrize(
    "route, parameter",
    [
        ("api:orientations", "statut"),
        ("api:orientations", "carnet"),
        ("api:prescriptions", "statut"),
        ("api:indicateurs", "perimetre"),
        ("api:offre_services", "thematique"),
    ],
)
def test_a_query_parameter_given_empty_is_refused_not_ignored(ft, route, parameter):  # noqa: F811
    _, value = make_token(ft)
    response = api(value).get(reverse(route), {parameter: ""})
    assert response.status_code == 400 and response.json()["errors"] == {
        parameter: ["Valeur vide : donnez une valeur ou retirez le paramètre."]
    }


def test_an_empty_flux_file_is_refused_as_not_a_flux(ft):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, value = make_token(ft)
    response = api(value).post(reverse("api:flux_caf"), {"fichier": SimpleUploadedFile("flux.xml", b"")})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM


def test_a_repeated_value_of_a_set_is_refused(dep_a):
    referentiel_geo()
    structure = StructureFactory(departement=dep_a, type="association")
    _, value = make_token(structure, scopes=ECRITURE)
    response = api(value).post(
        reverse("api:offre_services"),
        record(mobilisable_par=["professionnels", "professionnels"]),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["mobilisable_par"] == ["Valeur en double dans la liste."]


def test_webhook_targets_are_documented_https(schema):
    url = schema["components"]["schemas"]["AbonnementRequest"]["properties"]["url"]
    assert url["pattern"] == "^https://" and url["format"] == "uri"
    evenements = schema["components"]["schemas"]["AbonnementRequest"]["properties"]["evenements"]
    assert evenements["minItems"] == 1


def test_an_undocumented_query_parameter_is_refused_not_ignored(ft):  # noqa: F811
    # A misspelt filter would otherwise return everything; a write with stray parameters is refused before it acts.
    _, value = make_token(ft)
    client = api(value)
    response = client.get(reverse("api:orientations") + "?statuts=validee")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"statuts"}
    assert client.get(reverse("api:orientations") + "?statut=validee&format=json").status_code == 200
    response = client.post(reverse("api:beneficiaires") + "?x=1", {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"x"}
