"""Background work of the carnet: the malware scan of quarantined documents (thin wrappers over services)."""

from celery import shared_task

from spie.tenancy import departement_scope


@shared_task(acks_late=True)
def analyser_document(departement_id, document_id):
    from carnet.services.documents import document_analyser

    with departement_scope(departement_id):
        return document_analyser(document_id=document_id)


@shared_task(acks_late=True)
def analyser_documents_en_attente():
    """Beat sweep: scan again what waited for clamd (down at upload time, or the after-commit task lost)."""
    from carnet.services.documents import document_analyser, documents_a_analyser

    states = []
    for departement_id, document_id in documents_a_analyser():
        with departement_scope(departement_id):
            states.append(document_analyser(document_id=document_id))
    return states.count("saine"), states.count("refusee"), states.count("en_attente")
