"""The outbox of tasks: a task that matters is a row written in the business transaction (see spie/outbox.py)."""

import uuid

from django.db import models


class OutboxTask(models.Model):
    """One Celery task to run: `uid` is its Celery task id, so the worker marks the row started when it begins.

    Machinery, not tenant data: the arguments are ids (the task re-enters its département's scope itself).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last time the broker accepted the message; None: never published (the broker was down at commit).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    publications = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "tâche en file"
        indexes = [
            models.Index(fields=["created_at"], name="outboxtask_not_started_idx", condition=models.Q(started_at=None))
        ]

    def __str__(self):
        return f"{self.name}{tuple(self.args)}"
