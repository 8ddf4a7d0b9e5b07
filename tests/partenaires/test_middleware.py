"""The partner token middleware: the token, never a session, opens the API's tenant scope; spie/ does not know it."""

import ast
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from partenaires.models import AppelApi
from tests.partenaires.test_api import api, make_token

ROOT = Path(__file__).resolve().parents[2]

# spie/ is the foundation: only the project's composition (settings, root URLs, the demo loader that fills
# every app) may name the partner app.
# Composition roots: they assemble every app (settings, URLs, the demo, the benchmarks that walk every route).
COMPOSITION = {
    "spie/settings/base.py",
    "spie/urls.py",
    "spie/management/commands/charger_demo.py",
    "spie/dev/bench_pages.py",
    "spie/management/commands/bench_charge_personas.py",
}


def _imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_the_foundation_does_not_import_the_partner_app():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "spie").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in COMPOSITION
        and any(name.split(".")[0] == "partenaires" for name in _imported_modules(path))
    ]
    assert offenders == []


def test_the_token_middleware_runs_before_the_tenant_middleware():
    middleware = settings.MIDDLEWARE
    assert middleware.index("partenaires.middleware.PartnerTokenMiddleware") < middleware.index(
        "spie.middleware.TenantMiddleware"
    )


def test_a_logged_in_agent_without_token_gets_401_and_the_call_is_logged(client_agent_a, unscoped):
    response = client_agent_a.get(reverse("api:beneficiaires"), {"nom": "x"})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    call = AppelApi.objects.latest("id")
    assert (call.jeton_id, call.departement_id, call.statut) == (None, None, 401)


def test_the_token_sets_the_request_context_of_its_structure(structure_a, unscoped):
    jeton, value = make_token(structure_a)
    response = api(value).get(reverse("api:beneficiaires"), {"nom": "x"})
    assert response.status_code == 200
    call = AppelApi.objects.latest("id")
    assert (call.jeton_id, call.departement_id, call.statut) == (jeton.pk, structure_a.departement_id, 200)
