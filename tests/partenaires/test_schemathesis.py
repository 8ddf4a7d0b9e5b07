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
    _, value = build_token(departement, structure, admin)
    return value


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
