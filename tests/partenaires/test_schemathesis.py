"""Property-based test of the partner API against its own generated OpenAPI schema (schemathesis).

Bounded examples per operation; the API runs in-process (WSGI) on the test database, with a token of
every scope so that requests reach the views. Checks: no server error, documented status codes,
content types and response bodies that match the schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.offre.factories import PrescriptionFactory, ServiceFactory, SessionFactory, referentiel_geo
from tests.orientation.factories import DossierFactory, OrientationFactory
from tests.security.world import build_token
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory


@pytest.fixture
def api_token(db):
    departement = DepartementFactory(code="76")
    structure = StructureFactory(departement=departement, type="france_travail")
    admin = MembershipFactory(structure=structure, role="admin_departement").user
    for _ in range(3):
        carnet = CarnetFactory(departement=departement)
        MembreGroupeFactory(carnet=carnet, structure=structure, est_referent=True)
    # Rows for the list endpoints to answer (their bodies are checked against the schema too).
    referentiel_geo()
    service = ServiceFactory(structure=structure, zone_eligibilite=["76540"])
    PrescriptionFactory(service=service, carnet=carnet, session=SessionFactory(service=service))
    OrientationFactory(dossier=DossierFactory(carnet=carnet), structure=structure, validee=True, referent=admin)
    _, value = build_token(departement, structure, admin)
    return value


@pytest.fixture
def api_objets(api_token):
    """The fixture's objects by path: random identifiers only reach the 404 of the detail routes."""
    from carnet.models import Carnet
    from offre.models import Prescription, Service
    from orientation.models import Orientation

    carnet = Carnet.unscoped_objects.filter(orientations__isnull=False).select_related("beneficiaire").get()
    prescription = Prescription.unscoped_objects.get()
    return {
        "/api/v1/offre/services/{uid}/": Service.unscoped_objects.get().uid,
        "/api/v1/orientations/{uid}/": Orientation.unscoped_objects.get().uid,
        "/api/v1/prescriptions/{uid}/": prescription.uid,
        "/api/v1/prescriptions/{uid}/accepter/": prescription.uid,
        "/api/v1/prescriptions/{uid}/refuser/": prescription.uid,
        "/api/v1/carnets/{uid}/": carnet.uid,
        "/api/v1/beneficiaires/{uid}/": carnet.beneficiaire.uid,
    }


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # As Django's test client does: the real WSGI handler must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_api_conforms_to_its_schema(api_schema, api_token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)

        check()


def test_api_conforms_to_its_schema_on_existing_objects(api_schema, api_token, api_objets):
    """The detail and action routes on real objects (a service, an orientation, a prescription, a carnet…),
    with the ETag just read so that generated writes get past the precondition."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    covered = [operation for operation in operations if operation.path in api_objets]
    assert {operation.path for operation in covered} == set(api_objets)
    for operation in covered:

        def on_object(case, uid=api_objets[operation.path]):
            case.path_parameters = {**(case.path_parameters or {}), "uid": str(uid)}
            return case

        @given(case=operation.as_strategy().map(on_object))
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case):
            headers = {"Authorization": f"Bearer {api_token}"}
            if case.method in ("PUT", "PATCH"):  # the current version, read just before (`*` is refused)
                read = api_schema[operation.path]["GET"].Case(path_parameters=case.path_parameters)
                headers["If-Match"] = read.call(headers=headers).headers.get("ETag", "")
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
