"""Partner API: the offer catalogue in the data·inclusion schema v1 (`offre:read`, `offre:write`).

Personas: an association of département A that publishes its services (`association`); a mission locale of
the same département with its own services (`mission_locale`); département B.
"""

import datetime

import pytest
from data_inclusion.schema import v1
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offre import schema
from offre.models import Service
from partenaires.models import Scope
from spie.tenancy import departement_scope
from tests.offre.factories import ServiceFactory, referentiel_geo
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import StructureFactory

pytestmark = pytest.mark.usefixtures("unscoped")

STRICT = {"ignore_warnings": False}
LECTURE = [Scope.OFFRE_READ]
ECRITURE = [Scope.OFFRE_READ, Scope.OFFRE_WRITE]
DESCRIPTION = (
    "Des séances d'une heure pour apprendre à utiliser un ordinateur, envoyer un courriel et faire ses démarches "
    "en ligne. Un conseiller numérique accompagne chaque personne à son rythme, sans prérequis."
)


@pytest.fixture
def geo(db):
    return referentiel_geo()


@pytest.fixture
def association(dep_a, geo):
    return StructureFactory(departement=dep_a, type="association", nom="Association Tremplin", commune=geo.rouen)


@pytest.fixture
def mission_locale(dep_a):
    return StructureFactory(departement=dep_a, type="mission_locale", nom="Mission locale de Dieppe")


def record(**extra):
    """A data·inclusion `Service` record as a partner writes it (the platform sets source, id and date_maj)."""
    return {
        "nom": "Atelier numérique",
        "description": DESCRIPTION,
        "type": "atelier",
        "thematiques": ["numerique--maitriser-les-fondamentaux-du-numerique"],
        "frais": "gratuit",
        "publics": ["tous-publics"],
        "zone_eligibilite": ["76540"],
        "modes_accueil": ["en-presentiel"],
        "code_insee": "76540",
        "adresse": "3 rue Jeanne d'Arc",
        "telephone": "0235000000",
        "modes_mobilisation": ["telephoner"],
        "mobilisable_par": ["professionnels"],
        **extra,
    }


def url(name, service=None):
    return reverse(f"api:{name}", kwargs={"uid": service.uid} if service else None)


def validated(records, model):
    for item in records:
        model.model_validate(item, context=STRICT)
    return records


# --- Reading ----------------------------------------------------------------------------------------------


def test_services_are_exactly_the_export_records(association, mission_locale):
    publie = ServiceFactory(structure=association)
    ServiceFactory(structure=mission_locale, a_valider=True)
    ServiceFactory(structure=mission_locale, suspendu=True)
    _, value = make_token(mission_locale, scopes=LECTURE)
    response = api(value).get(url("offre_services"))
    assert response.status_code == 200
    results = validated(response.json()["results"], v1.Service)
    with departement_scope(association.departement):
        assert results == [schema.export_service(Service.objects.select_related("structure").get(pk=publie.pk))]


def test_structures_are_exactly_the_export_records_of_those_with_a_published_service(association, mission_locale):
    ServiceFactory(structure=association)
    ServiceFactory(structure=mission_locale, a_valider=True)
    _, value = make_token(mission_locale, scopes=LECTURE)
    results = validated(api(value).get(url("offre_structures")).json()["results"], v1.Structure)
    assert results == [schema.export_structure(association)]
    assert results[0]["code_insee"] == "76540"


def test_filters_by_thematique_commune_and_modification_date(association, mission_locale, geo):
    numerique = ServiceFactory(
        structure=association,
        thematiques=["numerique--maitriser-les-fondamentaux-du-numerique"],
        zone_eligibilite=["76540"],
    )
    permis = ServiceFactory(
        structure=mission_locale, thematiques=["mobilite--preparer-un-permis"], zone_eligibilite=["200023414"]
    )
    dieppe = ServiceFactory(structure=mission_locale, zone_eligibilite=["76217"])
    Service.objects.filter(pk=dieppe.pk).update(updated_at=timezone.now() - datetime.timedelta(days=30))
    _, value = make_token(mission_locale, scopes=LECTURE)

    def ids(name="offre_services", **params):
        response = api(value).get(url(name), params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["results"]}

    assert ids(thematique="numerique") == {numerique.di_id}  # a category selects its thematiques
    assert ids(thematique="mobilite--preparer-un-permis") == {permis.di_id}
    # Sotteville belongs to the Rouen metropolis (EPCI 200023414): open to the permit, not to Rouen's workshop.
    assert ids(code_commune=geo.sotteville.code_insee) == {permis.di_id}
    assert ids(code_commune=geo.rouen.code_insee) == {numerique.di_id, permis.di_id}
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids(modifie_depuis=since) == {numerique.di_id, permis.di_id}
    assert ids("offre_structures", thematique="numerique") == {association.di_id}
    assert ids("offre_structures", code_commune=geo.dieppe.code_insee) == {mission_locale.di_id}


def test_unknown_thematique_is_a_400_problem_in_french(mission_locale, geo):
    _, value = make_token(mission_locale, scopes=LECTURE)
    response = api(value).get(url("offre_services"), {"code_commune": "99999", "thematique": "bricolage"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "thematique" in response.json()["errors"]


def test_a_well_formed_code_of_no_commune_is_a_404_problem_in_french(mission_locale, geo):
    """The schema allows any 5-character code: a code that names no commune is not found, not a bad request."""
    _, value = make_token(mission_locale, scopes=LECTURE)
    response = api(value).get(url("offre_services"), {"code_commune": "99999"})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Aucune commune du Code officiel géographique ne porte le code « 99999 »."


def test_list_query_count_does_not_grow_with_rows(association, mission_locale):
    _, value = make_token(mission_locale, scopes=LECTURE)
    client = api(value)
    for name in ("offre_services", "offre_structures"):
        ServiceFactory.create_batch(3, structure=StructureFactory(departement=association.departement))
        with CaptureQueriesContext(connection) as three:
            count = len(client.get(url(name)).json()["results"])
        ServiceFactory.create_batch(3, structure=StructureFactory(departement=association.departement))
        with CaptureQueriesContext(connection) as more:
            assert len(client.get(url(name)).json()["results"]) > count >= 3
        assert len(more) == len(three), name


def test_detail_carries_an_etag_and_hides_other_structures_unpublished_services(association, mission_locale):
    publie = ServiceFactory(structure=association)
    en_attente = ServiceFactory(structure=association, a_valider=True)
    _, value = make_token(mission_locale, scopes=LECTURE)
    response = api(value).get(url("offre_service", publie))
    assert response.status_code == 200 and response["ETag"] == f'"{publie.uid}-{publie.version}"'
    validated([response.json()], v1.Service)
    refused = api(value).get(url("offre_service", en_attente))
    assert refused.status_code == 403 and "pas publié" in refused.json()["detail"]
    _, own = make_token(association, scopes=LECTURE)
    assert api(own).get(url("offre_service", en_attente)).status_code == 200


def test_other_departement_token_gets_404(dep_b, association):
    service = ServiceFactory(structure=association)
    _, value = make_token(StructureFactory(departement=dep_b), scopes=ECRITURE)
    client = api(value)
    assert client.get(url("offre_service", service)).status_code == 404
    response = client.put(
        url("offre_service", service), record(), content_type="application/json", headers={"If-Match": "*"}
    )
    assert response.status_code == 404
    assert client.get(url("offre_services")).json()["results"] == []


def test_reading_needs_offre_read(association):
    service = ServiceFactory(structure=association)
    _, value = make_token(association, scopes=[Scope.OFFRE_WRITE])
    client = api(value)
    for path in (url("offre_services"), url("offre_structures"), url("offre_service", service)):
        response = client.get(path)
        assert response.status_code == 403 and "offre:read" in response.json()["detail"]
    assert client.head(url("offre_service", service)).status_code == 403


# --- Writing ----------------------------------------------------------------------------------------------


def test_partner_publishes_a_service_of_its_structure_awaiting_moderation(association):
    _, value = make_token(association, scopes=ECRITURE)
    response = api(value).post(
        url("offre_services"),
        record(source="autre", id="autre--1", date_maj="2020-01-01"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    service = Service.objects.get()
    assert service.structure == association and service.statut == "a_valider" and service.created_by is None
    assert (
        service.source == association.departement.source_slug and service.di_id == f"{service.source}--{service.uid}"
    )
    assert service.date_maj == schema.today() and service.commune == "Rouen"
    assert response["Location"].endswith(url("offre_service", service))
    assert response["ETag"] == f'"{service.uid}-{service.version}"'
    data = validated([response.json()], v1.Service)[0]
    assert data == schema.export_service(service) and data["structure_id"] == association.di_id
    # Not in the catalogue until the département publishes it.
    assert api(value).get(url("offre_services")).json()["results"] == []


@pytest.mark.parametrize(
    "extra, champ, message",
    [
        ({"thematiques": ["numerique--inconnue"]}, "thematiques", "Valeur inconnue du référentiel data·inclusion"),
        ({"zone_eligibilite": ["76999"]}, "zone_eligibilite", "Code inconnu du Code officiel géographique"),
        ({"nom": "Ab"}, "nom", "Texte trop court : 3 caractères au moins."),
        ({"nom": "Atelier numérique."}, "nom", "ne doit pas se terminer par un point"),
        ({"adresse": "1 rue\x00"}, "adresse", "Caractère invalide"),
        ({"description": None}, "description", "Champ obligatoire manquant."),
    ],
)
def test_invalid_record_is_refused_with_the_package_messages_in_french(association, extra, champ, message):
    _, value = make_token(association, scopes=ECRITURE)
    payload = {key: val for key, val in record(**extra).items() if val is not None}
    response = api(value).post(url("offre_services"), payload, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert any(message in text for text in response.json()["errors"][champ]), response.json()
    assert not Service.objects.exists()


def test_partner_cannot_write_for_another_structure(association, mission_locale):
    _, value = make_token(association, scopes=ECRITURE)
    response = api(value).post(
        url("offre_services"), record(structure_id=mission_locale.di_id), content_type="application/json"
    )
    assert response.status_code == 400 and association.di_id in response.json()["errors"]["structure_id"][0]
    other = ServiceFactory(structure=mission_locale)
    put = api(value).put(
        url("offre_service", other), record(), content_type="application/json", headers={"If-Match": "*"}
    )
    assert put.status_code == 403 and "autre structure" in put.json()["detail"]
    assert Service.objects.get(pk=other.pk).nom == other.nom


def test_creation_is_safe_to_retry_with_an_idempotency_key(association):
    _, value = make_token(association, scopes=ECRITURE)
    client = api(value)
    headers = {"Idempotency-Key": "service-1"}
    first = client.post(url("offre_services"), record(), content_type="application/json", headers=headers)
    again = client.post(url("offre_services"), record(), content_type="application/json", headers=headers)
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Location"] == first["Location"] and again["ETag"] == first["ETag"]
    assert Service.objects.count() == 1
    other = client.post(
        url("offre_services"), record(nom="Autre atelier"), content_type="application/json", headers=headers
    )
    assert other.status_code == 422 and Service.objects.count() == 1


def test_writing_needs_offre_write(association):
    service = ServiceFactory(structure=association)
    _, value = make_token(association, scopes=LECTURE)
    client = api(value)
    created = client.post(url("offre_services"), record(), content_type="application/json")
    replaced = client.put(
        url("offre_service", service), record(), content_type="application/json", headers={"If-Match": "*"}
    )
    for response in (created, replaced):
        assert response.status_code == 403 and "offre:write" in response.json()["detail"]
    assert Service.objects.count() == 1 and Service.objects.get().nom == service.nom


def test_replacing_a_service_needs_the_etag_read(association):
    service = ServiceFactory(structure=association, suspendu=True)
    _, value = make_token(association, scopes=ECRITURE)
    client = api(value)
    path = url("offre_service", service)

    def put(**headers):
        return client.put(
            path, record(nom="Atelier numérique renouvelé"), content_type="application/json", headers=headers
        )

    missing = put()
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    etag = client.get(path)["ETag"]
    Service.objects.filter(pk=service.pk).update(version=service.version + 1)  # someone else saved meanwhile
    assert put(**{"If-Match": etag}).status_code == 412
    etag = client.get(path)["ETag"]
    response = put(**{"If-Match": etag})
    assert response.status_code == 200, response.content
    service.refresh_from_db()
    assert service.nom == "Atelier numérique renouvelé" and service.date_maj == schema.today()
    # A suspended service edited by its structure goes back to the département's moderation.
    assert service.statut == "a_valider" and service.di_id.startswith("test--")
    assert response["ETag"] == f'"{service.uid}-{service.version}"' != etag
    assert validated([response.json()], v1.Service)[0]["nom"] == "Atelier numérique renouvelé"
    # The record is replaced as a whole: a field left out is emptied.
    assert service.conditions_acces == "" and response.json()["conditions_acces"] is None
