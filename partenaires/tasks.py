"""Background work of the partenaires app: thin wrappers over services, taking ids.

The runs retry with backoff on a database connection error (PostgreSQL restarting: the run gave its claim back,
see `flux.services.liberer`), and a delivery that finds its run still "en cours" (a worker killed, Celery
redelivering the task at once while the heartbeat is fresh) waits for the heartbeat to age and takes the run
over, instead of exiting for good.
"""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError

from spie.tenancy import departement_scope

DB_ERRORS = (OperationalError, InterfaceError)
BACKOFF, BACKOFF_MAX = 5, 300  # seconds: 5, 10, 20… up to 5 minutes, with full jitter


def _run_or_wait(task, model, run, import_id, departement_id, reprise):
    from partenaires.flux.services import HEARTBEAT_LOST, rendre
    from partenaires.models import StatutTraitement

    try:
        with departement_scope(departement_id):
            if reprise:
                rendre(model, import_id, reprise)
            row = run(import_id=import_id)
            attendre = row is None and model.objects.filter(pk=import_id, statut=StatutTraitement.EN_COURS).exists()
    except DB_ERRORS as exc:
        # PostgreSQL restarting or failing over: retry with backoff; a claim the service could not give back
        # (`exc.reprise`) is given back by the retry itself.
        countdown = get_exponential_backoff_interval(BACKOFF, task.request.retries, BACKOFF_MAX, full_jitter=True)
        reprise = _reprise(exc) or reprise
        raise task.retry(exc=exc, countdown=countdown, kwargs={"reprise": reprise}) from exc
    if attendre:
        raise task.retry(countdown=int(HEARTBEAT_LOST.total_seconds()) + 60, kwargs={"reprise": None})
    return row.pk if row is not None else None


def _reprise(exc):
    """The claim written on the error by the service, or on the one it caused (releasing the advisory lock on a
    dead connection raises again, with the first error as context)."""
    while exc is not None:
        if getattr(exc, "reprise", None):
            return exc.reprise
        exc = exc.__context__
    return None


@shared_task(bind=True, acks_late=True, max_retries=8)
def traiter_flux(self, import_id, departement_id, reprise=None):
    """Run a deposited CAF/MSA flux. Idempotent: the run is claimed by a conditional UPDATE (en_attente →
    en_cours, or a lost run whose heartbeat stopped), so a second delivery does nothing; exits quietly if the row
    is gone or finished. `reprise`: the start of this task's own claim, to give back after a database error."""
    from partenaires.flux.services import flux_run
    from partenaires.models import ImportFlux

    return _run_or_wait(self, ImportFlux, flux_run, import_id, departement_id, reprise)


@shared_task(bind=True, acks_late=True, max_retries=8)
def traiter_import_tableur(self, import_id, departement_id, reprise=None):
    """Run a validated spreadsheet import; same claim, retries and idempotency as the flux."""
    from partenaires.imports.services import tableur_run
    from partenaires.models import ImportTableur

    return _run_or_wait(self, ImportTableur, tableur_run, import_id, departement_id, reprise)


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
