"""Celery tasks of the offer: thin wrappers over `offre.services`.

Tasks receive ids, re-enter the département's scope themselves and are idempotent: the import claims its
row by a conditional UPDATE, reminders and expiries claim each prescription the same way.
"""

from celery import shared_task

from offre import services
from spie.models import Departement
from spie.tenancy import departement_scope


@shared_task(acks_late=True)
def importer_catalogue(departement_id, import_id):
    """Run an import of data·inclusion files; exits quietly when the département or the import is gone."""
    if not Departement.objects.filter(pk=departement_id).exists():
        return None
    with departement_scope(departement_id):
        row = services.import_run(import_id=import_id)
    return str(row.uid) if row else None


@shared_task(acks_late=True)
def relancer_prescriptions():
    """Beat: remind the receiving structures of prescriptions unanswered for 10 days."""
    return services.prescriptions_remind()


@shared_task(acks_late=True)
def expirer_prescriptions():
    """Beat: close prescriptions unanswered for 30 days and tell their prescribers."""
    return services.prescriptions_expire()


@shared_task(acks_late=True)
def relancer_suivi_prescriptions():
    """Beat: remind both sides of accepted prescriptions whose outcome has not moved for 21 days."""
    return services.prescriptions_suivi_relancer()


@shared_task(acks_late=True)
def recalculer_scores_qualite():
    """Beat: the package's score decays with the age of `date_maj`; refresh the stored scores."""
    return services.scores_refresh()


@shared_task(acks_late=True)
def calculer_embedding(departement_id, service_id):
    """Embed a service after its write (idempotent: skipped when its text did not change)."""
    if not Departement.objects.filter(pk=departement_id).exists():
        return False
    with departement_scope(departement_id):
        return services.embedding_refresh(service_id=service_id)


@shared_task(acks_late=True)
def rattraper_embeddings():
    """Beat: embed the services whose vector is missing or stale (bulk writes, a lost message, a new model)."""
    from offre import semantique

    if not semantique.disponible():
        return 0
    done = 0
    for departement in Departement.objects.actifs():
        with departement_scope(departement):
            done += services.embeddings_refresh()
    return done
