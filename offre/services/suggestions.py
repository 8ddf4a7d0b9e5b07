"""Writes of the suggestions: embeddings of the services, the mapping of thématiques, the usage counter.

Embeddings are computed by a task after the commit of any save of a service (`embedding_schedule`), and a
daily sweep (`embeddings_refresh`) computes those missing or stale (services bulk-written, a message lost,
the model installed after the catalogue was). Both compare the text's fingerprint first: a service whose
text did not change is not embedded again (idempotent).
"""

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now

from offre import semantique
from offre.models import CorrespondanceThematique, EmbeddingService, Service, UsageService

TEXT_FIELDS = ("pk", "departement_id", "nom", "thematiques", "description", "publics_precisions")
BATCH = 128


def embedding_schedule(service):
    """Enqueue the embedding of `service` after the commit, when the model package is installed."""
    if not semantique.disponible():
        return
    from offre.tasks import calculer_embedding
    from spie.outbox import publish_after_commit

    publish_after_commit(calculer_embedding, service.departement_id, service.pk)


def _store(services):
    """Embed the services whose text changed since their stored vector; returns how many were embedded."""
    texts = {service.pk: semantique.service_text(service) for service in services}
    prints = {pk: semantique.empreinte(text) for pk, text in texts.items()}
    stored = dict(EmbeddingService.objects.filter(service_id__in=texts).values_list("service_id", "empreinte"))
    todo = [pk for pk in texts if stored.get(pk) != prints[pk]]
    if not todo:
        return 0
    vectors = semantique.encoder([texts[pk] for pk in todo])
    departements = {service.pk: service.departement_id for service in services}
    with transaction.atomic():
        for pk, vector in zip(todo, vectors, strict=True):
            EmbeddingService.objects.update_or_create(
                service_id=pk,
                defaults={
                    "departement_id": departements[pk],
                    "modele": semantique.MODELE,
                    "empreinte": prints[pk],
                    "vecteur": semantique.to_bytes(vector),
                },
            )
    return len(todo)


def embedding_refresh(*, service_id) -> bool:
    """Embed one service of the active département; False when it is gone or its text did not change."""
    service = Service.objects.filter(pk=service_id).only(*TEXT_FIELDS).first()
    return bool(service and _store([service]))


def embeddings_refresh(*, log=None) -> int:
    """Embed every service of the active département whose vector is missing or stale, in batches."""
    done = 0
    batch = []
    for service in Service.objects.only(*TEXT_FIELDS).order_by("pk").iterator(chunk_size=1000):
        batch.append(service)
        if len(batch) == BATCH:
            done += _store(batch)
            batch = []
            if log and done and done % (BATCH * 20) == 0:
                log(f"  {done} plongements calculés…")
    if batch:
        done += _store(batch)
    return done


@transaction.atomic
def correspondance_update(*, departement, theme=None, situation=None, thematiques, auteur):
    """Set the thématiques of a theme or a situation for the département (its own row, created if needed)."""
    row, _created = CorrespondanceThematique.objects.update_or_create(
        departement=departement,
        theme=theme,
        situation=situation,
        defaults={"thematiques": sorted(set(thematiques)), "modifie_par": auteur},
    )
    return row


@transaction.atomic
def correspondance_reset(*, departement, theme=None, situation=None) -> int:
    """Back to the default mapping for a theme or a situation: the département's own row is removed."""
    deleted, _ = CorrespondanceThematique.objects.filter(
        departement=departement, theme=theme, situation=situation
    ).delete()
    return deleted


def usage_record(*, service):
    """Count one consultation of `service` from a carnet (one upsert: concurrent consultations all count)."""
    updated = UsageService.objects.filter(service=service).update(
        consultations=F("consultations") + 1, derniere_consultation=Now()
    )
    if not updated:
        with transaction.atomic():
            row, created = UsageService.objects.select_for_update().get_or_create(
                service=service,
                defaults={"departement_id": service.departement_id, "consultations": 1},
            )
            if created:
                UsageService.objects.filter(pk=row.pk).update(derniere_consultation=Now())
            else:
                UsageService.objects.filter(pk=row.pk).update(
                    consultations=F("consultations") + 1, derniere_consultation=Now()
                )
