"""The append-only access log.

Rows are only ever inserted: PostgreSQL triggers (migrations `spie.0002_accesslog_append_only` and
`spie.0009_journal_motif_purge`) refuse UPDATE, TRUNCATE, and DELETE of rows younger than the legal minimum
retention (`ACCESS_LOG_MIN_RETENTION_DAYS`), whatever the code does. The table is partitioned by month
(`spie.0011_journal_partitionne`, primary key (id, created_at) in the database); the daily purge
(`spie.audit.purger_journal`) drops the partitions older than `SPIE_ACCESS_LOG_RETENTION_DAYS` and deletes the
older rows left in the others. The application's database role may only SELECT and INSERT here (`configurer_roles`).
Foreign keys use `DO_NOTHING` so that no cascade or SET NULL ever tries to rewrite a row.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now


class Action(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    TELECHARGEMENT = "telechargement", "Téléchargement"
    RECHERCHE = "recherche", "Recherche"
    CREATION = "creation", "Création"
    MODIFICATION = "modification", "Modification"
    DESACTIVATION = "desactivation", "Désactivation"
    REACTIVATION = "reactivation", "Réactivation"
    SUPPRESSION = "suppression", "Suppression"
    INVITATION = "invitation", "Invitation"
    CONNEXION = "connexion", "Connexion"
    EXPORT = "export", "Export"
    ACCES_EXCEPTIONNEL = "acces_exceptionnel", "Accès exceptionnel"
    ANONYMISATION = "anonymisation", "Anonymisation"
    TRANSFERT = "transfert", "Transfert vers un autre département"


# Access logs are kept 6 to 12 months (DOMAIN.md): the database refuses to delete a row younger than this floor,
# whatever the setting says.
ACCESS_LOG_MIN_RETENTION_DAYS = 183
ACCESS_LOG_MAX_RETENTION_DAYS = 366


class MotifAcces(models.TextChoices):
    """Why a professional read a file they do not follow (exceptional access) or why a row was written."""

    URGENCE = "urgence", "Situation d'urgence concernant la personne"
    REMPLACEMENT = "remplacement", "Remplacement du référent absent"
    ORIENTATION = "orientation", "Instruction ou décision d'orientation"
    DEMANDE_PERSONNE = "demande_personne", "À la demande de la personne"
    RECOURS = "recours", "Recours, réclamation ou contentieux"
    CONTROLE = "controle", "Contrôle de la qualité du suivi demandé par la hiérarchie"


class Canal(models.TextChoices):
    WEB = "web", "Navigateur"
    API = "api", "API"
    TACHE = "tache", "Tâche planifiée"
    COMMANDE = "commande", "Commande d'administration"
    ADMIN = "admin", "Administration nationale"
    USAGER = "usager", "Espace de la personne"


class AccessLogQuerySet(models.QuerySet):
    def of_departement(self, departement):
        return self.filter(departement_id=departement.pk)


class AccessLog(models.Model):
    """Who did what on which object, from which structure and channel, at which server time."""

    created_at = models.DateTimeField("date (serveur)", db_default=Now(), editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="utilisateur",
    )
    departement = models.ForeignKey(
        "spie.Departement",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="département",
    )
    structure = models.ForeignKey(
        "spie.Structure",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="structure d'exercice",
    )
    # Tokens of the partner API (added by the partenaires app) are referenced by id only.
    api_token_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField("action", max_length=20, choices=Action.choices)
    canal = models.CharField("canal", max_length=10, choices=Canal.choices)
    object_type = models.CharField("type d'objet", max_length=60)
    object_uid = models.UUIDField("identifiant de l'objet", null=True)
    # A list page: the carnets it showed, one row for the page (searchable by a GIN index for access reports).
    object_uids = ArrayField(
        models.UUIDField(), verbose_name="objets affichés", default=list, db_default=[], blank=True
    )
    motif = models.CharField("motif", max_length=20, choices=MotifAcces.choices, blank=True, db_default="")
    # Never personal data here: field names changed, counts, a route name.
    details = models.JSONField("détails", default=dict, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal des accès"
        verbose_name_plural = "journal des accès"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["departement", "-created_at"]),
            models.Index(fields=["object_type", "object_uid"]),
            GinIndex(fields=["object_uids"], name="spie_accesslog_uids_gin"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type}"
