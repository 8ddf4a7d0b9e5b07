"""The outbox: e-mails and SMS are rows written in the business transaction, sent by a task after commit.

`mettre_en_file` is idempotent by key; `message_envoyer` claims a row by a conditional UPDATE before sending,
so that the task enqueued after commit and the periodic sweep (`messages_envoyer`) never send it twice.
Delivery is at least once: a worker killed between the provider's answer and the status update leaves the
row `en_cours`, and the sweep sends it again after `RECUPERATION_APRES`.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from spie import telephones
from spie.outbox import publish_after_commit
from suivi import sms
from suivi.models import Canal, Message, StatutMessage

logger = logging.getLogger(__name__)

MAX_TENTATIVES = 5
RECUPERATION_APRES = timedelta(minutes=15)
ATTENTE_APRES_ECHEC = timedelta(minutes=10)
CONSERVATION_CONTENU = timedelta(days=30)
LOT_MAXIMUM = 500

# Single-use links must not outlive the sending in clear text: the database keeps only their hash.
_LIEN_SECRET = re.compile(r"/(evaluation|mon-espace/lien)/[A-Za-z0-9_\-]+/")
# Confirmation codes of the person's space (usager.services) are written "Votre code : 123456".
_CODE_SECRET = re.compile(r"(Votre code : )\d{6}")


def mettre_en_file(*, departement_id, canal, destinataire, corps, cle, sujet="") -> tuple[Message, bool]:
    """Queue a message once per (canal, cle); the sending task is enqueued after the commit."""
    message, created = Message.objects.get_or_create(
        departement_id=departement_id,
        canal=canal,
        cle=cle,
        defaults={"destinataire": destinataire, "sujet": sujet[:200], "corps": corps},
    )
    if created:
        from suivi.tasks import envoyer_message

        publish_after_commit(envoyer_message, departement_id, message.pk)
    return message, created


class NumeroRefuse(ValueError):
    """Not a French mobile number: retrying would not change it, the message fails at once."""


def _expurger(corps):
    corps = _LIEN_SECRET.sub(r"/\1/[lien personnel retiré après l'envoi]/", corps)
    return _CODE_SECRET.sub(r"\1[code retiré après l'envoi]", corps)


def _deliver(message):
    if message.canal == Canal.EMAIL:
        EmailMessage(
            subject=f"{settings.EMAIL_SUBJECT_PREFIX}{message.sujet}",
            body=message.corps,
            to=[message.destinataire],
        ).send()
    else:
        refusal = telephones.sms_refusal(message.destinataire)
        if refusal:
            raise NumeroRefuse(refusal)
        sms.get_backend().send(telephones.sms_number(message.destinataire), message.corps)


def message_envoyer(*, message_id) -> bool:
    """Send one queued message (in the active département scope); False when another worker has it."""
    now = timezone.now()
    claimed = Message.objects.filter(pk=message_id, statut=StatutMessage.A_ENVOYER).update(
        statut=StatutMessage.EN_COURS, tentatives=F("tentatives") + 1, essai_le=now
    )
    if not claimed:
        return False
    message = Message.objects.get(pk=message_id)
    try:
        _deliver(message)
    except Exception as exc:  # any provider error: keep the row and retry later
        final = message.tentatives >= MAX_TENTATIVES or isinstance(exc, NumeroRefuse)
        values = {"statut": StatutMessage.ECHEC if final else StatutMessage.A_ENVOYER, "erreur": str(exc)[:500]}
        if final:
            values["corps"] = _expurger(message.corps)
        Message.objects.filter(pk=message.pk).update(**values)
        # The id only: the address and the text are personal data.
        logger.warning("Message %s non envoyé (tentative %s) : %s", message.pk, message.tentatives, type(exc).__name__)
        return False
    Message.objects.filter(pk=message.pk).update(
        statut=StatutMessage.ENVOYE, envoye_le=timezone.now(), erreur="", corps=_expurger(message.corps)
    )
    return True


def messages_a_reprendre():
    """Ids of the messages the periodic sweep should (re)send, in the active scope.

    Rows stuck `en_cours` (worker lost mid-send) go back to `a_envoyer`; rows that failed wait a little
    before the next attempt.
    """
    now = timezone.now()
    Message.objects.filter(statut=StatutMessage.EN_COURS, essai_le__lt=now - RECUPERATION_APRES).update(
        statut=StatutMessage.A_ENVOYER
    )
    return list(
        Message.objects.a_envoyer()
        .filter(Q(essai_le=None) | Q(essai_le__lt=now - ATTENTE_APRES_ECHEC))
        .order_by("created_at")
        .values_list("pk", flat=True)[:LOT_MAXIMUM]
    )


def messages_expurger() -> int:
    """Addresses and texts are kept 30 days for support, then erased; the key stays (idempotency)."""
    limite = timezone.now() - CONSERVATION_CONTENU
    return Message.objects.filter(
        statut__in=[StatutMessage.ENVOYE, StatutMessage.ECHEC], created_at__lt=limite, expurge_le=None
    ).update(destinataire="", corps="", expurge_le=timezone.now())
