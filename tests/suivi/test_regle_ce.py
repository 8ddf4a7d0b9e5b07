"""One rule for "contrat d'engagement unsigned a month after the orientation": the list of "Ma journée" and the
daily alert read the same queryset (`suivi.services.listes.ce_non_signe`), in calendar months, on edge days."""

import datetime
import zoneinfo

import pytest

from carnet.models import Carnet, Sortie
from spie.dates import add_months, latest_start_reaching
from spie.tenancy import departement_scope
from suivi.services import listes
from suivi.services.alertes_engagement import ce_non_signes
from tests.carnet.factories import CarnetFactory, ContratFactory
from tests.orientation.factories import OrientationFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D = datetime.date


def at(jour, heure=10):
    return datetime.datetime.combine(jour, datetime.time(heure), tzinfo=PARIS)


@pytest.mark.parametrize(
    ("debut", "mois", "attendu"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 1, 15), 1, D(2026, 2, 15)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
    ],
)
def test_add_calendar_months(debut, mois, attendu):
    assert add_months(debut, mois) == attendu


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (D(2026, 2, 27), D(2026, 1, 27)),
        (D(2026, 2, 28), D(2026, 1, 31)),  # 29, 30 and 31 January all reach their month on 28 February
        (D(2028, 2, 28), D(2028, 1, 28)),
        (D(2028, 2, 29), D(2028, 1, 31)),
        (D(2026, 3, 30), D(2026, 2, 28)),
        (D(2026, 4, 30), D(2026, 3, 31)),
        (D(2027, 1, 15), D(2026, 12, 15)),
    ],
)
def test_latest_decision_whose_month_is_over(jour, attendu):
    assert latest_start_reaching(jour, 1) == attendu
    assert add_months(attendu, 1) <= jour < add_months(attendu + datetime.timedelta(days=1), 1)


def personne(dep, nom, decidee, **beneficiaire):
    carnet = CarnetFactory(
        departement=dep,
        beneficiaire__nom_usage=nom,
        **{f"beneficiaire__{k}": v for k, v in beneficiaire.items()},
    )
    OrientationFactory(carnet=carnet, dossier__carnet=carnet, validee=True, decidee_le=at(decidee))
    return carnet


def les_deux_regles(dep):
    """The names of the list (over the whole département) and of the alert: always the same."""
    with departement_scope(dep):
        liste = sorted(
            c.beneficiaire.nom_usage for c in listes.ce_non_signe(Carnet.objects.select_related("beneficiaire"))
        )
        alerte = sorted(
            Carnet.objects.filter(pk__in=list(ce_non_signes())).values_list("beneficiaire__nom_usage", flat=True)
        )
    assert liste == alerte
    return liste


@pytest.mark.parametrize(
    ("decision", "veille", "jour"),
    [
        (D(2026, 1, 31), D(2026, 2, 27), D(2026, 2, 28)),
        (D(2026, 1, 29), D(2026, 2, 27), D(2026, 2, 28)),
        (D(2028, 1, 31), D(2028, 2, 28), D(2028, 2, 29)),
        (D(2026, 1, 15), D(2026, 2, 14), D(2026, 2, 15)),
        (D(2026, 3, 31), D(2026, 4, 29), D(2026, 4, 30)),
    ],
)
def test_list_and_alert_signal_on_the_same_edge_day(dep_a, _clock, decision, veille, jour):
    personne(dep_a, "Limite", decision)
    _clock.move_to(at(veille, 23))
    assert les_deux_regles(dep_a) == []
    _clock.move_to(at(jour, 0))
    assert les_deux_regles(dep_a) == ["Limite"]


def test_both_rules_leave_out_the_same_people(dep_a, agent_a, _clock):
    _clock.move_to(at(D(2026, 12, 7), 9))
    personne(dep_a, "Retard", D(2026, 10, 1))
    personne(dep_a, "Ancien", D(2024, 6, 3))  # before the 2025 regime
    personne(dep_a, "Droitclos", D(2026, 10, 1), etat_droit_rsa="5")
    signe = personne(dep_a, "Signe", D(2026, 10, 1))
    ContratFactory(
        carnet=signe,
        type="contrat_engagement",
        statut="signe",
        date_signature=D(2026, 10, 20),
        date_debut=D(2026, 10, 20),
    )
    sorti = personne(dep_a, "Sorti", D(2026, 10, 1))
    Sortie.unscoped_objects.create(
        departement=dep_a, carnet=sorti, date_sortie=D(2026, 10, 25), motif="demenagement", auteur=agent_a
    )
    clos = personne(dep_a, "Clos", D(2026, 10, 1))
    Carnet.unscoped_objects.filter(pk=clos.pk).update(cloture_le=at(D(2026, 11, 1)))
    assert les_deux_regles(dep_a) == ["Retard"]
