"""The outbox: idempotent queuing, one sender per row, retries, erasure of secrets and old content."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from spie.tenancy import all_departements, departement_scope
from suivi import outbox, tasks
from suivi.models import Canal, Message, StatutMessage

pytestmark = pytest.mark.django_db


def _queue(dep, cle="test:1", canal=Canal.EMAIL, corps="Bonjour", destinataire="p@exemple.fr"):
    with departement_scope(dep):
        return outbox.mettre_en_file(
            departement_id=dep.pk, canal=canal, destinataire=destinataire, sujet="Sujet", corps=corps, cle=cle
        )


def test_queuing_twice_with_the_same_key_queues_once(dep_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first, created_first = _queue(dep_a)
        second, created_second = _queue(dep_a)
    assert first.pk == second.pk and created_first and not created_second
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[SPIE] Sujet"


def test_same_key_on_another_channel_is_another_message(dep_a, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _queue(dep_a)
        _queue(dep_a, canal=Canal.SMS, destinataire="0611223344")
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


def test_a_claimed_message_is_not_sent_again(dep_a):
    message, _ = _queue(dep_a)
    with departement_scope(dep_a):
        assert outbox.message_envoyer(message_id=message.pk) is True
        assert outbox.message_envoyer(message_id=message.pk) is False
    tasks.envoyer_messages()
    assert len(mail.outbox) == 1


def test_failed_message_is_retried_then_marked_failed(dep_a, settings, sms_outbox):
    settings.SPIE_SMS_BACKEND = "tests.suivi.test_outbox.BrokenBackend"
    message, _ = _queue(dep_a, canal=Canal.SMS, destinataire="0611223344")
    with departement_scope(dep_a):
        for attempt in range(1, outbox.MAX_TENTATIVES + 1):
            Message.objects.filter(pk=message.pk).update(essai_le=None)
            assert outbox.message_envoyer(message_id=message.pk) is False
            message.refresh_from_db()
            assert message.tentatives == attempt
        assert message.statut == StatutMessage.ECHEC
        assert "Opérateur indisponible" in message.erreur
        assert outbox.message_envoyer(message_id=message.pk) is False
    assert sms_outbox == []


@pytest.mark.parametrize(
    "numero, raison",
    [
        ("+44 7911 123456", "pas un numéro français valide"),
        ("12345", "pas un numéro français valide"),
        ("02 35 00 00 00", "pas un numéro de mobile"),
    ],
)
def test_sms_to_a_number_that_is_not_a_french_mobile_fails_at_once(dep_a, sms_outbox, numero, raison):
    message, _ = _queue(dep_a, canal=Canal.SMS, destinataire=numero)
    with departement_scope(dep_a):
        assert outbox.message_envoyer(message_id=message.pk) is False
        message.refresh_from_db()
    assert message.statut == StatutMessage.ECHEC and message.tentatives == 1
    assert message.erreur == f"SMS refusé : le numéro n'est {raison}." and sms_outbox == []


def test_sms_goes_to_the_provider_in_international_form(dep_a, sms_outbox):
    for cle, numero in (("a", "06 11 22 33 44"), ("b", "0692 12 34 56")):
        message, _ = _queue(dep_a, cle=cle, canal=Canal.SMS, destinataire=numero)
        with departement_scope(dep_a):
            assert outbox.message_envoyer(message_id=message.pk) is True
    assert [sms["numero"] for sms in sms_outbox] == ["+33611223344", "+262692123456"]


class BrokenBackend:
    def send(self, numero, texte):
        raise ConnectionError("Opérateur indisponible")


def test_sweep_sends_what_the_after_commit_task_missed_and_recovers_stuck_rows(dep_a):
    missed, _ = _queue(dep_a, cle="test:missed")
    stuck, _ = _queue(dep_a, cle="test:stuck")
    with departement_scope(dep_a):
        Message.objects.filter(pk=stuck.pk).update(
            statut=StatutMessage.EN_COURS, essai_le=timezone.now() - datetime.timedelta(hours=1)
        )
    assert tasks.envoyer_messages() == 2
    assert tasks.envoyer_messages() == 0
    assert len(mail.outbox) == 2


def test_single_use_link_is_erased_once_sent(dep_a):
    message, _ = _queue(dep_a, corps="Répondez ici : http://testserver/evaluation/AbC-123_xyz/ merci.")
    tasks.envoyer_messages()
    assert "/evaluation/AbC-123_xyz/" in mail.outbox[0].body
    with all_departements():
        message.refresh_from_db()
    assert "AbC-123_xyz" not in message.corps
    assert message.statut == StatutMessage.ENVOYE and message.envoye_le is not None


def test_old_messages_lose_address_and_text_but_keep_their_key(dep_a):
    message, _ = _queue(dep_a)
    tasks.envoyer_messages()
    with departement_scope(dep_a):
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    assert tasks.expurger_messages() == 1
    assert tasks.expurger_messages() == 0
    with all_departements():
        message.refresh_from_db()
    assert message.destinataire == "" and message.corps == "" and message.cle == "test:1"
    # The key still prevents a second sending.
    _, created = _queue(dep_a)
    assert created is False
