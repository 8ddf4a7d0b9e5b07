"""The state of each dependency, for `/sante/`: the database, the cache and the broker (both Redis, possibly two
servers), and the task outbox (tasks waiting to be published: the broker was down at their commit)."""

import logging
from datetime import timedelta

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# Tasks recorded but still unpublished after this long: the sweep (beat) is not running or the broker is down.
OUTBOX_LATE = timedelta(minutes=5)


def _base():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        logger.warning("Santé : base indisponible (%s).", type(exc).__name__)
        return "indisponible"


def _cache():
    ping = getattr(cache, "ping", None)
    try:
        return (
            "ok" if (ping() if ping is not None else cache.set("spie:sante", "ok", 5) is not False) else "indisponible"
        )
    except Exception:
        return "indisponible"


def _broker():
    if current_app.conf.task_always_eager:
        return "ok"  # tests and development without a worker: no broker in use
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception as exc:
        logger.warning("Santé : courtier indisponible (%s).", type(exc).__name__)
        return "indisponible"


def _outbox(base):
    if base != "ok":
        return "inconnu"
    from spie.models import OutboxTask

    try:
        late = OutboxTask.objects.filter(
            started_at=None, enqueued_at=None, created_at__lt=timezone.now() - OUTBOX_LATE
        ).exists()
    except Exception:
        return "inconnu"
    return "en_retard" if late else "ok"


def etat_des_services() -> dict:
    base = _base()
    return {"base": base, "cache": _cache(), "courtier": _broker(), "taches": _outbox(base)}
