"""In-app notifications (the bell). E-mail digests are built from the same rows."""

import uuid

from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def non_lues(self):
        return self.filter(lue_le=None)


class Notification(models.Model):
    """Addressed to one user; `cle` makes sending idempotent (the same event never notifies twice)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    departement = models.ForeignKey(
        "spie.Departement", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    titre = models.CharField("titre", max_length=200)
    # Never health, justice or family details: the message says that something happened and where.
    message = models.TextField("message")
    lien = models.CharField("lien", max_length=300, blank=True)
    cle = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    lue_le = models.DateTimeField("lue le", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "cle"], name="notification_idempotente")]
        indexes = [models.Index(fields=["user", "lue_le"], name="notification_non_lue_idx")]

    def __str__(self):
        return self.titre
