"""Transfer of a carnet to another département (the person moved): proposed, then accepted or refused.

The row lives with the carnet (`departement` is always the carnet's département: the sending one while the
proposal waits or after a refusal, the receiving one once accepted, when it moves with everything else), so that
the carnet's own tables stay together for scoping. The receiving département's admin finds the proposals addressed
to them by `departement_destination`, the one cross-tenant read of this model (`carnet.services.transfert`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from spie.tenancy import TenantModel


class StatutTransfert(models.TextChoices):
    PROPOSE = "propose", "Proposé, en attente du département d'arrivée"
    ACCEPTE = "accepte", "Accepté"
    REFUSE = "refuse", "Refusé"


class OrigineTransfert(models.TextChoices):
    ADMIN = "admin", "Proposé par l'administrateur du département de départ"
    FLUX = "flux", "Mutation signalée par le flux CAF/MSA"


class TransfertCarnet(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="transferts")
    departement_origine = models.ForeignKey(
        "spie.Departement", on_delete=models.PROTECT, related_name="+", verbose_name="département de départ"
    )
    departement_destination = models.ForeignKey(
        "spie.Departement", on_delete=models.PROTECT, related_name="+", verbose_name="département d'arrivée"
    )
    statut = models.CharField(
        "statut", max_length=10, choices=StatutTransfert.choices, default=StatutTransfert.PROPOSE
    )
    origine = models.CharField("origine", max_length=10, choices=OrigineTransfert.choices)
    motif = models.TextField("motif de la proposition", blank=True)
    # DDARRMUT / DDDEPAMUT of the CAF/MSA flux: the day the right moved (the admin gives none).
    date_mutation = models.DateField("date de la mutation CAF/MSA", null=True, blank=True)
    propose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="proposé par",
    )
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="décidé par",
    )
    decide_le = models.DateTimeField("décidé le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", blank=True)
    created_at = models.DateTimeField("proposé le", auto_now_add=True)

    class Meta:
        verbose_name = "transfert entre départements"
        verbose_name_plural = "transferts entre départements"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A carnet is transferred to one département at a time.
            models.UniqueConstraint(
                fields=["carnet"], condition=Q(statut="propose"), name="transfert_carnet_un_seul_en_cours"
            ),
            models.CheckConstraint(
                condition=~Q(departement_origine=models.F("departement_destination")),
                name="transfert_carnet_vers_un_autre_departement",
            ),
        ]
        indexes = [models.Index(fields=["departement_destination", "statut"], name="transfert_destination_idx")]

    def __str__(self):
        return f"Transfert vers {self.departement_destination}"
