"""Indicators of the sanctions: files opened by ground and outcome, the share lifted by remobilisation, the median
durations; the page for the décideurs and the administrator, with its chart and its refusal of a bad period."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanctions import indicateurs
from sanctions.models import DossierManquement
from spie.models import Role
from tests.carnet.factories import CarnetFactory
from tests.sanctions.factories import DossierManquementFactory
from tests.spie.factories import MembershipFactory, TotpFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def dossier(monde, *, ouvert_le, **champs):
    carnet = CarnetFactory(departement=monde.departement)
    row = DossierManquementFactory(carnet=carnet, created_by=monde.referent, **champs)
    DossierManquement.objects.filter(pk=row.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(ouvert_le, datetime.time(10)))
    )
    return row


@pytest.fixture
def dossiers(monde):
    # Opened 1 Oct, decided 20 Nov (50 days), lifted on remobilisation 10 Dec (20 days after the decision).
    dossier(monde, ouvert_le=D(2026, 10, 1), decide=True, etat="remobilise", leve_le=D(2026, 12, 10))
    # Opened 1 Nov, decided 20 Nov (19 days), still running.
    dossier(monde, ouvert_le=D(2026, 11, 1), decide=True)
    # Opened 10 Oct, decided 20 Nov (41 days), ended on 1 Dec (11 days after the decision).
    dossier(
        monde, ouvert_le=D(2026, 10, 10), decide=True, etat="termine", leve_le=D(2026, 12, 1), motif="refus_contrat"
    )
    dossier(monde, ouvert_le=D(2026, 11, 5), etat="motif_legitime", motif="refus_controle")
    dossier(monde, ouvert_le=D(2026, 11, 6), notifie=True)
    # Outside the period: not counted.
    dossier(monde, ouvert_le=D(2025, 6, 1), decide=True, etat="remobilise", leve_le=D(2025, 9, 1))


def test_files_by_ground_and_outcome_share_lifted_and_medians(dossiers):
    chiffres = indicateurs.calculer(debut=D(2026, 1, 1), fin=D(2026, 12, 7))
    assert chiffres.ouverts == 5 and chiffres.sanctions == 3 and chiffres.levees_remobilisation == 1
    assert chiffres.part_remobilisation == 33.3
    assert chiffres.mediane_ouverture_decision == 41.0  # 50, 19, 41 days
    assert chiffres.mediane_decision_levee == 15.5  # 20 and 11 days
    issues = dict(chiffres.par_issue)
    assert issues == {
        "En cours d'instruction": 1,
        "Classé : motif légitime": 1,
        "Classé sans sanction": 0,
        "Sanction en cours": 1,
        "Levée à la remobilisation": 1,
        "Sanction terminée": 1,
    }
    par_motif = {motif: (nombres, total) for motif, nombres, total in chiffres.par_motif}
    assert par_motif["Manquement à une obligation du contrat d'engagement"] == ([1, 0, 0, 1, 1, 0], 3)
    assert par_motif["Refus d'établir ou d'actualiser le contrat d'engagement"] == ([0, 0, 0, 0, 0, 1], 1)
    assert par_motif["Refus de se soumettre aux contrôles"] == ([0, 1, 0, 0, 0, 0], 1)


def test_without_any_sanction_there_is_no_share_nor_median(monde):
    chiffres = indicateurs.calculer(debut=D(2026, 1, 1), fin=D(2026, 12, 7))
    assert (chiffres.ouverts, chiffres.part_remobilisation, chiffres.mediane_ouverture_decision) == (0, None, None)


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_page_shows_the_figures_and_a_chart_to_decideurs_and_admin_only(monde, dossiers):
    admin = MembershipFactory(structure=monde.structure, role=Role.ADMIN_DEPARTEMENT).user
    TotpFactory(user=admin)
    url = reverse("sanctions:indicateurs")
    for user in (monde.decideur, admin):
        response = client(user).get(url, {"debut": "2026-01-01", "fin": "2026-12-07"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "33.3 % (1 sur 3)" in page or "33,3 % (1 sur 3)" in page
        assert "<svg" in page and "Levée à la remobilisation" in page
        assert "Équipes pluridisciplinaires" in page and "Dossiers examinés en équipe pluridisciplinaire" in page
    assert client(monde.referent).get(url).status_code == 403
    assert client(monde.membre).get(url).status_code == 403


@pytest.mark.parametrize("params", [{"debut": "hier"}, {"debut": "2026-12-01", "fin": "2026-01-01"}])
def test_a_bad_period_is_refused_with_a_clear_message(monde, params):
    response = client(monde.decideur).get(reverse("sanctions:indicateurs"), params)
    assert response.status_code == 400
    assert "période par défaut" in response.content.decode()
