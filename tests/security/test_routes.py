"""Generated security tests over every URL pattern of the project (`get_resolver()`).

(a) anonymous requests get the login redirect (or 401/403) except for the registry's allow-list;
(b) for every route taking an object, a user of département B, whatever their role, gets 404 on
département A's object, for GET and POST.
A new route that is not in tests/security/registry.py makes `test_every_route_is_registered` fail.
"""

import pytest
from django.test import Client
from django.urls import resolve, reverse

from tests.security.registry import (
    API_TOKENS,
    OBJECT_ROUTES,
    PARAM_ROUTES,
    PLAIN_ROUTES,
    PUBLIC,
    UNNAMED_PREFIXES,
    USAGER_LOGIN_PATH,
    USAGER_ROUTES,
    project_routes,
)
from tests.security.world import ALL_ROLES, build_world

LOGIN_PATH = "/comptes/login/"


def test_every_route_is_registered():
    registered = PLAIN_ROUTES | set(OBJECT_ROUTES) | set(PARAM_ROUTES) | set(USAGER_ROUTES)
    names, problems = set(), []
    for name, route, has_params in project_routes():
        if name is None:
            if not route.startswith(UNNAMED_PREFIXES):
                problems.append(f"route sans nom non autorisée : {route}")
            continue
        names.add(name)
        if name not in registered:
            problems.append(f"route absente du registre de sécurité : {name} ({route})")
        elif has_params and name not in OBJECT_ROUTES and name not in PARAM_ROUTES and not USAGER_ROUTES.get(name):
            problems.append(f"route à paramètres à déclarer dans OBJECT_ROUTES ou PARAM_ROUTES : {name}")
    problems += [f"route du registre qui n'existe plus : {name}" for name in sorted(registered - names)]
    problems += [f"route publique inconnue : {name}" for name in sorted(set(PUBLIC) - names)]
    problems += [f"route déclarée deux fois : {n}" for n in sorted(set(OBJECT_ROUTES) & set(PARAM_ROUTES))]
    problems += [f"route déclarée deux fois : {n}" for n in sorted(PLAIN_ROUTES & set(OBJECT_ROUTES))]
    assert not problems, "\n".join(problems)


@pytest.fixture
def world_a(db):
    return build_world("76", "Seine-Maritime")


@pytest.fixture
def world_b(db):
    return build_world("08", "Ardennes")


def _kwargs(name, world):
    builder = OBJECT_ROUTES.get(name) or PARAM_ROUTES.get(name) or USAGER_ROUTES.get(name)
    return builder(world) if builder else {}


def _release(response):
    """Consume a streamed response so its file is closed (response.close() would close the DB connection)."""
    if response.streaming:
        b"".join(response.streaming_content)  # the test client's wrapper closes the file at the end


def _api_answers_get(url):
    view_class = getattr(resolve(url).func, "view_class", None)
    return view_class is None or "get" in view_class.http_method_names


def _is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PATH)


@pytest.mark.parametrize(
    "name", sorted((PLAIN_ROUTES | set(OBJECT_ROUTES) | set(PARAM_ROUTES) | set(USAGER_ROUTES)) - set(PUBLIC))
)
def test_anonymous_request_gets_login_redirect(name, world_a):
    url = reverse(name, kwargs=_kwargs(name, world_a))
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        _release(response)
        if name in USAGER_ROUTES:
            # The person's pages send to the person's own login, whatever the method.
            assert response.status_code == 302 and response["Location"] == USAGER_LOGIN_PATH, (
                f"{method.upper()} {url} anonyme : {response.status_code} {response.get('Location', '')}"
            )
            continue
        assert _is_login_redirect(response) or response.status_code in (401, 403), (
            f"{method.upper()} {url} anonyme : {response.status_code} {response.get('Location', '')}"
        )


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_route_answers_without_server_error(name, world_a):
    url = reverse(name, kwargs=_kwargs(name, world_a))
    response = Client().get(url)
    assert response.status_code < 500, f"GET {url} : {response.status_code}"


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_other_departement_gets_404_for_every_role(name, world_a, world_b):
    url = reverse(name, kwargs=OBJECT_ROUTES[name](world_a))
    failures = []
    if name.startswith("api:"):
        # The partner API knows tokens, not sessions: département B's token (every scope) gets 404.
        jeton_b = API_TOKENS[name](world_b) if name in API_TOKENS else world_b.jeton_valeur
        client = Client(headers={"Authorization": f"Bearer {jeton_b}"})
        for method in ("get", "post", "patch"):
            response = getattr(client, method)(url, content_type="application/json", headers={"If-Match": "*"})
            # An action route (POST only) answers any other method with 405 before any lookup: that reveals nothing.
            allowed = {404, 405} if method != "get" or not _api_answers_get(url) else {404}
            if response.status_code not in allowed:
                failures.append(f"jeton de B {method.upper()} {url} : {response.status_code}")
        assert not failures, "\n".join(failures)
        return
    for role in ALL_ROLES:
        client = Client()
        client.force_login(world_b.users_by_role[role])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            _release(response)
            # A POST-only route answers a GET with 405 before any lookup: that reveals nothing.
            allowed = {404, 405} if method == "get" else {404}
            if response.status_code not in allowed:
                failures.append(f"{role} {method.upper()} {url} : {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_own_departement_object_is_reachable_by_someone_of_its_departement(name, world_a):
    """The 404 above must come from the tenant scope, not from a route that never works."""
    url = reverse(name, kwargs=OBJECT_ROUTES[name](world_a))
    if name.startswith("api:"):
        jeton_a = API_TOKENS[name](world_a) if name in API_TOKENS else world_a.jeton_valeur
        client = Client(headers={"Authorization": f"Bearer {jeton_a}"})
        if not _api_answers_get(url):
            # An action route: its object is looked up before the body is read, so an empty body is not a 404.
            response = client.post(url, {}, content_type="application/json")
            assert response.status_code not in (404, 405) and response.status_code < 500, (
                f"POST {url} : {response.status_code} {response.content[:300]}"
            )
            return
        response = client.get(url)
        assert response.status_code == 200, f"GET {url} : {response.status_code} {response.content[:300]}"
        return
    statuses = {}
    for role, user in world_a.users_by_role.items():
        client = Client()
        client.force_login(user)
        response = client.get(url)
        _release(response)
        statuses[role] = response.status_code
    assert any(status in (200, 302, 405) for status in statuses.values()), f"GET {url} : {statuses}"


def test_departement_users_cannot_enter_the_national_admin(world_a):
    for role, user in world_a.users_by_role.items():
        client = Client()
        client.force_login(user)
        response = client.get(reverse("admin:spie_structure_changelist"))
        assert response.status_code == 302 and "/admin-nationale/login/" in response["Location"], role


def test_superadmin_sees_every_departement_in_the_national_admin(world_a, world_b):
    from tests.spie.factories import TotpFactory, UserFactory

    superadmin = UserFactory(is_superuser=True, is_staff=True)
    TotpFactory(user=superadmin)
    client = Client()
    client.force_login(superadmin)
    page = client.get(reverse("admin:spie_structure_changelist")).content.decode()
    assert world_a.structure.nom in page and world_b.structure.nom in page
