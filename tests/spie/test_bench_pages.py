"""The generated page benchmark covers every route of the registry (spie/dev/bench_pages.py)."""

import io

import pytest
from django.core.management import call_command

from spie.dev import bench_pages
from spie.dev.bench_pages import EXCLUSIONS, SOURCES, client_kind, kwargs_builder, plan, registry_names
from tests.security.registry import PUBLIC, USAGER_ROUTES, project_routes
from tests.security.world import build_world


class _Anything:
    def __getattr__(self, name):
        return self


class _Recorder:
    """A world that remembers the names of the objects asked (the first level: `w.carnet.beneficiaire.uid` asks
    for `carnet`)."""

    def __init__(self, seen):
        self.__dict__["seen"] = seen

    def __getattr__(self, name):
        self.__dict__["seen"].add(name)
        return _Anything()


def test_every_route_has_a_request_builder_or_an_explained_exclusion():
    problems = []
    for name, _route, has_params in project_routes():
        if name is None or name in EXCLUSIONS:
            continue
        if name not in registry_names():
            problems.append(f"{name} : absente du registre, donc de la mesure")
        elif has_params and kwargs_builder(name) is None:
            problems.append(f"{name} : paramètres sans constructeur")
    assert not problems, "\n".join(problems)
    assert all(reason.strip() for reason in EXCLUSIONS.values())
    assert set(EXCLUSIONS) <= registry_names(), set(EXCLUSIONS) - registry_names()


def test_every_object_a_builder_reads_has_a_source_in_the_generated_data():
    seen = set()
    for name in registry_names():
        builder = kwargs_builder(name)
        if builder is not None:
            builder(_Recorder(seen))
    assert seen and seen - set(SOURCES) == set()


def test_client_of_each_kind_of_route():
    assert client_kind("spie:sante") == "anonyme" and "spie:sante" in PUBLIC
    assert client_kind("usager:mon_plan") == "usager" and "usager:mon_plan" in USAGER_ROUTES
    assert client_kind("api:carnet") == "jeton"
    assert client_kind("carnet:detail") == "professionnel"
    assert bench_pages.roles_for("orientation:file")[0] == "admin_departement"
    todo, excluded = plan(["account_logout", "carnet:detail"])
    assert todo == [("carnet:detail", "professionnel")] and [name for name, _ in excluded] == ["account_logout"]


@pytest.mark.django_db
def test_command_measures_the_routes_on_the_data_and_lists_the_missing_objects(settings):
    settings.SECURE_SSL_REDIRECT = False
    build_world("76", "Seine-Maritime")
    out = io.StringIO()
    call_command(
        "bench_pages",
        departement="76",
        iterations=2,
        routes=["carnet:detail", "carnet:portefeuille", "carnet:recherche", "api:carnet", "carnet:projet_modifier"],
        seuil=100_000,
        stdout=out,
    )
    report = out.getvalue()
    lines = {line.split()[0]: line for line in report.splitlines() if line.startswith(("carnet:", "api:"))}
    assert " 200 " in lines["carnet:detail"] and "référent" in lines["carnet:detail"]
    assert " 200 " in lines["carnet:recherche"] and " 200 " in lines["api:carnet"]
    assert "Toutes les routes mesurées sont sous" in report


@pytest.mark.django_db
def test_command_fails_over_the_threshold(settings):
    settings.SECURE_SSL_REDIRECT = False
    build_world("76", "Seine-Maritime")
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "bench_pages", departement="76", iterations=1, routes=["carnet:detail"], seuil=0, stdout=io.StringIO()
        )
    assert exit_.value.code == 1


@pytest.mark.django_db
def test_load_test_personas_open_their_pages(settings, tmp_path):
    import json

    from django.test import Client

    settings.SECURE_SSL_REDIRECT = False
    world = build_world("76", "Seine-Maritime")
    sortie = tmp_path / "charge.json"
    call_command("bench_charge_personas", departement="76", sortie=str(sortie), stdout=io.StringIO())
    data = json.loads(sortie.read_text())
    referent = data["referents"][0]
    assert str(world.carnet.uid) in referent["carnets"]
    client = Client()
    client.cookies["sessionid"] = referent["session"]
    assert client.get(f"/carnets/{referent['carnets'][0]}/").status_code == 200
    partenaire = data["partenaires"][0]
    api = Client(headers={"Authorization": f"Bearer {partenaire['jeton']}"})
    assert api.get(f"/api/v1/carnets/{partenaire['carnets'][0]}/").status_code == 200
    assert data["charges"] and data["dossiers"]
