"""Background work of the partenaires app: thin wrappers over services, taking ids."""

from celery import shared_task

from spie.tenancy import departement_scope


@shared_task(acks_late=True)
def traiter_flux(import_id, departement_id):
    """Run a deposited CAF/MSA flux. Idempotent: the run is claimed by a conditional UPDATE (en_attente →
    en_cours), so a second delivery does nothing; exits quietly if the row is gone."""
    from partenaires.flux.services import flux_run

    with departement_scope(departement_id):
        row = flux_run(import_id=import_id)
    return row.pk if row is not None else None


@shared_task(acks_late=True)
def traiter_import_tableur(import_id, departement_id):
    """Run a validated spreadsheet import; same claim and idempotency as the flux."""
    from partenaires.imports.services import tableur_run

    with departement_scope(departement_id):
        row = tableur_run(import_id=import_id)
    return row.pk if row is not None else None
