"""The follow-up group ("groupe de suivi") of a carnet: who accompanies the person, with history."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from carnet.models.filtres import filtre_portefeuille
from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class MembreGroupeQuerySet(TenantQuerySet):
    def actifs(self):
        """Members of the group today (a row is never deleted: `fin` ends it)."""
        return self.filter(fin=None)

    def referents(self):
        """The active référent (one per carnet, a constraint)."""
        return self.actifs().filter(est_referent=True)

    def portefeuille(self, filtre, jours=None):
        """Group rows whose carnet matches a portfolio filter (`Carnet.objects.portefeuille`)."""
        condition = filtre_portefeuille(filtre, jours, prefix="carnet__")
        return self if condition is None else self.filter(condition)


class MembreGroupe(TenantModel):
    """A professional (user acting for a structure) in a carnet's group. Rows are never deleted: `fin` ends them."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="membres")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="membres_groupes",
        verbose_name="professionnel",
    )
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="membres_groupes", verbose_name="structure"
    )
    est_referent = models.BooleanField("référent", default=False)
    debut = models.DateTimeField("début", auto_now_add=True)
    fin = models.DateTimeField("fin", null=True, blank=True)
    motif_fin = models.CharField("motif de fin", max_length=200, blank=True)

    objects = TenantManager.from_queryset(MembreGroupeQuerySet)()

    class Meta:
        verbose_name = "membre du groupe de suivi"
        verbose_name_plural = "membres du groupe de suivi"
        ordering = ["-est_referent", "debut"]
        constraints = [
            # Exactly one active référent per carnet (at most one here; services never leave none
            # once a référent exists, and a new entrant has none until oriented).
            models.UniqueConstraint(
                fields=["carnet"], condition=Q(est_referent=True, fin=None), name="un_seul_referent_actif"
            ),
            models.UniqueConstraint(
                fields=["carnet", "user", "structure"], condition=Q(fin=None), name="membre_actif_unique"
            ),
        ]
        indexes = [
            # The portfolio: the active rows of one user in one structure, carnet read from the index.
            models.Index(
                fields=["user", "structure"],
                condition=Q(fin=None),
                include=["carnet"],
                name="membre_portefeuille_idx",
            ),
            models.Index(fields=["user", "fin"], name="membre_user_actif_idx"),
            models.Index(fields=["structure", "fin"], name="membre_structure_actif_idx"),
        ]

    def __str__(self):
        return f"{self.user} ({self.structure}){' — référent' if self.est_referent else ''}"


class StatutDemande(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée"


class DemandeAdhesion(TenantModel):
    """A professional asks to join a carnet's group; the référent decides."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="demandes_adhesion")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    motif = models.TextField("motif de la demande")
    statut = models.CharField("statut", max_length=12, choices=StatutDemande.choices, default=StatutDemande.EN_ATTENTE)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "demande d'adhésion au groupe"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carnet", "user"], condition=Q(statut="en_attente"), name="demande_adhesion_unique"
            )
        ]
