"""Background work of the partenaires app: thin wrappers over services, taking ids.

The runs retry with backoff on a database connection error (PostgreSQL restarting: the run gave its claim back,
see `flux.services.liberer`), and a delivery that finds its run still "en cours" (a worker killed, Celery
redelivering the task at once while the heartbeat is fresh) waits for the heartbeat to age and takes the run
over, instead of exiting for good.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from spie.tenancy import departement_scope

DB_ERRORS = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": DB_ERRORS, "retry_backoff": 5, "retry_backoff_max": 300, "retry_jitter": True}


def _run_or_wait(task, model, run, import_id, departement_id):
    from partenaires.flux.services import HEARTBEAT_LOST
    from partenaires.models import StatutTraitement

    with departement_scope(departement_id):
        row = run(import_id=import_id)
        if row is None and model.objects.filter(pk=import_id, statut=StatutTraitement.EN_COURS).exists():
            raise task.retry(countdown=int(HEARTBEAT_LOST.total_seconds()) + 60)
    return row.pk if row is not None else None


@shared_task(bind=True, acks_late=True, max_retries=8, **RETRY)
def traiter_flux(self, import_id, departement_id):
    """Run a deposited CAF/MSA flux. Idempotent: the run is claimed by a conditional UPDATE (en_attente →
    en_cours, or a lost run whose heartbeat stopped), so a second delivery does nothing; exits quietly if the row
    is gone or finished."""
    from partenaires.flux.services import flux_run
    from partenaires.models import ImportFlux

    return _run_or_wait(self, ImportFlux, flux_run, import_id, departement_id)


@shared_task(bind=True, acks_late=True, max_retries=8, **RETRY)
def traiter_import_tableur(self, import_id, departement_id):
    """Run a validated spreadsheet import; same claim, retries and idempotency as the flux."""
    from partenaires.imports.services import tableur_run
    from partenaires.models import ImportTableur

    return _run_or_wait(self, ImportTableur, tableur_run, import_id, departement_id)


@shared_task(acks_late=True)
def reprendre_traitements():
    """Beat: flux and imports lost with their worker are taken up again, or marked failed (see the services)."""
    from partenaires.flux.services import traitements_reprendre
    from partenaires.models import ImportFlux, ImportTableur
    from spie.models import Departement

    totals = [0, 0]
    for departement_id in Departement.objects.values_list("pk", flat=True):
        with departement_scope(departement_id):
            for model, task in ((ImportFlux, traiter_flux), (ImportTableur, traiter_import_tableur)):
                reprises, echecs = traitements_reprendre(model, task)
                totals[0] += reprises
                totals[1] += echecs
    return {"reprises": totals[0], "echecs": totals[1]}
