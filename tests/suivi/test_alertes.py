"""Alerts: late new entrants to the chargés d'orientation, people without référent to the structure managers."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from spie.models import Notification
from spie.tenancy import all_departements, departement_scope
from suivi import tasks
from suivi.models import Alerte, FrequenceCourriel, Message, PreferenceNotification
from suivi.services import alertes_orientation_envoyer
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.spie.factories import MembershipFactory, StructureFactory
from tests.suivi.factories import regles

pytestmark = pytest.mark.django_db


def _entrant(dep, jours, nom):
    return CarnetFactory(
        departement=dep,
        beneficiaire__nom_usage=nom,
        beneficiaire__prenoms="Sam",
        beneficiaire__date_entree_rsa=timezone.localdate() - datetime.timedelta(days=jours),
    )


@pytest.fixture
def charges(structure_a):
    return [MembershipFactory(structure=structure_a, role="charge_orientation").user for _ in range(2)]


@pytest.fixture
def entrants(dep_a, structure_a, agent_a):
    """Late (45 days, no référent), on time (10 days), late but already with a référent."""
    late = _entrant(dep_a, 45, "Enretard")
    _entrant(dep_a, 10, "Atemps")
    oriented = _entrant(dep_a, 60, "Oriente")
    MembreGroupeFactory(carnet=oriented, user=agent_a, structure=structure_a, est_referent=True)
    return late


def test_orientation_alert_run_twice_tells_each_charge_once(charges, entrants, run_twice):
    run_twice(tasks.alertes_orientation)
    for charge in charges:
        notification = Notification.objects.get(user=charge)
        assert "Sam ENRETARD" in notification.message
        assert "ATEMPS" not in notification.message and "ORIENTE" not in notification.message
        assert notification.titre == "1 nouvel entrant sans orientation après 30 jours"
        assert notification.lien == "/orientation/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in charges)
    assert "Sam ENRETARD" in mail.outbox[0].body
    with all_departements():
        assert Alerte.objects.count() == 1
        assert Message.objects.count() == 2


def test_orientation_alert_goes_to_charges_only(charges, entrants, agent_a, admin_a, run_twice):
    run_twice(tasks.alertes_orientation)
    assert set(Notification.objects.values_list("user_id", flat=True)) == {c.pk for c in charges}


def test_target_delay_is_the_departement_setting(charges, entrants, dep_a, run_twice):
    type(dep_a).objects.filter(pk=dep_a.pk).update(delai_orientation_cible=5)
    run_twice(tasks.alertes_orientation)
    message = Notification.objects.filter(user=charges[0]).get().message
    assert "ENRETARD" in message and "ATEMPS" in message


def test_a_person_newly_late_later_in_the_week_is_signalled_once(charges, entrants, dep_a, run_twice):
    run_twice(tasks.alertes_orientation)
    _entrant(dep_a, 40, "Nouveau")
    run_twice(tasks.alertes_orientation)
    notifications = list(Notification.objects.filter(user=charges[0]).order_by("created_at"))
    assert len(notifications) == 2
    assert "NOUVEAU" in notifications[1].message and "ENRETARD" not in notifications[1].message
    assert len(mail.outbox) == 4


def test_a_late_person_is_signalled_again_the_next_week(charges, entrants, dep_a, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True), departement_scope(dep_a):
        for jour in (today, today, today + datetime.timedelta(days=7)):
            alertes_orientation_envoyer(departement=dep_a, jour=jour)
    assert Notification.objects.filter(user=charges[0]).count() == 2


def test_preference_jamais_keeps_the_alert_in_the_bell_only(charges, entrants, run_twice):
    PreferenceNotification.objects.create(user=charges[0], frequence_courriel=FrequenceCourriel.JAMAIS)
    run_twice(tasks.alertes_orientation)
    assert [m.to[0] for m in mail.outbox] == [charges[1].email]
    assert Notification.objects.filter(user=charges[0]).count() == 1


def test_disabled_orientation_alert_sends_nothing(charges, entrants, dep_a, run_twice):
    regles(dep_a, alerte_orientation_active=False)
    run_twice(tasks.alertes_orientation)
    assert not Notification.objects.exists() and mail.outbox == []


# --- Sans référent --------------------------------------------------------------------------


@pytest.fixture
def sans_referent(dep_a, structure_a, agent_a):
    """A carnet followed by structure A whose référent left, and one that still has its référent."""
    orphan = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Orphelin", beneficiaire__prenoms="Noa")
    MembreGroupeFactory(carnet=orphan, user=agent_a, structure=structure_a)
    MembreGroupeFactory(
        carnet=orphan, structure=structure_a, est_referent=True, fin=timezone.now() - datetime.timedelta(days=3)
    )
    followed = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Suivi")
    MembreGroupeFactory(carnet=followed, user=agent_a, structure=structure_a, est_referent=True)
    return orphan


def test_managers_of_the_following_structure_are_told_once(sans_referent, structure_a, dep_a, run_twice):
    manager = MembershipFactory(structure=structure_a, role="responsable_structure").user
    other_structure = StructureFactory(departement=dep_a)
    other_manager = MembershipFactory(structure=other_structure, role="responsable_structure").user
    run_twice(tasks.alertes_sans_referent)
    notification = Notification.objects.get(user=manager)
    assert "Noa ORPHELIN" in notification.message and "SUIVI" not in notification.message
    assert notification.titre == "1 personne suivie sans référent"
    assert not Notification.objects.filter(user=other_manager).exists()
    assert [m.to[0] for m in mail.outbox] == [manager.email]
    assert "Noa ORPHELIN" in mail.outbox[0].body


def test_carnet_followed_by_two_structures_alerts_both_managers(sans_referent, structure_a, dep_a, run_twice):
    other_structure = StructureFactory(departement=dep_a)
    MembreGroupeFactory(carnet=sans_referent, structure=other_structure)
    managers = [
        MembershipFactory(structure=structure, role="responsable_structure").user
        for structure in (structure_a, other_structure)
    ]
    run_twice(tasks.alertes_sans_referent)
    assert Notification.objects.filter(user__in=managers).count() == 2
    assert len(mail.outbox) == 2


def test_alerts_stay_in_their_departement(sans_referent, structure_a, dep_b, run_twice):
    structure_b = StructureFactory(departement=dep_b)
    manager_b = MembershipFactory(structure=structure_b, role="responsable_structure").user
    MembershipFactory(structure=structure_a, role="responsable_structure")
    run_twice(tasks.alertes_sans_referent)
    assert not Notification.objects.filter(user=manager_b).exists()
    assert Notification.objects.get().departement_id == structure_a.departement_id


def test_recipients_are_the_referent_else_the_departement_admins(dep_a, structure_a, agent_a, admin_a, partner_a):
    from suivi.services.alertes import referent_sinon_admins

    with departement_scope(dep_a):
        suivi = CarnetFactory(departement=dep_a)
        MembreGroupeFactory(carnet=suivi, user=agent_a, structure=structure_a, est_referent=True)
        MembreGroupeFactory(carnet=suivi, user=partner_a, structure=partner_a.memberships.get().structure)
        seul = CarnetFactory(departement=dep_a)
        ancien = MembershipFactory(structure=structure_a, role="professionnel").user
        MembreGroupeFactory(carnet=seul, user=ancien, structure=structure_a, est_referent=True, fin=timezone.now())
        autre_admin = MembershipFactory(structure=structure_a, role="admin_departement").user
        MembershipFactory(structure=structure_a, role="admin_departement", is_active=False)

        destinataires = referent_sinon_admins([seul.pk, suivi.pk])

    assert destinataires == {agent_a.pk: [suivi.pk], admin_a.pk: [seul.pk], autre_admin.pk: [seul.pk]}
