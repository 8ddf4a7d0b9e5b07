"""Export of a portfolio (CSV and XLSX through spie.spreadsheet), who may export, and the access log."""

import io

import openpyxl
import pytest
from django.urls import reverse

from spie.models import AccessLog, Action
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory, TotpFactory

pytestmark = pytest.mark.django_db
URL = "/carnets/export/"


@pytest.fixture
def portefeuille(dep_a, structure_a, agent_a):
    """Three people followed by the agent, one named like a formula; one followed by a colleague only."""
    carnets = []
    for nom in ('=HYPERLINK("http://x")', "Bernard", "Carre"):
        carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage=nom, beneficiaire__prenoms="Léa")
        MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
        carnets.append(carnet)
    collegue = MembershipFactory(structure=structure_a).user
    autre = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Delacour")
    MembreGroupeFactory(carnet=autre, user=collegue, structure=structure_a, est_referent=True)
    return carnets + [autre]


def test_url():
    assert reverse("carnet:portefeuille_exporter") == URL


def test_csv_export_of_ones_portfolio_guards_formulas_and_is_logged_with_its_row_count(portefeuille, client_agent_a):
    response = client_agent_a.get(URL, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("Nom;Prénoms;Date de naissance;Référent")
    assert len(lines) == 4 and "Delacour" not in text
    assert "'=HYPERLINK" in text
    log = AccessLog.objects.get(action=Action.EXPORT)
    assert log.details == {"page": "portefeuille", "format": "csv", "lignes": 3}
    assert {str(u) for u in log.object_uids} == {str(c.uid) for c in portefeuille[:3]}


def test_xlsx_export_stores_texts_as_text_never_as_formulas(portefeuille, client_agent_a):
    response = client_agent_a.get(URL, {"format": "xlsx"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Nom", "Prénoms") and len(rows) == 4
    cell = next(c for c in sheet["A"] if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert AccessLog.objects.get(action=Action.EXPORT).details["format"] == "xlsx"


def test_structure_export_is_for_managers_and_lists_the_referent(portefeuille, structure_a, client_agent_a):
    assert client_agent_a.get(URL, {"format": "csv", "vue": "structure"}).status_code == 403
    manager = MembershipFactory(structure=structure_a, role="responsable_structure").user
    response = logged_client(manager).get(URL, {"format": "csv", "vue": "structure"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "Delacour" in text and "Bernard" in text
    assert AccessLog.objects.get(action=Action.EXPORT).details["lignes"] == 4


def test_filters_apply_to_the_export(portefeuille, client_agent_a):
    response = client_agent_a.get(URL, {"format": "csv", "q": "bernard"})
    assert response.content.decode("utf-8-sig").strip().count("\r\n") == 1


@pytest.mark.parametrize(
    ("role", "vue", "attendu"),
    [
        ("professionnel", "", 200),
        ("professionnel", "structure", 403),
        ("responsable_structure", "", 200),
        ("responsable_structure", "structure", 200),
        ("admin_departement", "structure", 200),
        ("charge_orientation", "", 403),
        ("validateur_orientation", "", 403),
    ],
)
def test_permission_matrix(role, vue, attendu, structure_a):
    user = MembershipFactory(structure=structure_a, role=role).user
    if role == "admin_departement":
        TotpFactory(user=user)  # administrators must use MFA
    response = logged_client(user).get(URL, {"format": "csv", "vue": vue})
    assert response.status_code == attendu
    assert AccessLog.objects.filter(action=Action.EXPORT).exists() == (attendu == 200)


def test_other_departement_rows_never_leave(portefeuille, client_admin_b):
    text = client_admin_b.get(URL, {"format": "csv", "vue": "structure"}).content.decode("utf-8-sig")
    assert "Bernard" not in text


def test_unknown_format_is_refused(client_agent_a):
    assert client_agent_a.get(URL, {"format": "ods"}).status_code == 400


def test_partner_of_another_structure_exports_only_its_own(portefeuille, dep_a):
    partner = MembershipFactory(structure=StructureFactory(departement=dep_a, type="association")).user
    text = logged_client(partner).get(URL, {"format": "csv"}).content.decode("utf-8-sig")
    assert text.strip().count("\r\n") == 0
