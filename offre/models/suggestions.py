"""Suggested offers: the département's mapping of the carnet's themes to data·inclusion thématiques, the
embeddings of service descriptions, and the usage counter of services consulted from a carnet.

The mapping is data: a row per theme (or per situation of the diagnostic) that the département's admin
changed; without a row, the default of `offre/data/correspondances.json` applies.

Embeddings are stored as float32 bytes (`bytea`): the machine's PostgreSQL has no pgvector, and the
structured match narrows the candidates to a few hundred, whose cosine is computed in numpy (README,
"Offres suggérées").
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from spie.tenancy import TenantModel


class CorrespondanceThematique(TenantModel):
    """The thématiques that answer a theme of the plan or a situation of the diagnostic, in one département."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    theme = models.ForeignKey(
        "carnet.Theme", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="thème"
    )
    situation = models.ForeignKey(
        "carnet.Situation", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="situation"
    )
    thematiques = models.JSONField("thématiques data·inclusion", default=list, blank=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "correspondance de thématiques"
        verbose_name_plural = "correspondances de thématiques"
        constraints = [
            models.CheckConstraint(
                condition=Q(theme__isnull=False, situation=None) | Q(theme=None, situation__isnull=False),
                name="correspondance_theme_ou_situation",
            ),
            models.UniqueConstraint(
                fields=["departement", "theme"], condition=Q(situation=None), name="correspondance_theme_unique"
            ),
            models.UniqueConstraint(
                fields=["departement", "situation"], condition=Q(theme=None), name="correspondance_situation_unique"
            ),
        ]


class EmbeddingService(TenantModel):
    """The sentence embedding of a service's text (name, thématiques, description), as float32 bytes."""

    service = models.OneToOneField(
        "offre.Service", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    modele = models.CharField("modèle", max_length=100)
    # sha256 of the model name and the text embedded: the task skips a service whose text did not change.
    empreinte = models.CharField(max_length=64)
    vecteur = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "plongement d'un service"
        verbose_name_plural = "plongements des services"


class UsageService(TenantModel):
    """How often a service was consulted from a carnet (the catalogue admin sees which services are used)."""

    service = models.OneToOneField("offre.Service", on_delete=models.CASCADE, primary_key=True, related_name="usage")
    consultations = models.PositiveIntegerField("consultations depuis un carnet", default=0)
    derniere_consultation = models.DateTimeField("dernière consultation", null=True, blank=True)

    class Meta:
        verbose_name = "usage d'un service"
        verbose_name_plural = "usages des services"
