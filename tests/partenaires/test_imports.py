"""Spreadsheet imports: CSV/XLSX reading, saved mapping, preview with line numbers, run, no duplicates, invitations."""

import csv
import datetime
import html
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carnet.models import Beneficiaire, Evenement, TypeEvenement
from carnet.nir import nir_hash
from carnet.services import beneficiaire_match
from partenaires.imports.analyse import analyser
from partenaires.imports.lecture import FichierIllisible, lire
from partenaires.models import ImportTableur, ModeleImport
from partenaires.tasks import traiter_import_tableur
from spie.models import Commune, Invitation, RefDepartement
from spie.tenancy import departement_scope
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory
from tests.spie.factories import InvitationFactory, MembershipFactory, UserFactory

NIR_1 = "295109912611193"
NIR_2 = "176057654012347"
HEADER = ["Nom", "Prénom", "Date de naissance", "NIR", "Courriel", "Code INSEE", "Téléphone"]
ROWS = [
    ["Lefèvre", "Françoise", "14/03/1985", NIR_1, "francoise.lefevre@exemple.fr", "76540", "06 12 34 56 78"],
    ["Garçon", "Noël", "1990-07-02", "", "", "76540", ""],
    ["Benali", "Inès", "02/02/2001", NIR_2, "", "", "0698765432"],
]


def csv_bytes(rows, *, header=HEADER, separator=";", encoding="cp1252"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Personnes"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def rouen(db):
    RefDepartement.objects.get_or_create(code="76", defaults={"nom": "Seine-Maritime"})
    return Commune.objects.create(code_insee="76540", nom="Rouen", departement_id="76", codes_postaux=["76000"])


def upload(client, structure, content, name="beneficiaires.csv", type_="beneficiaires"):
    file = SimpleUploadedFile(name, content)
    return client.post(
        reverse("partenaires:imports_liste"), {"type": type_, "structure": structure.pk, "fichier": file}
    )


def run_import(client, structure, content, mapping, capture, *, name="beneficiaires.csv", type_="beneficiaires"):
    """The whole journey of the admin: upload, mapping, preview, confirmation (the task runs at the commit)."""
    response = upload(client, structure, content, name, type_)
    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    row = ImportTableur.unscoped_objects.order_by("-pk").first()
    assert client.post(reverse("partenaires:import_colonnes", args=[row.uid]), mapping).status_code == 302
    with capture(execute=True):
        assert client.post(reverse("partenaires:import_valider", args=[row.uid])).status_code == 302
    row.refresh_from_db()
    return row


MAPPING = {
    "nom_usage": "Nom",
    "prenoms": "Prénom",
    "date_naissance": "Date de naissance",
    "nir": "NIR",
    "courriel": "Courriel",
    "code_commune": "Code INSEE",
    "telephone": "Téléphone",
}


# --- Reading ---------------------------------------------------------------------------------------------------


def test_csv_with_semicolons_in_windows_1252_is_read():
    tableau = lire(csv_bytes(ROWS), "personnes.csv")
    assert tableau.entetes == HEADER
    assert tableau.lecture == {"format": "csv", "encodage": "cp1252", "separateur": "point-virgule"}
    assert tableau.lignes[0] == (2, ROWS[0]) and tableau.lignes[1][1][:2] == ["Garçon", "Noël"]


def test_csv_with_commas_in_utf8_with_bom_is_read():
    content = b"\xef\xbb\xbf" + csv_bytes(ROWS, separator=",", encoding="utf-8")
    tableau = lire(content, "personnes.CSV")
    assert tableau.entetes[0] == "Nom" and tableau.lecture["encodage"] == "utf-8-sig"
    assert tableau.lecture["separateur"] == "virgule" and [n for n, _ in tableau.lignes] == [2, 3, 4]


def test_xlsx_is_read_with_dates_and_numbers_as_text():
    rows = [["Lefèvre", "Françoise", datetime.datetime(1985, 3, 14), int(NIR_1), "", 76540, 612345678]]
    tableau = lire(xlsx_bytes(rows), "personnes.xlsx")
    assert tableau.lecture == {"format": "xlsx", "feuille": "Personnes"}
    assert tableau.lignes == [(2, ["Lefèvre", "Françoise", "1985-03-14", NIR_1, "", "76540", "612345678"])]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [(b"", "vide.csv", "vide"), (b"PK\x03\x04pas un classeur", "x.xlsx", "XLSX"), (b"a;b", "x.ods", "Format")],
)
def test_unreadable_files_are_refused_with_a_french_message(content, name, message):
    with pytest.raises(FichierIllisible, match=message):
        lire(content, name)


# --- Mapping and preview -----------------------------------------------------------------------------------------


def test_mapping_is_guessed_then_saved_per_structure_and_reused(client_admin_a, structure_a, dep_a, rouen):
    header = ["NOM FAMILLE", "Prénom", "Né(e) le", "Ville"]
    content = csv_bytes([["Martin", "Claire", "01/01/1980", "76540"]], header=header)
    response = upload(client_admin_a, structure_a, content)
    row = ImportTableur.unscoped_objects.get()
    assert response["Location"] == reverse("partenaires:import_colonnes", args=[row.uid])
    form = client_admin_a.get(response["Location"]).context["form"]
    assert form.initial == {"prenoms": "Prénom", "date_naissance": "Né(e) le"}  # guessed from the names

    mapping = {"nom_usage": "NOM FAMILLE", "prenoms": "Prénom", "date_naissance": "Né(e) le", "code_commune": "Ville"}
    assert client_admin_a.post(response["Location"], mapping)["Location"].endswith("/apercu/")
    with departement_scope(dep_a):
        assert ModeleImport.objects.get(structure=structure_a, type="beneficiaires").colonnes == mapping

    upload(client_admin_a, structure_a, csv_bytes([["Durand", "Léa", "02/02/1990", "76540"]], header=header))
    second = ImportTableur.unscoped_objects.order_by("-pk").first()
    page = client_admin_a.get(reverse("partenaires:import_colonnes", args=[second.uid]))
    assert page.context["form"].initial == mapping and "choix enregistré" in page.content.decode()


def test_a_mandatory_field_must_be_mapped(client_admin_a, structure_a):
    upload(client_admin_a, structure_a, csv_bytes(ROWS))
    row = ImportTableur.unscoped_objects.get()
    response = client_admin_a.post(reverse("partenaires:import_colonnes", args=[row.uid]), {"prenoms": "Prénom"})
    assert response.status_code == 200
    assert "Choisissez la colonne du champ obligatoire « Nom d'usage »" in html.unescape(response.content.decode())


def test_preview_shows_line_numbered_errors_and_known_people_as_updates(client_admin_a, structure_a, dep_a, rouen):
    with departement_scope(dep_a):
        known = BeneficiaireFactory(
            departement=dep_a, nom_usage="Benali", prenoms="Inès", nir=NIR_2, date_naissance=datetime.date(2001, 2, 2)
        )
    rows = [
        ROWS[0],  # line 2: new
        ["Durand", "Paul", "31/02/1980", "", "", "", ""],  # line 3: impossible date
        ["Petit", "Marc", "01/01/1970", "295109912611194", "", "", ""],  # line 4: wrong NIR key
        ["Roux", "Anne", "01/01/1975", "", "", "99999", ""],  # line 5: unknown commune
        ROWS[0],  # line 6: duplicate of line 2
        ["Benali", "Inès", "02/02/2001", NIR_2, "ines.benali@exemple.fr", "", ""],  # line 7: known, update
        ["Roux", "Anne", "01/01/1975", "", "anne@", "", ""],  # line 8: invalid e-mail
    ]
    upload(client_admin_a, structure_a, csv_bytes(rows))
    row = ImportTableur.unscoped_objects.get()
    response = client_admin_a.post(reverse("partenaires:import_colonnes", args=[row.uid]), MAPPING, follow=True)
    page = html.unescape(response.content.decode())
    row.refresh_from_db()
    errors = {(e["ligne"], e["champ"]): e["motif"] for e in row.apercu["erreurs"]}
    assert errors[(3, "Date de naissance")].startswith("date invalide")
    assert "clé du NIR" in errors[(4, "NIR (numéro de sécurité sociale)")]
    assert "commune inconnue (code INSEE 99999)" in errors[(5, "Code INSEE de la commune")]
    assert "doublon de la ligne 2" in errors[(6, "Ligne entière")]
    assert "adresse électronique invalide" in errors[(8, "Courriel")]
    assert row.apercu["compteurs"] == {"creation": 1, "mise_a_jour": 1, "inchangee": 0, "erreur": 5}
    update = next(e for e in row.apercu["exemples"] if e["ligne"] == 7)
    assert update["statut"] == "mise_a_jour" and update["regle"] == "NIR" and update["changements"] == ["courriel"]
    assert (
        "Mise à jour" in page and "doublon de la ligne 2" in page and "Lancer l'import des lignes sans erreur" in page
    )
    for nir in (NIR_1, NIR_2, "295109912611194"):
        assert nir not in str(row.apercu) and nir not in page
    with departement_scope(dep_a):
        assert list(Beneficiaire.objects.all()) == [known]  # the preview writes nothing


# --- Run -----------------------------------------------------------------------------------------------------------


def test_commit_creates_people_with_their_carnet_and_shows_the_report(
    client_admin_a, structure_a, dep_a, rouen, django_capture_on_commit_callbacks
):
    row = run_import(client_admin_a, structure_a, csv_bytes(ROWS), MAPPING, django_capture_on_commit_callbacks)
    assert row.statut == "termine" and (row.crees, row.mis_a_jour, row.inchanges, row.rejetes) == (3, 0, 0, 0)
    with departement_scope(dep_a):
        people = {b.nom_usage: b for b in Beneficiaire.objects.select_related("carnet", "commune")}
        assert set(people) == {"Lefèvre", "Garçon", "Benali"}
        assert people["Lefèvre"].nir_hash == nir_hash(NIR_1) and people["Lefèvre"].commune == rouen
        assert people["Lefèvre"].telephone == "0612345678" and people["Garçon"].date_naissance.year == 1990
        assert people["Lefèvre"].nom_recherche and people["Lefèvre"].trigrammes
        assert Evenement.objects.filter(type=TypeEvenement.CARNET_CREE).count() == 3
    page = client_admin_a.get(reverse("partenaires:import_detail", args=[row.uid])).content.decode()
    assert "<progress" in page and "Personnes créées" in page
    status = client_admin_a.get(reverse("partenaires:import_statut", args=[row.uid])).json()
    assert status["fini"] and status["crees"] == 3 and status["pourcentage"] == 100
    report = client_admin_a.get(reverse("partenaires:import_rapport", args=[row.uid])).content.decode("utf-8-sig")
    assert report.splitlines()[0] == "ligne;résultat;champ;détail" and "Création" in report and NIR_1 not in report


@pytest.mark.parametrize("variant", ["csv-cp1252", "csv-utf8-bom", "xlsx"])
def test_reimporting_the_same_file_creates_no_duplicates(
    variant, client_admin_a, structure_a, dep_a, rouen, django_capture_on_commit_callbacks
):
    if variant == "xlsx":
        content, name = xlsx_bytes(ROWS), "personnes.xlsx"
    elif variant == "csv-utf8-bom":
        content, name = b"\xef\xbb\xbf" + csv_bytes(ROWS, separator=",", encoding="utf-8"), "personnes.csv"
    else:
        content, name = csv_bytes(ROWS), "personnes.csv"
    first = run_import(client_admin_a, structure_a, content, MAPPING, django_capture_on_commit_callbacks, name=name)
    assert first.crees == 3
    with departement_scope(dep_a):
        updated_at = dict(Beneficiaire.objects.values_list("pk", "updated_at"))
    second = run_import(client_admin_a, structure_a, content, MAPPING, django_capture_on_commit_callbacks, name=name)
    assert (second.crees, second.mis_a_jour, second.inchanges, second.rejetes) == (0, 0, 3, 0)
    with departement_scope(dep_a):
        # "Garçon Noël" has no identifier at all: found again by name, first name and birth date.
        assert dict(Beneficiaire.objects.values_list("pk", "updated_at")) == updated_at


def test_matching_follows_the_rules_of_beneficiaire_match(dep_a, structure_a, rouen):
    with departement_scope(dep_a):
        by_id = BeneficiaireFactory(departement=dep_a, identifiant_departement="D-42", prenoms="Jean")
        by_email = BeneficiaireFactory(departement=dep_a, courriel="sam@exemple.fr", prenoms="Sam Alex")
        by_phone = BeneficiaireFactory(departement=dep_a, telephone="0611223344", prenoms="Lou")
        other_nir = BeneficiaireFactory(departement=dep_a, courriel="eve@exemple.fr", prenoms="Eve", nir=NIR_1)
    header = ["Nom", "Prénom", "Date de naissance", "NIR", "Courriel", "Téléphone", "Identifiant"]
    rows = [
        ["Autre", "Jean", "01/01/1990", "", "", "", "D-42"],
        ["Autre", "Sam", "01/01/1990", "", "SAM@exemple.fr", "", ""],
        ["Autre", "Lou", "01/01/1990", "", "", "06 11 22 33 44", ""],
        ["Autre", "Max", "01/01/1990", "", "sam@exemple.fr", "", ""],  # same e-mail, another first name: new
        ["Autre", "Eve", "01/01/1990", NIR_2, "eve@exemple.fr", "", ""],  # found by e-mail, other NIR: blocked
    ]
    mapping = {
        "nom_usage": "Nom",
        "prenoms": "Prénom",
        "date_naissance": "Date de naissance",
        "nir": "NIR",
        "courriel": "Courriel",
        "telephone": "Téléphone",
        "identifiant_departement": "Identifiant",
    }
    with departement_scope(dep_a):
        analyse = analyser(
            lire(csv_bytes(rows, header=header), "x.csv"), mapping, "beneficiaires", structure=structure_a
        )
        for ligne, expected in zip(analyse.lignes, [by_id, by_email, by_phone, None, None], strict=True):
            v = ligne.valeurs
            match = beneficiaire_match(
                departement=dep_a,
                nir=v.get("nir", ""),
                identifiant_departement=v.get("identifiant_departement", ""),
                courriel=v.get("courriel", ""),
                telephone=v.get("telephone", ""),
                prenom=v.get("prenoms", ""),
            )
            assert match.beneficiaire == expected and ligne.beneficiaire_id == getattr(expected, "pk", None)
    assert analyse.lignes[3].statut == "creation"
    assert analyse.lignes[4].statut == "erreur" and "autre NIR" in analyse.lignes[4].erreurs[0][1]
    assert other_nir.nir_hash == nir_hash(NIR_1)


def test_task_run_twice_does_nothing_the_second_time(
    client_admin_a, structure_a, dep_a, rouen, django_capture_on_commit_callbacks
):
    row = run_import(client_admin_a, structure_a, csv_bytes(ROWS), MAPPING, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as queries:
        assert traiter_import_tableur(row.pk, dep_a.pk) is None
    # Only the claim's conditional UPDATE runs, and it matches no row; then one read (is the run still "en cours"?
    # no: nothing to wait for): nothing else is read or written.
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE", "SELECT"]
    with departement_scope(dep_a):
        assert Beneficiaire.objects.count() == 3


def test_an_existing_person_is_updated_with_a_timeline_event(
    client_admin_a, structure_a, dep_a, rouen, django_capture_on_commit_callbacks
):
    with departement_scope(dep_a):
        carnet = CarnetFactory(
            departement=dep_a,
            beneficiaire__nir=NIR_2,
            beneficiaire__telephone="",
            beneficiaire__date_naissance=datetime.date(2001, 2, 2),
        )
    row = run_import(client_admin_a, structure_a, csv_bytes(ROWS[2:]), MAPPING, django_capture_on_commit_callbacks)
    assert (row.crees, row.mis_a_jour) == (0, 1)
    beneficiaire = Beneficiaire.unscoped_objects.get(pk=carnet.beneficiaire_id)
    assert beneficiaire.telephone == "0698765432" and beneficiaire.version == 2
    assert beneficiaire.nom_usage == "Benali"
    event = Evenement.unscoped_objects.get(carnet=carnet, type=TypeEvenement.BENEFICIAIRE_MODIFIE)
    assert event.resume.startswith("Mis à jour par import de tableur") and "téléphone" in event.resume


# --- Professionals -------------------------------------------------------------------------------------------------


def test_professionals_import_creates_invitations_once(
    client_admin_a, structure_a, dep_a, mailoutbox, django_capture_on_commit_callbacks
):
    member = MembershipFactory(structure=structure_a, role="professionnel", user=UserFactory(email="deja@exemple.fr"))
    InvitationFactory(structure=structure_a, email="invitee@exemple.fr", role="professionnel")
    header = ["Adresse mail", "Prénom", "Nom", "Fonction"]
    rows = [
        ["Nouvelle@Exemple.fr", "Zoé", "Lambert", "Chargé d'orientation"],
        [member.user.email, "Déjà", "Membre", ""],
        ["invitee@exemple.fr", "Déjà", "Invitée", "professionnel"],
        ["admin@exemple.fr", "Ada", "Admin", "Administrateur départemental"],
        ["pas-une-adresse", "Tom", "Erreur", ""],
    ]
    mapping = {"courriel": "Adresse mail", "prenom": "Prénom", "nom": "Nom", "role": "Fonction"}
    content = csv_bytes(rows, header=header, separator=",", encoding="utf-8")
    kwargs = {"name": "pros.csv", "type_": "professionnels"}
    first = run_import(client_admin_a, structure_a, content, mapping, django_capture_on_commit_callbacks, **kwargs)
    assert (first.crees, first.inchanges, first.rejetes) == (1, 2, 2)
    with departement_scope(dep_a):
        invitation = Invitation.objects.get(email="nouvelle@exemple.fr")
    assert (invitation.role, invitation.first_name, invitation.structure) == ("charge_orientation", "Zoé", structure_a)
    assert [m.to for m in mailoutbox] == [["nouvelle@exemple.fr"]]
    errors = {e["ligne"]: e["motif"] for e in first.rapport["erreurs"]}
    assert "administrateur" in errors[5] and "invalide" in errors[6]

    second = run_import(client_admin_a, structure_a, content, mapping, django_capture_on_commit_callbacks, **kwargs)
    assert (second.crees, second.inchanges) == (0, 3)
    assert len(mailoutbox) == 1
    with departement_scope(dep_a):
        assert Invitation.objects.filter(email="nouvelle@exemple.fr").count() == 1


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_import_pages_are_for_the_departement_admin_only(client_agent_a, structure_a, admin_a, dep_a):
    with departement_scope(dep_a):
        row = ImportTableur.objects.create(
            departement=dep_a, structure=structure_a, type="beneficiaires", fichier="x", nom_fichier="x.csv",
            format="csv", created_by=admin_a,
        )  # fmt: skip
    for url in (reverse("partenaires:imports_liste"), reverse("partenaires:import_colonnes", args=[row.uid])):
        assert client_agent_a.get(url).status_code == 403


def test_imports_list_query_count_does_not_grow_with_the_imports(client_admin_a, structure_a, admin_a, dep_a):
    def add(count):
        with departement_scope(dep_a):
            for _ in range(count):
                ImportTableur.objects.create(
                    departement=dep_a, structure=structure_a, type="beneficiaires", fichier="x",
                    nom_fichier="liste.csv", format="csv", created_by=admin_a,
                )  # fmt: skip

    url = reverse("partenaires:imports_liste")
    add(1)
    client_admin_a.get(url)
    with CaptureQueriesContext(connection) as one:
        client_admin_a.get(url)
    add(3)
    with CaptureQueriesContext(connection) as four:
        page = client_admin_a.get(url).content.decode()
    assert len(four) == len(one) and page.count("liste.csv") == 4
