"""Retention of a carnet: the référent's dated reasons for keeping it past its due date."""

import uuid

from django.conf import settings
from django.db import models

from spie.tenancy import TenantModel


class JustificationConservation(TenantModel):
    """The référent keeps a carnet past its due date, for a stated reason: the due date moves to `jusqu_au`
    (today plus the département's retention period). Cleared to its dates and codes by the anonymisation."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="justifications_conservation")
    motif = models.TextField("motif de la conservation")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    jusqu_au = models.DateField("conservé jusqu'au")
    created_at = models.DateTimeField("justifié le", auto_now_add=True)

    class Meta:
        verbose_name = "justification de conservation"
        verbose_name_plural = "justifications de conservation"
        ordering = ["-created_at", "-id"]
