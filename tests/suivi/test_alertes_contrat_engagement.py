"""Alert of the contrat d'engagement's month: the people without a CE signed a month after their latest orientation
decision (D.5411-14-1 code du travail), to their référent (to the admins when nobody is référent); once per decision
(run twice: sent once); a new orientation restarts the month and alerts again."""

import datetime
import zoneinfo

import pytest
from django.core import mail

from carnet.models import Sortie
from spie.models import Notification
from spie.tenancy import all_departements
from suivi import tasks
from suivi.models import Alerte, TypeAlerte
from suivi.services.alertes_engagement import un_mois_avant
from tests.carnet.factories import CarnetFactory, ContratFactory, MembreGroupeFactory
from tests.orientation.factories import OrientationFactory
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-07T09:30:00+01:00")]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D = datetime.date


def at(jour, heure=10):
    return datetime.datetime.combine(jour, datetime.time(heure), tzinfo=PARIS)


@pytest.fixture
def referent(structure_a):
    return MembershipFactory(structure=structure_a, role="professionnel").user


def personne(dep_a, nom, decidee, *, referent=None, structure=None):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage=nom, beneficiaire__prenoms="Alex")
    OrientationFactory(dossier__carnet=carnet, dossier__statut="oriente", validee=True, decidee_le=at(decidee))
    if referent is not None:
        MembreGroupeFactory(carnet=carnet, user=referent, structure=structure, est_referent=True)
    return carnet


def ce_signe(carnet, jour):
    return ContratFactory(
        carnet=carnet, type="contrat_engagement", statut="signe", date_signature=jour, date_debut=jour
    )


def reorienter(carnet, jour, heure=10):
    OrientationFactory(
        dossier__carnet=carnet,
        dossier__statut="oriente",
        validee=True,
        est_reorientation=True,
        decidee_le=at(jour, heure),
    )


def messages_of(user):
    return list(Notification.objects.filter(user=user).order_by("created_at").values_list("titre", "message"))


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (D(2026, 12, 7), D(2026, 11, 7)),
        (D(2027, 1, 15), D(2026, 12, 15)),
        (D(2027, 3, 31), D(2027, 2, 28)),
        (D(2028, 3, 31), D(2028, 2, 29)),
    ],
)
def test_one_month_before(jour, attendu):
    assert un_mois_avant(jour) == attendu


def test_referents_told_once_about_their_people_past_the_month(
    dep_a, structure_a, referent, admin_a, run_twice, unscoped
):
    en_retard = personne(dep_a, "Retard", D(2026, 11, 7), referent=referent, structure=structure_a)  # a month today
    personne(dep_a, "Demain", D(2026, 11, 8), referent=referent, structure=structure_a)  # the month ends tomorrow
    signe = personne(dep_a, "Signe", D(2026, 10, 1), referent=referent, structure=structure_a)
    ce_signe(signe, D(2026, 10, 20))
    sorti = personne(dep_a, "Sorti", D(2026, 10, 1), referent=referent, structure=structure_a)
    Sortie.unscoped_objects.create(
        departement=dep_a, carnet=sorti, date_sortie=D(2026, 10, 25), motif="emploi", auteur=referent
    )
    personne(dep_a, "Ancien", D(2024, 6, 3), referent=referent, structure=structure_a)  # before the 2025 regime
    personne(dep_a, "Seul", D(2026, 10, 1))  # nobody is référent: the admins

    run_twice(tasks.alertes_contrat_engagement)

    [(titre, message)] = messages_of(referent)
    assert titre == "1 personne sans contrat d'engagement signé un mois après l'orientation"
    assert "Alex RETARD" in message and "DEMAIN" not in message and "SIGNE" not in message
    [(_, message_admin)] = messages_of(admin_a)
    assert "Alex SEUL" in message_admin and "RETARD" not in message_admin
    assert len(mail.outbox) == 2
    assert "article D.5411-14-1 du code du travail" in mail.outbox[0].body
    with all_departements():
        assert Alerte.objects.filter(type=TypeAlerte.CE_NON_SIGNE).count() == 2
        assert Alerte.objects.get(carnet=en_retard).semaine == "20261107"


def test_a_ce_signed_before_the_latest_orientation_does_not_count(dep_a, structure_a, referent, run_twice, unscoped):
    carnet = personne(dep_a, "Reoriente", D(2026, 9, 1), referent=referent, structure=structure_a)
    ce_signe(carnet, D(2026, 9, 15))
    # A new orientation after the diagnostic restarts the month (D.5411-8-2).
    reorienter(carnet, D(2026, 11, 2))
    run_twice(tasks.alertes_contrat_engagement)
    [(_, message)] = messages_of(referent)
    assert "Alex REORIENTE" in message


def test_a_new_orientation_alerts_again_a_month_later(dep_a, structure_a, referent, run_twice, _clock, unscoped):
    carnet = personne(dep_a, "Deux", D(2026, 10, 1), referent=referent, structure=structure_a)
    run_twice(tasks.alertes_contrat_engagement)
    reorienter(carnet, D(2026, 12, 7), 9)
    _clock.move_to(at(D(2027, 1, 6)))
    run_twice(tasks.alertes_contrat_engagement)
    assert len(messages_of(referent)) == 1  # the new month is not over
    _clock.move_to(at(D(2027, 1, 7)))
    run_twice(tasks.alertes_contrat_engagement)
    assert len(messages_of(referent)) == 2
    with all_departements():
        assert sorted(Alerte.objects.filter(carnet=carnet).values_list("semaine", flat=True)) == [
            "20261001",
            "20261207",
        ]


def test_other_departement_never_told(dep_a, dep_b, structure_a, referent, admin_b, run_twice, unscoped):
    personne(dep_a, "Retard", D(2026, 10, 1), referent=referent, structure=structure_a)
    run_twice(tasks.alertes_contrat_engagement)
    assert messages_of(admin_b) == []
    assert len(messages_of(referent)) == 1


# --- People followed before 2025: a CE by 1 January 2027 ---------------------------------------------


def test_structure_managers_told_weekly_of_their_people_without_ce_since_before_2025(
    dep_a, structure_a, referent, run_twice, _clock, unscoped
):
    responsable = MembershipFactory(structure=structure_a, role="responsable_structure").user
    autre_structure = StructureFactory(departement=dep_a, type="association")
    autre_responsable = MembershipFactory(structure=autre_structure, role="responsable_structure").user

    def suivie(nom, entree, structure=structure_a):
        carnet = CarnetFactory(
            departement=dep_a,
            beneficiaire__nom_usage=nom,
            beneficiaire__prenoms="Alex",
            beneficiaire__date_entree_rsa=entree,
        )
        MembreGroupeFactory(carnet=carnet, user=referent, structure=structure, est_referent=True)
        return carnet

    suivie("Ancienne", D(2023, 5, 2))
    ce_signe(suivie("Signee", D(2022, 1, 3)), D(2026, 3, 2))
    suivie("Nouvelle", D(2025, 3, 1))  # under the 2025 regime: the month after the orientation applies instead
    CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Nonsuivie", beneficiaire__date_entree_rsa=D(2020, 1, 1))
    suivie("Ailleurs", D(2024, 2, 1), structure=autre_structure)

    run_twice(tasks.alertes_stock_contrat_engagement)

    [(titre, message)] = messages_of(responsable)
    assert titre == "1 personne suivie depuis avant 2025 sans contrat d'engagement (échéance : 1er janvier 2027)"
    assert "Alex ANCIENNE" in message and "il reste 25 jours" in message
    assert "SIGNEE" not in message and "NOUVELLE" not in message and "AILLEURS" not in message
    [(_, message_autre)] = messages_of(autre_responsable)
    assert "Alex AILLEURS" in message_autre and "ANCIENNE" not in message_autre
    # The next week, told again (a weekly count); past the deadline, it says so.
    _clock.move_to(at(D(2027, 1, 4), 8))
    run_twice(tasks.alertes_stock_contrat_engagement)
    titres_messages = messages_of(responsable)
    assert len(titres_messages) == 2 and "échéance dépassée" in titres_messages[1][1]
