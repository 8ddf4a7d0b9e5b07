"""Imports of data·inclusion files: one row per import, which is also its progress bar and its report."""

import uuid

from django.conf import settings
from django.db import models

from spie.tenancy import TenantModel


class StatutImport(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"


class FormatImport(models.TextChoices):
    JSON = "json", "JSON"
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


def import_path(instance, filename):
    # Private storage, never under a public URL; the original name is kept in `noms_fichiers` for display.
    return f"imports-offre/{instance.departement_id}/{uuid.uuid4().hex}"


class ImportCatalogue(TenantModel):
    """An uploaded file (or two CSV files: structures and services) and what its import did.

    The task updates `traites` as it goes: the page polls `offre:import_statut` to show the progress.
    `rapport` holds {"erreurs": [{"type", "numero", "ligne", "identifiant", "champ", "message"}...],
    "message": "..."}; it is kept and downloadable as CSV.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    format = models.CharField("format", max_length=4, choices=FormatImport.choices)
    fichier = models.FileField(upload_to=import_path)
    fichier_2 = models.FileField(upload_to=import_path, blank=True)
    noms_fichiers = models.CharField("fichiers", max_length=400)
    statut = models.CharField("statut", max_length=10, choices=StatutImport.choices, default=StatutImport.EN_ATTENTE)
    total = models.PositiveIntegerField("enregistrements", default=0)
    traites = models.PositiveIntegerField("traités", default=0)
    crees = models.PositiveIntegerField("créés", default=0)
    modifies = models.PositiveIntegerField("modifiés", default=0)
    inchanges = models.PositiveIntegerField("inchangés", default=0)
    en_erreur = models.PositiveIntegerField("en erreur", default=0)
    rapport = models.JSONField("rapport", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # Heartbeat of the task: a run whose heartbeat is old was lost with its worker and may be taken over.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "import du catalogue"
        verbose_name_plural = "imports du catalogue"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Import du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def pourcentage(self):
        if self.statut in (StatutImport.TERMINE, StatutImport.ECHEC):
            return 100
        return int(100 * self.traites / self.total) if self.total else 0

    @property
    def fini(self):
        return self.statut in (StatutImport.TERMINE, StatutImport.ECHEC)

    @property
    def erreurs(self):
        return (self.rapport or {}).get("erreurs", [])
