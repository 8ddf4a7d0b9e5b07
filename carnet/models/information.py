"""Information of the person before sharing, and their opposition to sharing beyond the référent's structure."""

import uuid

from django.conf import settings
from django.db import models

from spie.tenancy import TenantModel


class CanalInformation(models.TextChoices):
    ENTRETIEN = "entretien", "En entretien"
    COURRIER = "courrier", "Par courrier"
    COURRIEL = "courriel", "Par courriel"
    ESPACE_PERSONNEL = "espace_personnel", "Dans son espace personnel"
    # Carnets opened before the information was recorded (data migration): informed when the carnet was opened.
    ANTERIEUR = "anterieur", "Antérieur (carnet ouvert avant l'enregistrement de l'information)"


class InformationPersonne(TenantModel):
    """The person was told how their carnet is shared (which notice, when, how): the condition of any sharing
    beyond the structure of their référent (`carnet.perms.refus_de_partage`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="informations")
    informee_le = models.DateField("informée le")
    canal = models.CharField("canal", max_length=20, choices=CanalInformation.choices)
    version_notice = models.CharField("version de la notice d'information", max_length=40)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    structure = models.ForeignKey("spie.Structure", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "information de la personne"
        verbose_name_plural = "informations de la personne"
        ordering = ["-informee_le", "-id"]


class OppositionPartage(TenantModel):
    """The person objects to their carnet being shared beyond the structure of their référent (RGPD art. 21):
    from then on only that structure sees it (the Département's admins and orientation staff keep what their
    statutory role needs). The processing the RSA requires (orientation, rights and duties) cannot be objected to."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="oppositions")
    opposee_le = models.DateField("opposition exprimée le")
    motif = models.TextField("motif")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The référent's structure when the opposition was recorded: the one structure that keeps the carnet.
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "opposition au partage"
        verbose_name_plural = "oppositions au partage"
        ordering = ["-opposee_le", "-id"]
        constraints = [models.UniqueConstraint(fields=["carnet"], name="opposition_partage_unique")]
