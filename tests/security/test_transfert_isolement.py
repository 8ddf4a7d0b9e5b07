"""After a transfer, the sending département sees nothing of the person: every route of the registry that addresses
the carnet or one of its rows answers 404 to each of its roles (pages and partner API), and its search, portfolio,
orientation queue and API lists no longer show them; the receiving département reaches them."""

import pytest
from django.test import Client
from django.urls import reverse

from carnet.models import OrigineTransfert
from carnet.services.rapport_personne import lignes_de, modeles_lies
from carnet.services.transfert import transfert_accepter, transfert_proposer
from spie.models import Role
from spie.tenancy import all_departements, departement_scope
from tests.carnet.personne import personne_complete
from tests.security.registry import API_TOKENS, OBJECT_ROUTES
from tests.security.test_routes import _api_answers_get, _release
from tests.security.world import ALL_ROLES, build_world

SENTINELLE = "Zorglubienne"
PRENOM = "Philomène"


@pytest.fixture
def transfere(db):
    """World A's complete person, transferred to world B."""
    from sanctions.models import DossierManquement

    a = build_world("76", "Seine-Maritime")
    b = build_world("08", "Ardennes")
    personne_complete(a)
    DossierManquement.unscoped_objects.filter(carnet=a.carnet).update(etat="termine")
    with departement_scope(a.departement):
        transfert = transfert_proposer(
            carnet=a.carnet,
            vers=b.departement,
            origine=OrigineTransfert.ADMIN,
            par=a.users_by_role[Role.ADMIN_DEPARTEMENT],
        )
    with departement_scope(b.departement):
        transfert_accepter(transfert=transfert, par=b.users_by_role[Role.ADMIN_DEPARTEMENT])
    return a, b


def _uids_du_carnet(carnet):
    liens = modeles_lies()
    uids = set()
    with all_departements():
        for model in liens:
            if any(f.name == "uid" for f in model._meta.concrete_fields):
                uids.update(str(uid) for uid in lignes_de(model, carnet, liens).values_list("uid", flat=True))
    return uids


def _routes_du_carnet(world):
    """The registry's object routes whose every object is the carnet or one of its rows."""
    uids = _uids_du_carnet(world.carnet)
    routes = {}
    for name, builder in OBJECT_ROUTES.items():
        try:
            kwargs = builder(world)
        except AttributeError:
            continue
        if kwargs and all(str(value) in uids for value in kwargs.values()):
            routes[name] = kwargs
    return routes


def test_the_check_covers_the_carnet_pages_and_the_api(transfere):
    a, _ = transfere
    routes = _routes_du_carnet(a)
    for name in ("carnet:detail", "carnet:notes", "carnet:plan", "api:carnet", "api:prescription", "api:orientation"):
        assert name in routes, name
    assert len(routes) > 40


def test_the_sending_departement_gets_404_on_every_route_of_the_carnet(transfere):
    a, _ = transfere
    failures = []
    for name, kwargs in sorted(_routes_du_carnet(a).items()):
        url = reverse(name, kwargs=kwargs)
        if name.startswith("api:"):
            # A route answering one kind of structure only (the paying body's reading) gets that kind's token.
            jeton = API_TOKENS[name](a) if name in API_TOKENS else a.jeton_valeur
            client = Client(headers={"Authorization": f"Bearer {jeton}"})
            for method in ("get", "post", "patch"):
                response = getattr(client, method)(url, content_type="application/json", headers={"If-Match": "*"})
                allowed = {404, 405} if method != "get" or not _api_answers_get(url) else {404}
                if response.status_code not in allowed:
                    failures.append(f"jeton de A {method.upper()} {url} : {response.status_code}")
            continue
        for role in ALL_ROLES:
            client = Client()
            client.force_login(a.users_by_role[role])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                _release(response)
                allowed = {404, 405} if method == "get" else {404}
                if response.status_code not in allowed:
                    failures.append(f"{role} {method.upper()} {name} : {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_sending_departement_lists_and_searches_find_nothing(transfere):
    a, _ = transfere
    pages = [
        reverse("carnet:portefeuille"),
        reverse("carnet:portefeuille") + "?filtre=tous",
        reverse("carnet:recherche") + f"?nom={SENTINELLE}",
        reverse("orientation:file"),
        reverse("carnet:acces_exceptionnels"),
        reverse("offre:prescriptions_recues"),
    ]
    for role in ALL_ROLES:
        client = Client()
        client.force_login(a.users_by_role[role])
        for url in pages:
            response = client.get(url)
            _release(response)
            if response.status_code == 200 and not response.streaming:
                contenu = response.content.decode()
                # The search page repeats the name searched for: the person's first name and carnet must not appear.
                assert PRENOM not in contenu and str(a.carnet.uid) not in contenu, f"{role} {url}"
    api = Client(headers={"Authorization": f"Bearer {a.jeton_valeur}"})
    for name in ("api:orientations", "api:prescriptions"):
        response = api.get(reverse(name))
        assert response.status_code == 200, name
        assert SENTINELLE not in response.content.decode(), name
        assert str(a.carnet.uid) not in response.content.decode(), name


def test_the_receiving_departement_reaches_the_person(transfere):
    a, b = transfere
    client = Client()
    client.force_login(b.users_by_role[Role.ADMIN_DEPARTEMENT])
    assert client.get(reverse("carnet:detail", kwargs={"uid": a.carnet.uid})).status_code == 200
    response = client.get(reverse("carnet:recherche") + f"?nom={SENTINELLE}")
    assert SENTINELLE.upper() in response.content.decode().upper()
    response = client.get(reverse("orientation:file"))
    assert SENTINELLE.upper() in response.content.decode().upper()
