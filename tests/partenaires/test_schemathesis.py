"""The partner API keeps its published contract: Schemathesis with every check against the generated schema.

The API runs in-process (WSGI) on the test database, with a token of every scope. Each operation goes through
Schemathesis's per-operation phases — the schema's examples, the *coverage* phase (boundary values, missing
required parameters and headers, wrong types, undeclared methods) and fuzzing — in both generation modes:
positive (schema-valid data: it must be accepted) and negative (schema-violating data: it must be refused).
The stateful run then chains operations through the links Schemathesis infers from the schema (a subscription
created is read back and deleted, a person created is read and updated…). Every check Schemathesis registers
runs on every response (`ALL_CHECKS`, asserted to be the complete registry):

- not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
  response_schema_conformance: every answer is documented, with its content type, headers and body;
- positive_data_acceptance, negative_data_rejection: what the schema allows is accepted, what it forbids is
  refused. The few refusals of schema-valid data that no JSON Schema can foresee are listed in
  `BEYOND_THE_SCHEMA`, each narrowed to its status and the fields the answer names, with the reason;
- missing_required_header: a PATCH or PUT without `If-Match` answers 428 Precondition Required (RFC 6585), the
  status made for it, which the check is told to expect beside its defaults;
- unsupported_method, allow_header_conformance: undeclared methods answer 405 with an `Allow` header, OPTIONS
  lists the documented methods;
- ignored_auth: an authenticated success is replayed without the token and with a wrong one: 401 expected;
- use_after_free, ensure_resource_availability: they judge chains of calls, so they act in the stateful run
  (an object created must be readable, a deleted one gone; the API deletes only webhook subscriptions);
- object_level_authorization compares the answers of two identities declared in Schemathesis's configuration
  of authentication (`[auth]` roles), which an in-process run with one token does not have: it runs and has
  nothing to compare. The isolation it aims at (another département's object: 404, another structure's: 403)
  is tested explicitly in tests/security/ and tests/partenaires/test_api*.py.

Examples are bounded (fuzzing `max_examples`, stateful steps) so that the test stays near a minute of CPU.
Failures of all operations are gathered and reported together, each with the request that reproduces it.
"""

import json
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config._checks import MISSING_REQUIRED_HEADER_EXPECTED_STATUSES
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from partenaires.api.base import JetonRateThrottle
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.offre.factories import PrescriptionFactory, ServiceFactory, SessionFactory, referentiel_geo
from tests.orientation.factories import DossierFactory, OrientationFactory
from tests.security.world import build_token
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory

load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not isinstance(check, type)]
EXPECTED_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
}


@dataclass(frozen=True)
class Rule:
    status: int
    fields: frozenset | None  # the keys of « errors » the answer may name; None: any answer of this status
    why: str


COMMUNE = Rule(
    400,
    frozenset({"code_insee_commune", "nir"}),
    "a commune of the COG (35,000 codes no schema lists); a NIR of 13 or 15 characters whose key (mod 97) matches",
)
OFFRE = Rule(
    400,
    frozenset(
        {
            "lien_source",
            "lien_mobilisation",
            "courriel",
            "telephone",
            "code_insee",
            "zone_eligibilite",
            "structure_id",
            "publics",
        }
    ),
    "the national referential (commune and zone codes), the token's own structure, Django's validators of "
    "URLs, e-mails and phone numbers, stricter than the `uri` and `email` formats, and data·inclusion's rule that "
    "`tous-publics` stands alone among the publics (`contains` is not in OpenAPI 3.0)",
)
# Refusals of schema-valid requests that a JSON Schema cannot foresee.
BEYOND_THE_SCHEMA = {
    "POST /api/v1/flux-caf/": Rule(422, None, "the file must be a CAF/MSA XML flux: content no schema describes"),
    "GET /api/v1/indicateurs/": Rule(400, frozenset({"depuis"}), "`depuis` precedes `jusqu_a`, 36 months at most"),
    "POST /api/v1/webhooks/": Rule(400, frozenset({"url"}), "an https URL valid for Django and public by DNS"),
    "POST /api/v1/beneficiaires/": COMMUNE,
    "PATCH /api/v1/beneficiaires/{uid}/": COMMUNE,
    "POST /api/v1/offre/services/": OFFRE,
    "PUT /api/v1/offre/services/{uid}/": OFFRE,
    "POST /api/v1/propositions-sanction/": Rule(
        400,
        frozenset({"proposition", "contrat", "rendez_vous"}),
        "the sanction file's rules: a person subject to rights and duties, one open file per failure, facts not in "
        "the future, the contract and appointments of that person, the département's scale for the rank",
    ),
}
# Any POST: an Idempotency-Key (a free string in the schema) that already served for another body is a 422; any
# PATCH or PUT: an If-Match that is not the object's current ETag is a 412.
CLE_REUTILISEE = "Cette clé d'idempotence a déjà servi pour une autre requête."
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    report_multiple_bugs=True,
    suppress_health_check=list(HealthCheck),
)


def beyond_the_schema(case, response):
    if response.status_code == 422 and _body(response).get("detail") == CLE_REUTILISEE:
        return True
    if response.status_code == 412 and "If-Match" in (case.headers or {}):
        return True  # an ETag is a version of the object (server state): a generated one is stale
    rule = BEYOND_THE_SCHEMA.get(case.operation.label)
    if rule is None or response.status_code != rule.status:
        return False
    if rule.fields is None:
        return True
    errors = _body(response).get("errors") or {}
    return bool(errors) and set(errors) <= rule.fields


def _body(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def checks_for(case, response):
    if beyond_the_schema(case, response):
        return [check for check in ALL_CHECKS if check is not positive_data_acceptance]
    return ALL_CHECKS


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
def api_schema(db, monkeypatch):
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # Webhook targets are resolved by DNS (partenaires/webhook_targets.py): every generated name resolves here to
    # one public address, so that the run neither waits on DNS nor depends on the network.
    monkeypatch.setattr("partenaires.webhook_targets.resolve", lambda host, port: ["1.1.1.1"])
    # The rate limit per token (tested in test_api.py) would answer 429 to a run of this size.
    monkeypatch.setattr(JetonRateThrottle, "THROTTLE_RATES", {"jeton": "1000000/minute"})
    # As Django's test client does: the real WSGI handler must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=6)
    schema.config.checks.missing_required_header.expected_statuses = [
        *MISSING_REQUIRED_HEADER_EXPECTED_STATUSES,
        "428",
    ]
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _failures_of(test):
    try:
        test()
    except BaseException as error:  # noqa: BLE001 — a Hypothesis group of failures, or one failure
        return sorted({f"{type(e).__name__}: {e}".strip() for e in getattr(error, "exceptions", [error])})
    return []


def test_every_check_is_run():
    assert {check.__name__ for check in ALL_CHECKS} == EXPECTED_CHECKS


def test_api_keeps_its_contract(api_schema, api_token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 28
    auth = {"Authorization": f"Bearer {api_token}"}
    reproductions = {}

    def call(case):
        response = case.call(headers=auth)
        try:
            case.validate_response(
                response, checks=checks_for(case, response), headers=auth, transport_kwargs={"headers": auth}
            )
        except BaseException:
            reproductions[case.operation.label] = f"{case.as_curl_command()}\n→ {response.status_code} {response.text}"
            raise

    failures = {}
    for operation in operations:
        test = build_operation_test(
            config=api_schema.config,
            operation=operation,
            test_func=call,
            given_kwargs={},
            feedback=FeedbackSources(),
            explicit_settings=SETTINGS,
        )
        found = _failures_of(test)
        if found:
            failures[operation.label] = [*found, reproductions.get(operation.label, "")]
    report = "\n\n".join(f"== {label}\n" + "\n".join(found) for label, found in failures.items())
    assert not failures, f"{len(failures)} operations fail:\n{report}"


def test_api_keeps_its_contract_across_calls(api_schema, api_token):
    """The stateful run: operations chained through the inferred links, every check on every step."""
    auth = {"Authorization": f"Bearer {api_token}"}
    machine = api_schema.as_state_machine()
    assert len(machine.bundles) >= 10  # links were found: creations, reads, updates, deletions

    class Checked(machine):
        def get_call_kwargs(self, case):
            return {"headers": auth}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=checks_for(case, response),
                headers=auth,
                transport_kwargs={"headers": auth},
                recorder=self.recorder,
            )

    Checked.run(settings=settings(SETTINGS, max_examples=15, stateful_step_count=6))
