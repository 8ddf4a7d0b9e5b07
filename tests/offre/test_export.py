"""Export of the catalogue in the data·inclusion schema v1: every record validated by the package (strict mode).

The test reads the files through the export view, as a département admin downloads them, and validates
each record with `data_inclusion.schema.v1` and `context={"ignore_warnings": False}`.
"""

import csv
import io
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command
from django.urls import reverse

from offre.models import Service
from spie.models import AccessLog
from spie.tenancy import departement_scope
from tests.offre.factories import ServiceFactory, SessionFactory, referentiel_geo
from tests.spie.factories import StructureFactory

STRICT = {"ignore_warnings": False}


@pytest.fixture
def geo(db):
    return referentiel_geo()


def download(client, fichier):
    response = client.get(reverse("offre:export_fichier", args=[fichier]))
    assert response.status_code == 200, fichier
    return response.content.decode()


def validate_all(model, records):
    errors = []
    for index, record in enumerate(records, start=1):
        try:
            model.model_validate(record, context=STRICT)
        except Exception as exc:  # noqa: BLE001 - the test lists every failure
            errors.append((index, str(exc)))
    return errors


@pytest.fixture
def catalogue(dep_a, structure_a, geo):
    """A catalogue with the awkward cases: names ending with a full stop, a very long structure name, every
    optional field filled, a service with nothing optional, a suspended one that must not be exported."""
    structure_a.nom = "Association des ateliers du quartier Saint-Sever de Rouen et des communes voisines " * 2
    structure_a.description = "Une association."
    structure_a.reseaux_porteurs = ["mission-locale", "france-travail"]
    structure_a.horaires_accueil = "Mo-Fr 09:00-12:00"
    structure_a.site_web = "https://association.example"
    structure_a.commune = geo.rouen
    with departement_scope(dep_a):
        structure_a.save()
    other = StructureFactory(departement=dep_a, nom="Centre social.", courriel="accueil@centre.example")
    complet = ServiceFactory(
        structure=structure_a,
        nom="Atelier numérique.",
        thematiques=["numerique--acquerir-un-equipement", "mobilite--preparer-un-permis"],
        publics=["jeunes", "femmes"],
        frais="payant",
        frais_precisions="10 euros",
        publics_precisions="De 18 à 25 ans",
        conditions_acces="Savoir lire",
        commune="Rouen",
        code_postal="76000",
        code_insee="76540",
        longitude=1.09,
        latitude=49.44,
        zone_eligibilite=["76540", "200023414", "76", "france"],
        contact_nom_prenom="Camille Martin",
        lien_mobilisation="https://mobiliser.example/atelier",
        lien_source="https://source.example/atelier",
        modes_mobilisation=["telephoner", "envoyer-un-courriel", "se-presenter"],
        mobilisable_par=["professionnels", "usagers"],
        mobilisation_precisions="Sur rendez-vous",
        volume_horaire_hebdomadaire=6.5,
        nombre_semaines=4,
        horaires_accueil="Mo-Fr 09:00-12:00",
    )
    SessionFactory(service=complet)
    minimal = ServiceFactory(
        structure=other,
        type="",
        thematiques=[],
        publics=[],
        frais="",
        modes_accueil=[],
        modes_mobilisation=[],
        mobilisable_par=[],
        zone_eligibilite=[],
        telephone="",
        courriel="",
        adresse="",
        description="Court",
    )
    ServiceFactory(structure=other, suspendu=True)
    return {"complet": complet, "minimal": minimal, "structures": [structure_a, other]}


def test_export_json_validates_every_record_with_the_package_in_strict_mode(client_admin_a, catalogue):
    services = json.loads(download(client_admin_a, "services.json"))
    structures = json.loads(download(client_admin_a, "structures.json"))
    assert len(services) == 2  # the suspended service is not published
    assert len(structures) == 2
    assert validate_all(v1.Service, services) == []
    assert validate_all(v1.Structure, structures) == []
    # Exactly the schema's fields, nulls included.
    assert all(list(record) == list(v1.Service.model_fields) for record in services)
    assert all(list(record) == list(v1.Structure.model_fields) for record in structures)
    # Every service names an exported structure.
    assert {s["structure_id"] for s in services} <= {s["id"] for s in structures}


def test_export_follows_the_source_and_id_form_of_the_departement(client_admin_a, catalogue, dep_a):
    services = {s["nom"]: s for s in json.loads(download(client_admin_a, "services.json"))}
    structures = json.loads(download(client_admin_a, "structures.json"))
    complet = services["Atelier numérique"]  # the final full stop is dropped: a warning of the schema
    assert complet["source"] == dep_a.source_slug == "spie-76"
    assert all(s["id"].startswith("spie-76--") and s["source"] == "spie-76" for s in structures)
    assert complet["zone_eligibilite"] == ["76540", "200023414", "76", "france"]
    assert complet["thematiques"] == sorted(complet["thematiques"])
    assert max(len(s["nom"]) for s in structures) <= 150
    assert not any(s["nom"].endswith(".") for s in structures)


def test_export_csv_has_the_schema_columns_and_validates(client_admin_a, catalogue):
    for fichier, model, lists in (
        ("services.csv", v1.Service, {"thematiques", "publics", "modes_accueil", "zone_eligibilite",
                                      "modes_mobilisation", "mobilisable_par"}),
        ("structures.csv", v1.Structure, {"reseaux_porteurs"}),
    ):  # fmt: skip
        rows = list(csv.DictReader(io.StringIO(download(client_admin_a, fichier))))
        assert rows and list(rows[0]) == list(model.model_fields)
        records = [
            {k: (v.split(",") if k in lists else v) for k, v in row.items() if v not in ("", None)} for row in rows
        ]
        assert validate_all(model, records) == []


def test_export_is_logged_and_reserved_to_the_admin(client_admin_a, client_agent_a, catalogue, dep_a):
    download(client_admin_a, "services.json")
    entry = AccessLog.objects.filter(action="export").get()
    assert entry.details == {"fichier": "services.json", "enregistrements": 2}
    assert entry.departement_id == dep_a.pk
    assert client_agent_a.get(reverse("offre:export_fichier", args=["services.json"])).status_code == 403
    assert client_admin_a.get(reverse("offre:export_fichier", args=["autre.json"])).status_code == 404


def test_export_only_contains_the_departement_catalogue(client_admin_a, catalogue, dep_b):
    ServiceFactory(structure=StructureFactory(departement=dep_b), nom="Service des Ardennes")
    services = json.loads(download(client_admin_a, "services.json"))
    assert "Service des Ardennes" not in {s["nom"] for s in services}


def test_demo_catalogue_is_realistic_and_exports_100_percent_valid(db, geo):
    """The demo data of both demo départements: tens of services across the categories, every one valid."""
    from offre.dev import demo as offre_demo
    from offre.referentiels import categorie_of
    from offre.views.administration import export_records
    from spie.dev import demo
    from spie.models import Departement

    call_command("charger_referentiels", verbosity=0, stdout=io.StringIO())
    demo.load()
    for departement in Departement.objects.filter(code__in=["76", "08"]):
        with departement_scope(departement):
            offre_demo.load(departement)
            assert offre_demo.load(departement) == 0  # idempotent
            services = list(Service.objects.all())
            assert len(services) >= 30
            categories = {categorie_of(t) for s in services for t in s.thematiques}
            assert len(categories) >= 12
            assert any(s.sessions.exists() for s in services)
            zones = {code for s in services for code in s.zone_eligibilite}
            assert "france" in zones and departement.code in zones and any(len(c) == 9 for c in zones)
            for kind, model in (("services", v1.Service), ("structures", v1.Structure)):
                _, records = export_records(kind)
                assert records and validate_all(model, records) == []
