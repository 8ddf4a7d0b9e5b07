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


def conservation_par_departement(*, jour=None, wet_run=True):
    """The retention cycle for each active département, each in its scope; {code: Bilan}."""
    from carnet.services.conservation import conservation_appliquer
    from spie.models import Departement

    bilans = {}
    for departement in Departement.objects.actifs().order_by("pk"):
        with departement_scope(departement):
            bilans[departement.code] = conservation_appliquer(departement=departement, jour=jour, wet_run=wet_run)
    return bilans


@shared_task(acks_late=True)
def appliquer_conservation():
    """Beat (daily): warn 30 days ahead, anonymise the carnets due, delete the people never accompanied."""
    bilans = conservation_par_departement()
    erreurs = [uid for b in bilans.values() for uid in b.erreurs]
    if erreurs:
        # Logged one by one; the others were done. Raised so that monitoring sees the run failed.
        raise RuntimeError(f"Conservation : {len(erreurs)} carnet(s) en échec ({', '.join(erreurs[:10])})")
    return {code: (b.prevenus, b.anonymises, b.supprimes) for code, b in bilans.items()}
