"""Alerts of the legal orientation clock: at 4 and 5 weeks, to the dossier's chargé (every chargé when nobody
took the person) and to the admins; once per threshold and per clock (run twice: sent once; a transfer that
restarts the clock alerts again)."""

import datetime
import zoneinfo

import pytest
from django.core import mail

from orientation import services as orientation_services
from spie.models import Notification
from spie.tenancy import all_departements, departement_scope
from suivi import tasks
from suivi.models import Alerte, TypeAlerte
from tests.carnet.factories import CarnetFactory
from tests.orientation.factories import DossierFactory
from tests.spie.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D0 = datetime.date(2026, 10, 5)


def _at(clock, n):
    clock.move_to(datetime.datetime.combine(D0 + datetime.timedelta(days=n), datetime.time(8), tzinfo=PARIS))


@pytest.fixture
def equipe(structure_a, admin_a):
    charges = [MembershipFactory(structure=structure_a, role="charge_orientation").user for _ in range(2)]
    return charges, admin_a


@pytest.fixture
def personnes(dep_a, equipe, _clock):
    """Two people whose clock started on D0: one nobody took, one followed by the first chargé."""
    _at(_clock, 0)
    libre = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Libre", beneficiaire__prenoms="Ana")
    suivie = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Suivie", beneficiaire__prenoms="Bo")
    DossierFactory(carnet=suivie, charge_orientation=equipe[0][0])
    return libre, suivie


def _titres(user):
    return list(Notification.objects.filter(user=user).order_by("created_at").values_list("titre", flat=True))


def test_nothing_before_four_weeks(personnes, equipe, _clock, run_twice):
    _at(_clock, 27)
    run_twice(tasks.alertes_delai_legal)
    assert not Notification.objects.exists() and mail.outbox == []


def test_four_weeks_run_twice_tells_each_recipient_once(personnes, equipe, _clock, run_twice):
    (charge_1, charge_2), admin = equipe
    _at(_clock, 28)
    run_twice(tasks.alertes_delai_legal)
    libre, suivie = personnes
    # The dossier's chargé hears of both (the free person goes to every chargé), the other chargé of the free
    # person only, the admin of both.
    messages = {u.pk: Notification.objects.get(user=u).message for u in (charge_1, charge_2, admin)}
    assert "Ana LIBRE" in messages[charge_1.pk] and "Bo SUIVIE" in messages[charge_1.pk]
    assert "Ana LIBRE" in messages[charge_2.pk] and "SUIVIE" not in messages[charge_2.pk]
    assert "Ana LIBRE" in messages[admin.pk] and "Bo SUIVIE" in messages[admin.pk]
    assert _titres(admin) == [
        "2 personnes sans orientation après 4 semaines : France Travail orientera à l'échéance légale"
    ]
    assert len(mail.outbox) == 3
    assert "Il reste 14 jours au plus" in mail.outbox[0].body
    with all_departements():
        assert Alerte.objects.filter(type=TypeAlerte.DELAI_LEGAL_4_SEMAINES).count() == 2
        assert set(Alerte.objects.values_list("semaine", flat=True)) == {"20261005"}


def test_four_then_five_weeks_then_nothing_more(personnes, equipe, _clock, run_twice):
    admin = equipe[1]
    for jour in (30, 34, 35, 36, 42):
        _at(_clock, jour)
        run_twice(tasks.alertes_delai_legal)
    assert [t.split(" : ")[0] for t in _titres(admin)] == [
        "2 personnes sans orientation après 4 semaines",
        "2 personnes sans orientation après 5 semaines",
    ]


def test_first_run_in_the_fifth_week_sends_only_the_five_weeks_alert(personnes, equipe, _clock, run_twice):
    _at(_clock, 36)
    run_twice(tasks.alertes_delai_legal)
    assert [t.split(" : ")[0] for t in _titres(equipe[1])] == ["2 personnes sans orientation après 5 semaines"]


def test_past_the_deadline_no_alert(personnes, equipe, _clock, run_twice):
    _at(_clock, 43)
    run_twice(tasks.alertes_delai_legal)
    assert not Notification.objects.exists()


def test_a_restarted_clock_alerts_again(dep_a, personnes, equipe, _clock, run_twice):
    libre, _ = personnes
    _at(_clock, 28)
    run_twice(tasks.alertes_delai_legal)
    with departement_scope(dep_a):
        orientation_services.information_recevoir(
            carnet=libre,
            departement=dep_a,
            date_reception=D0 + datetime.timedelta(days=28),
            origine="transfert",
            source="saisie",
        )
    _at(_clock, 56)
    run_twice(tasks.alertes_delai_legal)
    with all_departements():
        cles = sorted(Alerte.objects.filter(carnet=libre).values_list("type", "semaine"))
    assert cles == [("delai_legal_4s", "20261005"), ("delai_legal_4s", "20261102")]
