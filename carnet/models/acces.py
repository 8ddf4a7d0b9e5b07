"""Exceptional access ("bris de glace"): a professional outside the group states why they read a carnet's content.

Département admins, chargés d'orientation and validators read every carnet of their département for what their
role needs (the card, the group, the path); the general notes and documents, written by the group for the group,
are opened to them only for a short time after they gave a reason, and every such opening is listed for the
data protection officer.
"""

import uuid

from django.conf import settings
from django.db import models

from spie.models import MotifAcces
from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class AccesExceptionnelQuerySet(TenantQuerySet):
    def en_cours(self, now):
        return self.filter(expire_le__gt=now)


class AccesExceptionnel(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="acces_exceptionnels")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="professionnel"
    )
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    motif = models.CharField("motif", max_length=20, choices=MotifAcces.choices)
    justification = models.TextField("justification")
    created_at = models.DateTimeField("ouvert le", auto_now_add=True)
    expire_le = models.DateTimeField("expire le")

    objects = TenantManager.from_queryset(AccesExceptionnelQuerySet)()

    class Meta:
        verbose_name = "accès exceptionnel"
        verbose_name_plural = "accès exceptionnels"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["carnet", "user", "-expire_le"]),
            models.Index(fields=["departement", "-created_at"]),
        ]
