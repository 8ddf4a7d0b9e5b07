"""Alert of the social path's review: a person oriented to the social path has their orientation reviewed 6
months after the decision, or 12 with a recorded reason (D.262-65-2-1 CASF); told to their référent (to the admins
when nobody is référent), once per decision (run twice: sent once), at the day it falls due and not before."""

import datetime
import zoneinfo

import pytest
from django.core import mail

from carnet.models import Sortie
from spie.models import Notification
from spie.tenancy import all_departements
from suivi import tasks
from suivi.models import Alerte, TypeAlerte
from suivi.services.alertes_parcours_social import _six_mois_avant, mois_plus_tard, revisions_dues
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.orientation.factories import OrientationFactory
from tests.spie.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-07T09:30:00+01:00")]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D = datetime.date


def at(jour, heure=10):
    return datetime.datetime.combine(jour, datetime.time(heure), tzinfo=PARIS)


@pytest.fixture
def referent(structure_a):
    return MembershipFactory(structure=structure_a, role="professionnel").user


def personne(
    dep_a, nom, decidee, *, type_orientation="social", revision_mois=6, motif="", referent=None, structure=None
):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage=nom, beneficiaire__prenoms="Alex")
    OrientationFactory(
        dossier__carnet=carnet,
        dossier__statut="oriente",
        validee=True,
        decidee_le=at(decidee),
        type_orientation=type_orientation,
        revision_mois=revision_mois if type_orientation == "social" else None,
        motif_revision_12_mois=motif,
    )
    if referent is not None:
        MembreGroupeFactory(carnet=carnet, user=referent, structure=structure, est_referent=True)
    return carnet


def messages_of(user):
    return list(Notification.objects.filter(user=user).order_by("created_at").values_list("titre", "message"))


@pytest.mark.parametrize(
    ("jour", "mois", "attendu"),
    [
        (D(2026, 6, 7), 6, D(2026, 12, 7)),
        (D(2025, 12, 7), 12, D(2026, 12, 7)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
        (D(2026, 9, 30), 6, D(2027, 3, 30)),
    ],
)
def test_months_later(jour, mois, attendu):
    assert mois_plus_tard(jour, mois) == attendu


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [(D(2026, 12, 7), D(2026, 6, 7)), (D(2027, 2, 28), D(2026, 8, 31)), (D(2027, 3, 1), D(2026, 9, 1))],
)
def test_latest_decision_due_for_its_six_month_review(jour, attendu):
    assert _six_mois_avant(jour) == attendu


def test_referents_told_once_at_six_months_and_at_twelve_with_a_reason(
    dep_a, structure_a, referent, admin_a, run_twice, unscoped
):
    kw = {"referent": referent, "structure": structure_a}
    six = personne(dep_a, "Six", D(2026, 6, 7), **kw)  # 6 months today
    personne(dep_a, "Demain", D(2026, 6, 8), **kw)  # 6 months tomorrow
    douze = personne(dep_a, "Douze", D(2025, 12, 7), revision_mois=12, motif="Freins durables de logement", **kw)
    personne(dep_a, "Douzedemain", D(2025, 12, 8), revision_mois=12, motif="Freins durables", **kw)
    personne(dep_a, "Report", D(2026, 6, 7), revision_mois=12, motif="Freins durables", **kw)  # 12 chosen: not at 6
    personne(dep_a, "Emploi", D(2026, 1, 5), type_orientation="pro", **kw)  # not the social path
    personne(dep_a, "Ancien", D(2024, 6, 3), **kw)  # decided before the 2025 regime
    seul = personne(dep_a, "Seul", D(2026, 5, 1), revision_mois=None)  # not recorded: 6 months; no référent

    results = run_twice(tasks.alertes_revision_parcours_social)

    assert results[1] == {dep_a.code: 0}
    [(titre, message)] = messages_of(referent)
    assert titre == "2 orientations en parcours social à revoir"
    assert "Alex SIX" in message and "Alex DOUZE" in message
    for absent in ("DEMAIN", "REPORT", "EMPLOI", "ANCIEN", "SEUL"):
        assert absent not in message
    [(_, message_admin)] = messages_of(admin_a)
    assert "Alex SEUL" in message_admin and "SIX" not in message_admin
    assert len(mail.outbox) == 2
    assert "article D.262-65-2-1" in mail.outbox[0].body
    with all_departements():
        assert Alerte.objects.filter(type=TypeAlerte.REVISION_PARCOURS_SOCIAL).count() == 3
        assert Alerte.objects.get(carnet=six).semaine == "20260607"
        assert Alerte.objects.get(carnet=douze).semaine == "20251207"
        assert Alerte.objects.get(carnet=seul).semaine == "20260501"


def test_the_next_day_only_the_newly_due_are_told(dep_a, structure_a, referent, run_twice, unscoped, _clock):
    kw = {"referent": referent, "structure": structure_a}
    personne(dep_a, "Six", D(2026, 6, 7), **kw)
    personne(dep_a, "Demain", D(2026, 6, 8), **kw)
    run_twice(tasks.alertes_revision_parcours_social)
    _clock.move_to(at(D(2026, 12, 8), 9))
    run_twice(tasks.alertes_revision_parcours_social)
    titres_messages = messages_of(referent)
    assert len(titres_messages) == 2
    assert "SIX" in titres_messages[0][1] and "DEMAIN" not in titres_messages[0][1]
    assert "DEMAIN" in titres_messages[1][1] and "SIX" not in titres_messages[1][1]


def test_a_review_or_a_departure_since_the_decision_stops_the_alert(dep_a, structure_a, referent, unscoped):
    kw = {"referent": referent, "structure": structure_a}
    revue = personne(dep_a, "Revue", D(2026, 3, 2), **kw)
    # The review happened: a new social orientation decided on 2 November, due in May.
    OrientationFactory(
        dossier__carnet=revue,
        dossier__statut="oriente",
        validee=True,
        est_reorientation=True,
        decidee_le=at(D(2026, 11, 2)),
        type_orientation="social",
        revision_mois=6,
    )
    sorti = personne(dep_a, "Sorti", D(2026, 3, 2), **kw)
    Sortie.unscoped_objects.create(
        departement=dep_a, carnet=sorti, date_sortie=D(2026, 9, 25), motif="emploi", auteur=referent
    )
    assert revisions_dues() == {}
