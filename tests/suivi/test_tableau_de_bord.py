"""The indicators dashboard, the definitions, the CSV exports and the monthly PDF report.

The report test extracts the PDF's text and checks its figures against what the database holds.
"""

import csv
import datetime
import io

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spie.models import AccessLog
from spie.tenancy import departement_scope
from suivi import tasks
from suivi.indicateurs import calcul
from suivi.models import RapportMensuel, StatutRapport
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory
from tests.suivi.test_indicateurs import D, decider, personne

pytestmark = pytest.mark.django_db


@pytest.fixture
def donnees(dep_a, structure_a):
    """Two territories, people who entered in the last complete month, decisions, computed series."""
    from tests.orientation.factories import make_commune
    from tests.spie.factories import TerritoireFactory

    mois = calcul.mois_precedent(timezone.localdate().replace(day=1))
    rouen, havre = make_commune("76540", "Rouen"), make_commune("76351", "Le Havre")
    nord = TerritoireFactory(departement=dep_a, nom="Rouen nord")
    nord.communes.add(rouen)
    caux = TerritoireFactory(departement=dep_a, nom="Pointe de Caux")
    caux.communes.add(havre)
    autre = StructureFactory(departement=dep_a, nom="Mission locale du Havre", type="mission_locale")
    for jour, commune, structure, delai in (
        (1, rouen, structure_a, 12),
        (2, rouen, structure_a, 8),
        (3, havre, autre, 5),
    ):
        carnet = personne(dep_a, mois.replace(day=jour), commune=commune)
        decider(carnet, mois.replace(day=jour) + datetime.timedelta(days=delai), structure)
    personne(dep_a, mois.replace(day=4), commune=havre)
    calcul.calculer_mois(dep_a, mois)
    calcul.calculer_mois(dep_a, calcul.mois_precedent(mois))
    return {"mois": mois, "nord": nord, "caux": caux, "autre": autre}


def test_the_admin_sees_charts_tables_and_the_territory_comparison(client_admin_a, donnees):
    mois = donnees["mois"]
    response = client_admin_a.get(reverse("suivi:tableau_de_bord"), {"fin": f"{mois:%Y-%m}"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') >= 2 * 9
    assert "Comparaison des territoires" in page and "Rouen nord" in page and "Pointe de Caux" in page
    assert "Nouveaux entrants au RSA" in page and "4 personnes" in page
    assert reverse("suivi:indicateur_definition", args=["delai_orientation"]) in page


def test_a_structure_manager_sees_only_its_structure_beside_the_departement(dep_a, donnees):
    manager = MembershipFactory(structure=donnees["autre"], role="responsable_structure").user
    client = logged_client(manager)
    mois = donnees["mois"]
    page = client.get(reverse("suivi:tableau_de_bord"), {"fin": f"{mois:%Y-%m}", "structure": ""}).content.decode()
    assert "Mission locale du Havre" in page and 'name="territoire"' not in page
    assert "Comparaison des territoires" not in page and "Nouveaux entrants au RSA" not in page
    export = client.get(reverse("suivi:indicateurs_csv"), {"debut": f"{mois:%Y-%m}", "fin": f"{mois:%Y-%m}"})
    lignes = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert {ligne[6] for ligne in lignes[1:]} == {"Mission locale du Havre"}


def test_the_dashboard_query_count_does_not_grow_with_the_data(client_admin_a, dep_a, donnees, structure_a):
    def requetes():
        with CaptureQueriesContext(connection) as queries:
            assert client_admin_a.get(reverse("suivi:tableau_de_bord")).status_code == 200
        return len(queries)

    avant = requetes()
    for jour in range(1, 8):
        decider(personne(dep_a, donnees["mois"].replace(day=jour)), donnees["mois"].replace(day=20), structure_a)
    calcul.calculer_mois(dep_a, donnees["mois"])
    assert requetes() == avant


def test_the_csv_export_has_every_figure_of_the_period(client_admin_a, donnees):
    mois = donnees["mois"]
    response = client_admin_a.get(
        reverse("suivi:indicateurs_csv"), {"debut": f"{mois:%Y-%m}", "fin": f"{mois:%Y-%m}", "territoire": ""}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lignes = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lignes) == 10  # one per indicator for the département
    delai = next(ligne for ligne in lignes if ligne["indicateur"] == "delai_orientation")
    assert (delai["mediane_jours"], delai["moyenne_jours"], delai["effectif"]) == ("8,0", "8,3", "4")
    seul = client_admin_a.get(reverse("suivi:indicateurs_csv"), {"indicateur": "sorties"})
    assert {ligne.split(";")[0] for ligne in seul.content.decode("utf-8-sig").splitlines()[1:]} == {"sorties"}
    assert client_admin_a.get(reverse("suivi:indicateurs_csv"), {"indicateur": "inconnu"}).status_code == 404


def test_bad_filters_are_explained_and_fall_back_to_the_last_twelve_months(client_admin_a):
    response = client_admin_a.get(reverse("suivi:tableau_de_bord"), {"debut": "2026-10", "fin": "2026-01"})
    page = response.content.decode()
    assert response.status_code == 200 and "Le premier mois doit précéder le dernier." in page


def test_each_definition_is_shown_in_plain_french(client_admin_a):
    page = client_admin_a.get(reverse("suivi:indicateur_definition", args=["delai_orientation"])).content.decode()
    assert "Cohorte (qui est compté)" in page and "Actuellement : 30 jours." in page and "Version" in page
    assert client_admin_a.get(reverse("suivi:indicateur_definition", args=["nimporte"])).status_code == 404


def _texte_pdf(contenu):
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(contenu)).pages)


def test_the_monthly_report_is_produced_with_progress_and_its_figures_match_the_database(
    client_admin_a, dep_a, donnees, django_capture_on_commit_callbacks
):
    mois = donnees["mois"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(reverse("suivi:rapports"), {"mois": f"{mois:%Y-%m}"})
    with departement_scope(dep_a):
        rapport = RapportMensuel.objects.get(mois=mois)
    assert response.status_code == 302 and response["Location"] == reverse("suivi:rapport_detail", args=[rapport.uid])
    assert rapport.statut == StatutRapport.TERMINE and rapport.etapes_faites == rapport.etapes_total
    statut = client_admin_a.get(reverse("suivi:rapport_statut", args=[rapport.uid])).json()
    assert statut["fini"] and statut["pourcentage"] == 100
    telechargement = client_admin_a.get(reverse("suivi:rapport_pdf", args=[rapport.uid]))
    assert telechargement["Content-Type"] == "application/pdf"
    texte = _texte_pdf(b"".join(telechargement.streaming_content))
    # Figures from the database: 4 entrants (3 decided after 12, 8 and 5 days), 2 of them in Rouen nord.
    with departement_scope(dep_a):
        from carnet.models import Beneficiaire

        entrants = Beneficiaire.objects.filter(date_entree_rsa__year=mois.year, date_entree_rsa__month=mois.month)
        assert entrants.count() == 4
    assert "Rapport mensuel des indicateurs" in texte and "4 personnes" in texte
    assert "médiane 8 j" in texte and "moyenne 8,3 j" in texte
    assert "Territoire Rouen nord" in texte and "Territoire Pointe de Caux" in texte and "médiane 10 j" in texte
    assert "Définitions" in texte
    assert AccessLog.objects.filter(action="telechargement", object_uid=rapport.uid).exists()


def test_the_first_of_the_month_task_twice_produces_one_report(dep_a, donnees, run_twice):
    premier, second = run_twice(tasks.rapports_mensuels)
    assert (premier[dep_a.code], second[dep_a.code]) == (1, 0)
    with departement_scope(dep_a):
        rapport = RapportMensuel.objects.get()
        assert rapport.mois == donnees["mois"] and rapport.statut == StatutRapport.TERMINE
        with rapport.fichier.open("rb") as fichier:
            assert fichier.read(4) == b"%PDF"


def test_a_report_of_a_future_month_is_refused(client_admin_a):
    prochain = calcul.mois_suivant(timezone.localdate().replace(day=1))
    response = client_admin_a.post(reverse("suivi:rapports"), {"mois": f"{prochain:%Y-%m}"})
    assert response.status_code == 200 and "mois à venir" in response.content.decode()
    assert not RapportMensuel.unscoped_objects.exists()


def test_a_report_of_another_departement_is_not_found(
    client_admin_b, dep_a, donnees, django_capture_on_commit_callbacks
):
    with departement_scope(dep_a), django_capture_on_commit_callbacks(execute=True):
        from suivi.services import rapport_demander

        rapport = rapport_demander(departement=dep_a, mois=D(2026, 9, 1))
    for name in ("suivi:rapport_detail", "suivi:rapport_statut", "suivi:rapport_pdf"):
        assert client_admin_b.get(reverse(name, args=[rapport.uid])).status_code == 404
