"""The outbox of tasks: no enqueue is lost when the broker (Redis) is down.

A task that matters (a flux run, an import, a webhook delivery, a convocation, a report...) is enqueued by
`enqueue(task, *args)` inside the business transaction: it writes an `OutboxTask` row in that transaction and
publishes the message after the commit. A publication that fails (broker down, timeout) is logged and never
raises: the request that saved its data answers normally. The row's `uid` is the Celery task id; the worker marks
the row started when the task begins (`task_prerun`). The beat sweep `republier` publishes again the rows never
published, and those published long ago but never started (a broker restarted without persistence loses its
queue). Delivery is at least once: every task enqueued this way must be idempotent (they all claim their row by
a conditional UPDATE or a status), as CONVENTIONS.md asks of every task.

The e-mail and SMS outbox (suivi/outbox.py) has rows of its own (its messages) and its own sweep; it uses
`publish_after_commit` for the same never-raising publication.
"""

import logging
from datetime import timedelta

from celery import current_app
from celery.signals import task_prerun
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from spie.models import OutboxTask

logger = logging.getLogger(__name__)

# A row not yet published is picked up by the sweep after this delay (the after-commit publication comes first).
PUBLICATION_GRACE = timedelta(minutes=1)
# A message accepted by the broker but not started after this delay is published again (a queue lost with a
# Redis restart). Long enough for an ordinary backlog; a duplicate is harmless (idempotent tasks).
REPUBLICATION_AFTER = timedelta(minutes=30)
STARTED_RETENTION = timedelta(days=7)
BATCH = 500


def _publish(name, args, task_id) -> bool:
    if current_app.conf.task_always_eager:
        # Tests: the registered task runs in process, as `.delay` would (`send_task` ignores eagerness), and its
        # errors propagate.
        current_app.tasks[name].apply_async(args=args, task_id=task_id)
        return True
    try:
        current_app.send_task(name, args=args, task_id=task_id)
    except Exception as exc:  # the broker is down or times out: the sweep publishes again
        logger.warning("Tâche %s non publiée (%s : %s), reprise par le balayage.", name, type(exc).__name__, exc)
        return False
    return True


def publish_after_commit(task, *args):
    """Publish `task(*args)` after the commit; a broker error is logged, never raised (for rows swept elsewhere)."""
    transaction.on_commit(lambda: _publish(task.name, list(args), None))


def enqueue(task, *args) -> OutboxTask:
    """Record `task(*args)` in the current transaction and publish it after the commit (never raises then)."""
    row = OutboxTask.objects.create(name=task.name, args=list(args))
    transaction.on_commit(lambda: _publish_row(row.pk, row.name, row.args, str(row.uid)))
    return row


def _publish_row(pk, name, args, task_id):
    # Counted before publishing: an eager task (tests) runs inside the call.
    OutboxTask.objects.filter(pk=pk).update(publications=F("publications") + 1)
    if _publish(name, args, task_id):
        try:
            OutboxTask.objects.filter(pk=pk).update(enqueued_at=timezone.now())
        except Exception as exc:  # the database went away after the commit: the sweep publishes again
            logger.warning("Tâche %s publiée, date non enregistrée (%s).", name, type(exc).__name__)


def republier() -> int:
    """The beat sweep: publish again what was never published or never started; forget old started rows."""
    now = timezone.now()
    OutboxTask.objects.filter(started_at__lt=now - STARTED_RETENTION).delete()
    pending = (
        OutboxTask.objects.filter(started_at=None)
        .filter(
            Q(enqueued_at=None, created_at__lt=now - PUBLICATION_GRACE) | Q(enqueued_at__lt=now - REPUBLICATION_AFTER)
        )
        .order_by("created_at")[:BATCH]
    )
    count = 0
    for row in pending:
        OutboxTask.objects.filter(pk=row.pk).update(publications=F("publications") + 1)
        if not _publish(row.name, row.args, str(row.uid)):
            break  # the broker is still down: the next sweep tries again
        OutboxTask.objects.filter(pk=row.pk).update(enqueued_at=timezone.now())
        count += 1
    return count


@task_prerun.connect(dispatch_uid="spie.outbox.mark_started")
def mark_started(task_id=None, **kwargs):
    """The worker took the task: its outbox row (if any) is not to be published again."""
    if not task_id:
        return
    try:
        OutboxTask.objects.filter(uid=task_id, started_at=None).update(started_at=timezone.now())
    except Exception as exc:  # ValueError: a task id that is not a UUID (not ours); a database error: retried
        logger.debug("Marque de démarrage non posée pour %s (%s).", task_id, type(exc).__name__)
