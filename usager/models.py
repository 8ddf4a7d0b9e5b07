"""The person's own space: their account (linked once to their bénéficiaire record), the ways in, and what
they answer (appointments, letters, requests about their data).

The person is not a `spie.User`: professionals' accounts and the person's account never share a session
role, so that no professional route can be reached with a person's session (the person is an anonymous
Django user with a `CompteUsager` in the session, see `usager.session`).
"""

import hashlib
import secrets
import uuid

from django.db import models
from django.db.models import Q

from spie.tenancy import TenantModel


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def nouveau_jeton() -> str:
    return secrets.token_urlsafe(32)


def nouveau_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


class CompteUsager(TenantModel):
    """The person's access to their own carnet: one per bénéficiaire; `franceconnect_sub` once linked."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.OneToOneField(
        "carnet.Beneficiaire", on_delete=models.PROTECT, related_name="compte_usager", verbose_name="bénéficiaire"
    )
    # The FranceConnect subject (`sub`): the key of the identity, never the e-mail address.
    franceconnect_sub = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)
    actif = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    derniere_connexion = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "compte de la personne"

    def __str__(self):
        return f"Compte de {self.beneficiaire}"


class ModeLiaison(models.TextChoices):
    FRANCECONNECT = "franceconnect", "FranceConnect"
    LIEN = "lien", "Lien envoyé par le référent"


class CanalCode(models.TextChoices):
    EMAIL = "email", "Courriel"
    SMS = "sms", "SMS"


class DemandeLiaison(TenantModel):
    """A confirmation code sent to the contact the référent recorded; five wrong codes lock it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.ForeignKey("carnet.Beneficiaire", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=15, choices=ModeLiaison.choices)
    franceconnect_sub = models.CharField(max_length=255, blank=True, editable=False)
    canal = models.CharField(max_length=5, choices=CanalCode.choices)
    code_hash = models.CharField(max_length=64, editable=False)
    tentatives = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    verrouillee_le = models.DateTimeField(null=True, blank=True)
    confirmee_le = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "demande de liaison"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["beneficiaire", "verrouillee_le"], name="liaison_verrou_idx")]


class LienAcces(TenantModel):
    """A one-time link issued by the référent for a person without FranceConnect; only its hash is kept."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.ForeignKey("carnet.Beneficiaire", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    canal = models.CharField(max_length=5, choices=CanalCode.choices)
    emis_par = models.ForeignKey("spie.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    utilise_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lien d'accès à usage unique"
        ordering = ["-created_at"]


class ReponseRendezVous(models.TextChoices):
    CONFIRME = "confirme", "Je viendrai"
    EMPECHE = "empeche", "Je ne peux pas venir"


class ReponseAuRendezVous(TenantModel):
    """The person's answer to an appointment (the latest counts); the référent is notified."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rendez_vous = models.ForeignKey("carnet.RendezVous", on_delete=models.CASCADE, related_name="reponses_usager")
    reponse = models.CharField(max_length=10, choices=ReponseRendezVous.choices)
    motif = models.CharField("raison", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "réponse à un rendez-vous"
        ordering = ["-created_at", "-id"]


class TypeCourrier(models.TextChoices):
    CONVOCATION = "convocation", "Convocation"
    DECISION_ORIENTATION = "decision_orientation", "Décision d'orientation"
    NOTIFICATION_SANCTION = "notification_sanction", "Notification avant une sanction"
    CONVOCATION_EP = "convocation_ep", "Convocation à l'équipe pluridisciplinaire"


class AccuseReception(TenantModel):
    """The person's dated acknowledgement of a letter (one per letter)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.ForeignKey("carnet.Beneficiaire", on_delete=models.CASCADE, related_name="+")
    type_courrier = models.CharField(max_length=25, choices=TypeCourrier.choices)
    courrier_uid = models.UUIDField()
    created_at = models.DateTimeField("lu et reçu le", auto_now_add=True)

    class Meta:
        verbose_name = "accusé de réception"
        constraints = [models.UniqueConstraint(fields=["courrier_uid"], name="accuse_un_par_courrier")]


class TypeDemandeDroits(models.TextChoices):
    RECTIFICATION = "rectification", "Corriger une information"
    OPPOSITION = "opposition", "M'opposer à un traitement"


class StatutDemandeDroits(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente de réponse"
    REPONDUE = "repondue", "Répondue"


class DemandeDroits(TenantModel):
    """A request about the person's data; it goes to the référent, who answers it (dated)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.ForeignKey("carnet.Beneficiaire", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=15, choices=TypeDemandeDroits.choices)
    texte = models.TextField("votre demande", max_length=2000)
    statut = models.CharField(max_length=12, choices=StatutDemandeDroits.choices, default="en_attente")
    reponse = models.TextField("réponse", blank=True)
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    repondue_le = models.DateTimeField("répondue le", null=True, blank=True)

    class Meta:
        verbose_name = "demande sur les données"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(statut="en_attente") | Q(repondue_le__isnull=False), name="demande_droits_repondue_datee"
            )
        ]
