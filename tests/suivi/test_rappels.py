"""Appointment reminders: once per appointment and date, by e-mail and SMS, with nothing sensitive."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from carnet.models import RendezVous
from spie.tenancy import all_departements, departement_scope
from suivi import tasks
from suivi.models import Canal, Message, StatutMessage
from suivi.services import rappels_rendez_vous_envoyer
from tests.carnet.factories import CarnetFactory, RendezVousFactory
from tests.spie.factories import StructureFactory
from tests.suivi.factories import ReglesFactory
from usager.models import CompteUsager

pytestmark = pytest.mark.django_db


def _a(jours, heure=10, minute=30):
    jour = timezone.localdate() + datetime.timedelta(days=jours)
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(heure, minute)))


@pytest.fixture
def rdv(dep_a):
    structure = StructureFactory(
        departement=dep_a, nom="Mission locale de Rouen", adresse="3 rue Jeanne d'Arc", telephone="02 35 00 00 00"
    )
    carnet = CarnetFactory(
        departement=dep_a, beneficiaire__courriel="lea@exemple.fr", beneficiaire__telephone="06 11 22 33 44"
    )
    return RendezVousFactory(
        carnet=carnet,
        structure=structure,
        date_heure=_a(2),
        objet="Bilan de santé et addiction",
        lieu="",
    )


def test_reminder_sent_once_by_email_and_sms_when_run_twice(rdv, run_twice, sms_outbox):
    run_twice(tasks.rappels_rendez_vous)
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1
    with all_departements():
        assert Message.objects.count() == 2
        assert set(Message.objects.values_list("statut", flat=True)) == {StatutMessage.ENVOYE}


@pytest.mark.clock("2026-12-07T09:30:00+01:00")
def test_reminder_says_when_where_and_with_whom_but_not_why(rdv, run_twice, sms_outbox):
    run_twice(tasks.rappels_rendez_vous)
    email = mail.outbox[0]
    assert email.to == ["lea@exemple.fr"]
    # The test runs on Monday 7 December 2026 (marker clock): the appointment is two days ahead.
    assert email.subject.endswith("Rappel : votre rendez-vous du 9 décembre à 10h30")
    assert "le mercredi 9 décembre 2026 à 10h30 (durée prévue" in email.body
    assert "Mission locale de Rouen" in email.body
    assert "3 rue Jeanne d'Arc" in email.body
    assert "02 35 00 00 00" in email.body
    assert "10h30" in email.body
    for texte in (email.subject, email.body, sms_outbox[0]["texte"]):
        assert "santé" not in texte.lower() and "addiction" not in texte.lower()
        assert rdv.carnet.beneficiaire.nom_usage not in texte
    assert sms_outbox[0]["numero"] == "+33611223344"
    assert sms_outbox[0]["texte"].startswith("Rappel : rendez-vous le mer. 09/12 à 10h30 avec Mission locale de Rouen")


@pytest.mark.clock("2026-12-07T09:30:00+01:00")
def test_a_person_who_uses_their_space_gets_a_reminder_pointing_to_it(rdv, run_twice, sms_outbox):
    carnet = rdv.carnet
    with departement_scope(carnet.departement_id):
        CompteUsager.objects.create(
            departement_id=carnet.departement_id, beneficiaire=carnet.beneficiaire, derniere_connexion=timezone.now()
        )
    run_twice(tasks.rappels_rendez_vous)
    email, sms = mail.outbox[0], sms_outbox[0]["texte"]
    lien = "http://testserver/mon-espace/rendez-vous/"
    assert "rendez-vous du mercredi 9 décembre 2026 à 10h30." in email.body and lien in email.body
    assert sms.startswith("Rappel : rendez-vous le mer. 09/12 à 10h30.") and sms.endswith(lien)
    for texte in (email.subject, email.body, sms):
        for detail in ("Mission locale de Rouen", "3 rue Jeanne d'Arc", "02 35 00 00 00", "santé"):
            assert detail not in texte


def test_an_account_never_opened_keeps_the_details_in_the_reminder(rdv, run_twice, sms_outbox):
    carnet = rdv.carnet
    with departement_scope(carnet.departement_id):
        CompteUsager.objects.create(departement_id=carnet.departement_id, beneficiaire=carnet.beneficiaire)
    run_twice(tasks.rappels_rendez_vous)
    assert "Mission locale de Rouen" in mail.outbox[0].body and "mon-espace" not in mail.outbox[0].body
    assert "Mission locale de Rouen" in sms_outbox[0]["texte"]


def test_moved_appointment_gets_a_new_reminder(rdv, run_twice):
    run_twice(tasks.rappels_rendez_vous)
    RendezVous.unscoped_objects.filter(pk=rdv.pk).update(date_heure=_a(1, heure=14, minute=0))
    run_twice(tasks.rappels_rendez_vous)
    assert len(mail.outbox) == 2
    assert "14h00" in mail.outbox[1].body


def test_appointments_outside_the_window_or_not_planned_are_not_reminded(dep_a, run_twice):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__courriel="p@exemple.fr")
    RendezVousFactory(carnet=carnet, date_heure=_a(5))
    RendezVousFactory(carnet=carnet, date_heure=_a(1), statut="annule_structure")
    RendezVousFactory(carnet=carnet, date_heure=timezone.now() - datetime.timedelta(hours=2))
    run_twice(tasks.rappels_rendez_vous)
    assert mail.outbox == []


def test_reminder_days_follow_the_departement_rules(dep_a, run_twice):
    ReglesFactory(departement=dep_a, rappel_rdv_jours=5)
    carnet = CarnetFactory(departement=dep_a, beneficiaire__courriel="p@exemple.fr")
    RendezVousFactory(carnet=carnet, date_heure=_a(5))
    run_twice(tasks.rappels_rendez_vous)
    assert len(mail.outbox) == 1


def test_disabled_rules_send_nothing(rdv, dep_a, run_twice, sms_outbox):
    ReglesFactory(departement=dep_a, rappel_rdv_actif=False)
    run_twice(tasks.rappels_rendez_vous)
    assert mail.outbox == [] and sms_outbox == []


def test_no_sms_to_a_landline_but_the_email_is_sent(rdv, run_twice, sms_outbox):
    beneficiaire = rdv.carnet.beneficiaire
    type(beneficiaire).unscoped_objects.filter(pk=beneficiaire.pk).update(telephone="02 35 11 22 33")
    run_twice(tasks.rappels_rendez_vous)
    assert len(mail.outbox) == 1 and sms_outbox == []
    with all_departements():
        assert not Message.objects.filter(canal=Canal.SMS).exists()


def test_no_sms_when_the_channel_is_not_configured(rdv, run_twice, settings, sms_outbox):
    settings.SPIE_SMS_BACKEND = ""
    run_twice(tasks.rappels_rendez_vous)
    assert len(mail.outbox) == 1 and sms_outbox == []
    with all_departements():
        assert not Message.objects.filter(canal=Canal.SMS).exists()


def test_sending_is_enqueued_after_commit(rdv, dep_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, departement_scope(dep_a):
        assert rappels_rendez_vous_envoyer(departement=dep_a) == 2
        # Queued in the transaction, nothing sent before the commit.
        assert mail.outbox == []
        assert Message.objects.filter(statut=StatutMessage.A_ENVOYER).count() == 2
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_each_departement_reminds_its_own_people(rdv, dep_b, run_twice):
    other = CarnetFactory(departement=dep_b, beneficiaire__courriel="autre@exemple.fr")
    RendezVousFactory(carnet=other, date_heure=_a(2))
    run_twice(tasks.rappels_rendez_vous)
    assert sorted(m.to[0] for m in mail.outbox) == ["autre@exemple.fr", "lea@exemple.fr"]
    with all_departements():
        assert {m.departement_id for m in Message.objects.all()} == {rdv.departement_id, dep_b.pk}
