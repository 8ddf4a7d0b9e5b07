import uuid

from django.conf import settings
from django.db import models

from spie.tenancy import TenantModel


class StatutConflit(models.TextChoices):
    A_RESOUDRE = "a_resoudre", "À résoudre"
    MEME_PERSONNE = "meme_personne", "Même personne"
    PERSONNE_DIFFERENTE = "personne_differente", "Personne différente"


class ConflitIdentite(TenantModel):
    """A person received (CAF/MSA flux) whose CAF/MSA number and role are those of a known person, but whose
    identity (names, first name, birth date) or NIR differs: never merged automatically; the household is set
    aside until an administrator decides (`carnet.services.conflits`).

    `recu` holds the identity received: civilite, nom_usage, nom_naissance, prenoms, date_naissance (ISO),
    lieu_naissance; the NIR received is stored encrypted, like the person's. `cle` makes a conflict recorded once
    whatever the number of files that repeat it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.ForeignKey(
        "carnet.Beneficiaire", on_delete=models.CASCADE, related_name="conflits", verbose_name="personne connue"
    )
    statut = models.CharField("statut", max_length=20, choices=StatutConflit.choices, default=StatutConflit.A_RESOUDRE)
    motif = models.CharField("motif", max_length=255)
    origine = models.CharField("origine", max_length=100)
    position = models.PositiveIntegerField("position du foyer dans le fichier", null=True, blank=True)
    numero_allocataire = models.CharField("numéro d'allocataire CAF/MSA", max_length=15)
    role_foyer = models.CharField("rôle dans le foyer", max_length=3)
    recu = models.JSONField("identité reçue", default=dict)
    nir_chiffre = models.TextField(blank=True, editable=False)
    cle = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField("signalé le", auto_now_add=True)
    resolu_le = models.DateTimeField("résolu le", null=True, blank=True)
    resolu_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "conflit d'identité"
        verbose_name_plural = "conflits d'identité"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["departement", "cle"], name="conflit_identite_unique")]
        indexes = [models.Index(fields=["departement", "statut"], name="conflit_identite_statut_idx")]

    def __str__(self):
        return f"Conflit d'identité du {self.created_at:%d/%m/%Y}"
