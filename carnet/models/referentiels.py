"""Referentials of the common diagnostic and of the plan: data, not code.

Themes are national (the 10 themes of the SPIE). Situations and suggested objectives are national
rows (`departement` null) that each département can extend with its own rows.
"""

import uuid

from django.db import models
from django.db.models import Q

from carnet.models.documents import Sensibilite


class Theme(models.Model):
    code = models.SlugField("code", max_length=40, unique=True)
    libelle = models.CharField("libellé", max_length=100)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    # The sensitivity class of the theme's situations and plan (`carnet.sensibilite` decides who reads it).
    sensibilite = models.CharField(
        "classe de sensibilité",
        max_length=20,
        choices=[(value, label.split(" — ")[0]) for value, label in Sensibilite.choices if value != "privee"],
        default=Sensibilite.GENERALE,
    )

    class Meta:
        verbose_name = "thème"
        ordering = ["ordre", "libelle"]

    def __str__(self):
        return self.libelle

    @property
    def sensible(self):
        """A theme of any class but the general one (health, family...)."""
        return self.sensibilite != Sensibilite.GENERALE


class ReferentielQuerySet(models.QuerySet):
    def disponibles(self, departement):
        """National rows plus the département's own, active only."""
        return self.filter(Q(departement=None) | Q(departement=departement), actif=True)


class Situation(models.Model):
    """A situation that can be checked in the diagnostic, e.g. "hébergé chez un tiers"."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="situations", verbose_name="thème")
    libelle = models.CharField("libellé", max_length=200)
    departement = models.ForeignKey(
        "spie.Departement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="département (vide = national)",
    )
    actif = models.BooleanField("active", default=True)

    objects = ReferentielQuerySet.as_manager()

    class Meta:
        verbose_name = "situation"
        ordering = ["theme__ordre", "libelle"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "libelle"], condition=Q(departement=None), name="situation_nationale_unique"
            ),
            models.UniqueConstraint(fields=["theme", "libelle", "departement"], name="situation_locale_unique"),
        ]

    def __str__(self):
        return self.libelle


class ObjectifReference(models.Model):
    """A suggested objective for an axe of the plan, e.g. "trouver un emploi"."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="objectifs", verbose_name="thème")
    libelle = models.CharField("libellé", max_length=200)
    departement = models.ForeignKey(
        "spie.Departement", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actif = models.BooleanField("actif", default=True)

    objects = ReferentielQuerySet.as_manager()

    class Meta:
        verbose_name = "objectif de référence"
        ordering = ["theme__ordre", "libelle"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "libelle", "departement"], name="objectif_reference_unique"),
        ]

    def __str__(self):
        return self.libelle
