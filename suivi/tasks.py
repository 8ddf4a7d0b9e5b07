"""Celery tasks of the follow-up: thin wrappers over `suivi.services` and `suivi.outbox`.

The periodic tasks walk the active départements, each inside its own scope and transaction, so that the
messages a département queues are enqueued after its commit. Every task is idempotent: running it twice
queues, notifies and sends nothing twice (unique keys, and a status claimed by a conditional UPDATE).
"""

import logging

from celery import shared_task
from django.db import transaction

from spie.models import Departement
from spie.tenancy import departement_scope
from suivi import outbox, services

logger = logging.getLogger(__name__)


def _par_departement(service):
    """Run a service for each active département; one département's failure does not stop the others."""
    results, errors = {}, []
    for departement in Departement.objects.actifs().order_by("pk"):
        try:
            with departement_scope(departement), transaction.atomic():
                results[departement.code] = service(departement=departement)
        except Exception:
            logger.exception("%s a échoué pour le département %s", service.__name__, departement.code)
            errors.append(departement.code)
    if errors:
        raise RuntimeError(f"{service.__name__} : échec pour les départements {', '.join(errors)}")
    return results


@shared_task(acks_late=True)
def rappels_rendez_vous():
    """Beat (daily): remind the people of their appointments."""
    return _par_departement(services.rappels_rendez_vous_envoyer)


@shared_task(acks_late=True)
def digests_referents():
    """Beat (daily): the weekly point to the professionals, and the daily e-mail to those who asked for it."""
    return _par_departement(services.digests_envoyer)


@shared_task(acks_late=True)
def alertes_orientation():
    """Beat (working days): new entrants past the orientation target, to the chargés d'orientation."""
    return _par_departement(services.alertes_orientation_envoyer)


@shared_task(acks_late=True)
def alertes_delai_legal():
    """Beat (daily): people at 4 and 5 weeks of the legal orientation deadline, to the chargés and the admins."""
    return _par_departement(services.alertes_delai_legal_envoyer)


@shared_task(acks_late=True)
def alertes_contrat_engagement():
    """Beat (daily): people without a signed contrat d'engagement a month after the orientation, to the référent."""
    return _par_departement(services.alertes_contrat_engagement_envoyer)


@shared_task(acks_late=True)
def alertes_suivi_sortie():
    """Beat (daily): the check-ins due after an exit into work, to the référent, each once."""
    return _par_departement(services.alertes_suivi_sortie_envoyer)


@shared_task(acks_late=True)
def alertes_stock_contrat_engagement():
    """Beat (weekly): people followed since before 2025 without a contrat d'engagement, to the structure managers."""
    return _par_departement(services.alertes_stock_ce_envoyer)


@shared_task(acks_late=True)
def alertes_revision_parcours_social():
    """Beat (daily): people on the social path due for their orientation review (6 or 12 months), to the référent."""
    return _par_departement(services.alertes_revision_parcours_social_envoyer)


@shared_task(acks_late=True)
def alertes_sans_referent():
    """Beat (working days): people followed without référent, to the structure managers."""
    return _par_departement(services.alertes_sans_referent_envoyer)


@shared_task(acks_late=True)
def envoyer_questionnaires():
    """Beat (daily): evaluation questionnaires after an orientation decision and at the end of a contract."""
    return _par_departement(services.questionnaires_envoyer)


@shared_task(acks_late=True)
def envoyer_message(departement_id, message_id):
    """Send one message of the outbox (enqueued after the commit that queued it); quiet if gone or taken."""
    if not Departement.objects.filter(pk=departement_id).exists():
        return False
    with departement_scope(departement_id):
        return outbox.message_envoyer(message_id=message_id)


@shared_task(acks_late=True)
def envoyer_messages():
    """Beat (every few minutes): send what the after-commit task missed (broker down, worker lost, retries)."""
    sent = 0
    for departement in Departement.objects.order_by("pk"):
        with departement_scope(departement):
            for message_id in outbox.messages_a_reprendre():
                sent += outbox.message_envoyer(message_id=message_id)
    return sent


@shared_task(acks_late=True)
def expurger_messages():
    """Beat (daily): erase addresses and texts of messages older than 30 days."""
    erased = 0
    for departement in Departement.objects.order_by("pk"):
        with departement_scope(departement):
            erased += outbox.messages_expurger()
    return erased


@shared_task(acks_late=True)
def rafraichir_indicateurs():
    """Beat (nightly): the current and previous months' indicators, and any month missing for the current
    definitions. Idempotent: a month's rows are replaced in one transaction."""
    from suivi.indicateurs.calcul import rafraichir

    return _par_departement(lambda departement: len(rafraichir(departement)))


@shared_task(acks_late=True)
def recalculer_indicateurs(departement_id, nombre_de_mois=24):
    """After the window of the delay indicators changed: recompute the département's last months."""
    from suivi.indicateurs.calcul import recalculer

    departement = Departement.objects.filter(pk=departement_id).first()
    if departement is None:
        return 0
    return len(recalculer(departement, nombre_de_mois=nombre_de_mois))


@shared_task(acks_late=True)
def rapports_mensuels():
    """Beat (the 1st of each month): the previous month's report of every département, once."""
    return _par_departement(services.rapports_mensuels_lancer)


@shared_task(acks_late=True)
def produire_rapport(rapport_id, departement_id):
    """Produce a monthly report; claimed by a conditional UPDATE, so a second delivery does nothing."""
    with departement_scope(departement_id):
        row = services.rapport_produire(rapport_id=rapport_id)
    return row.pk if row is not None else None
