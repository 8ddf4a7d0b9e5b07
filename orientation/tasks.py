"""Background work of the orientation app: thin wrappers over services, taking ids."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from orientation.documents import convocation_pdf
from orientation.models import Convocation
from spie.dates import date_message
from spie.models import Departement
from spie.tenancy import departement_scope

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def orientations_france_travail():
    """Beat (daily, early): people past the legal orientation deadline pass to France Travail. Idempotent;
    one département's failure does not stop the others."""
    from orientation.services import orientations_france_travail_enregistrer

    results, errors = {}, []
    for departement in Departement.objects.actifs().order_by("pk"):
        try:
            with departement_scope(departement), transaction.atomic():
                results[departement.code] = orientations_france_travail_enregistrer(departement=departement)
        except Exception:
            logger.exception("orientations_france_travail a échoué pour le département %s", departement.code)
            errors.append(departement.code)
    if errors:
        raise RuntimeError(f"orientations_france_travail : échec pour les départements {', '.join(errors)}")
    return results


@shared_task(acks_late=True, autoretry_for=(OSError, SMTPException), retry_backoff=60, max_retries=5)
def envoyer_convocation(convocation_id, departement_id):
    """E-mail the convocation letter to the person. The convocation row is the outbox: the send is claimed
    by a conditional UPDATE of `email_envoye_le`, so a retried or duplicated task never sends twice, and the
    claim is released when sending fails (the task may then be retried). Exits quietly if the row is gone."""
    with departement_scope(departement_id):
        convocation = (
            Convocation.objects.select_related("dossier__carnet__beneficiaire", "rendez_vous__structure")
            .filter(pk=convocation_id, courriel_demande=True)
            .first()
        )
        if convocation is None or not convocation.dossier.carnet.beneficiaire.courriel:
            return False
        claimed = Convocation.objects.filter(pk=convocation.pk, email_envoye_le=None).update(
            email_envoye_le=timezone.now()
        )
        if not claimed:
            return False
        try:
            _send(convocation)
        except Exception:
            Convocation.objects.filter(pk=convocation.pk).update(email_envoye_le=None)
            raise
    return True


def _send(convocation):
    beneficiaire = convocation.dossier.carnet.beneficiaire
    departement = Departement.objects.get(pk=convocation.departement_id)
    context = {
        "beneficiaire": beneficiaire,
        "rendez_vous": convocation.rendez_vous,
        "departement": departement,
        "quand": date_message(convocation.rendez_vous.date_heure),
    }
    message = EmailMessage(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}Convocation à un entretien d'orientation",
        body=render_to_string("orientation/emails/convocation.txt", context),
        to=[beneficiaire.courriel],
        reply_to=[departement.contact_courriel] if departement.contact_courriel else None,
    )
    message.attach("convocation.pdf", convocation_pdf(convocation), "application/pdf")
    message.send()
