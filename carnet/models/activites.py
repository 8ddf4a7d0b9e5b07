"""The activity ledger of a contrat d'engagement: hours planned and done, week by week.

The loi pour le plein emploi asks, in principle, for 15 hours of activity a week (L.5411-6-1 code du travail);
no national format exists to count them, so the platform keeps one row per activity: its type, its day, its
duration, whether it is planned or done, and who recorded it (a member of the group, or a partner structure
through the API). Appointments attended are counted from the appointments themselves (never copied here).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from spie.tenancy import TenantModel


class TypeActivite(models.TextChoices):
    ATELIER = "atelier", "Atelier collectif"
    FORMATION = "formation", "Formation"
    IMMERSION = "immersion", "Immersion en entreprise"
    RECHERCHE_EMPLOI = "recherche_emploi", "Démarches de recherche d'emploi"
    ACCOMPAGNEMENT = "accompagnement", "Entretien d'accompagnement"
    ACTION_SOCIALE = "action_sociale", "Démarche sociale ou administrative"
    BENEVOLAT = "benevolat", "Activité bénévole ou citoyenne"
    AUTRE = "autre", "Autre activité du plan"


class EtatActivite(models.TextChoices):
    PREVUE = "prevue", "Prévue"
    REALISEE = "realisee", "Réalisée"


class SourceActivite(models.TextChoices):
    GROUPE = "groupe", "Groupe de suivi"
    PARTENAIRE = "partenaire", "Structure partenaire (API)"


class ActiviteEngagement(TenantModel):
    """One activity counted in the hours of a contrat d'engagement."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contrat = models.ForeignKey("carnet.Contrat", on_delete=models.CASCADE, related_name="activites")
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="activites_engagement")
    type = models.CharField("type d'activité", max_length=20, choices=TypeActivite.choices)
    date = models.DateField("jour")
    duree_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    etat = models.CharField("état", max_length=10, choices=EtatActivite.choices, default=EtatActivite.REALISEE)
    precision = models.CharField(
        "précision",
        max_length=200,
        blank=True,
        help_text="Par exemple le nom de l'atelier. Sans information de santé ni de situation familiale.",
    )
    justificatif = models.ForeignKey(
        "carnet.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="justificatif",
    )
    source = models.CharField("source", max_length=10, choices=SourceActivite.choices, default=SourceActivite.GROUPE)
    # A partner's system posts through the API: no person, only its structure.
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    structure = models.ForeignKey("spie.Structure", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "activité du contrat d'engagement"
        verbose_name_plural = "activités du contrat d'engagement"
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["contrat", "date"], name="activite_contrat_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duree_minutes__gt=0) & Q(duree_minutes__lte=24 * 60), name="activite_duree_bornee"
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} le {self.date:%d/%m/%Y}"

    @property
    def heures(self):
        return self.duree_minutes / 60
