"""The scale's computations: months started, month arithmetic, arrears, rank, household, radiation threshold."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from sanctions import bareme
from sanctions.models import ParametresSanctions


@pytest.mark.parametrize(
    "debut, fin, mois",
    [
        (datetime.date(2026, 12, 1), datetime.date(2026, 12, 1), 0),
        (datetime.date(2026, 12, 1), datetime.date(2026, 12, 2), 1),
        (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1), 1),
        (datetime.date(2026, 12, 1), datetime.date(2027, 1, 15), 2),
        (datetime.date(2026, 12, 15), datetime.date(2027, 1, 10), 1),
    ],
)
def test_months_started(debut, fin, mois):
    assert bareme.mois_entames(debut, fin) == mois


def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month():
    assert bareme.ajouter_mois(datetime.date(2026, 12, 1), 2) == datetime.date(2027, 2, 1)
    assert bareme.ajouter_mois(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert bareme.ajouter_mois(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)


def _dossier(**kw):
    valeurs = {
        "decision_nature": "suspension",
        "decision_taux": 40,
        "decision_duree": 2,
        "decision_effet": datetime.date(2026, 12, 1),
        "montant_mensuel": Decimal("500.00"),
    }
    return SimpleNamespace(**{**valeurs, **kw})


def test_arrears_are_capped_by_the_decided_duration_and_by_the_departements_setting():
    params = ParametresSanctions(**bareme.DEFAUTS)
    calcul = bareme.rattrapage(_dossier(), params, leve_le=datetime.date(2027, 6, 1))
    assert (calcul.mois, calcul.montant) == (2, Decimal("400.00"))
    params.rattrapage_mois_max = 1
    assert bareme.rattrapage(_dossier(), params, leve_le=datetime.date(2027, 6, 1)).mois == 1
    sans_montant = bareme.rattrapage(_dossier(montant_mensuel=None), params, leve_le=datetime.date(2027, 6, 1))
    assert sans_montant.montant is None and sans_montant.en_clair() == "1 mois à 40 %"


def test_a_suppression_is_not_paid_back():
    params = ParametresSanctions(**bareme.DEFAUTS)
    calcul = bareme.rattrapage(_dossier(decision_nature="suppression"), params, leve_le=datetime.date(2027, 1, 15))
    assert calcul.mois == 0 and calcul.en_clair() == "Aucun mois à rendre."


def test_rank_from_history():
    ferme = SimpleNamespace(etat="motif_legitime", decide_le=None, decision_taux=None)
    en_cours = SimpleNamespace(etat="decide", decide_le=datetime.date(2026, 11, 1), decision_taux=30)
    fini = SimpleNamespace(etat="termine", decide_le=datetime.date(2026, 6, 1), decision_taux=30)
    assert bareme.rang([]) == bareme.rang([ferme]) == "premier"
    assert bareme.rang([fini]) == "repetition"
    assert bareme.rang([fini, en_cours]) == "persistance"


def test_household_snapshot_counts_roles():
    membres = [SimpleNamespace(role_foyer=r) for r in ("dem", "cjt", "enf", "enf", "")]
    assert bareme.composition_foyer(membres) == {
        "personnes": 5,
        "adultes": 3,
        "enfants": 2,
        "autres": 0,
        "source": "caf_msa",
    }


def test_scale_bounds_with_the_household_cap():
    params = ParametresSanctions(**{**bareme.DEFAUTS, "plafond_taux_foyer": 50})
    assert bareme.bornes(params, rang="premier", foyer_plusieurs=False) == bareme.Bornes(30, 100, 1, 2)
    assert bareme.bornes(params, rang="repetition", foyer_plusieurs=True) == bareme.Bornes(30, 50, 1, 4)


def test_four_months_of_total_suppression_lead_to_a_radiation_proposal():
    trois = SimpleNamespace(decision_nature="suppression", decision_taux=100, decision_duree=3)
    un = SimpleNamespace(decision_nature="suppression", decision_taux=100, decision_duree=1)
    partiel = SimpleNamespace(decision_nature="suppression", decision_taux=50, decision_duree=4)
    assert not bareme.radiation_a_proposer([trois, partiel])
    assert bareme.radiation_a_proposer([trois, un])
