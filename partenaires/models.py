"""Partner API tokens, the log of every call, idempotency keys."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class Scope(models.TextChoices):
    BENEFICIAIRES_READ = "beneficiaires:read", "Lire les bénéficiaires et leur carnet (champs autorisés)"
    BENEFICIAIRES_WRITE = "beneficiaires:write", "Créer et mettre à jour des bénéficiaires"
    RENDEZ_VOUS_WRITE = "rendez-vous:write", "Créer des rendez-vous et saisir les présences"
    ORIENTATIONS_READ = "orientations:read", "Lire les orientations"
    PRESCRIPTIONS_WRITE = "prescriptions:write", "Lire et traiter les prescriptions reçues"
    OFFRE_READ = "offre:read", "Lire l'offre d'insertion"
    OFFRE_WRITE = "offre:write", "Publier l'offre d'insertion de la structure"
    IMPORTS_WRITE = "imports:write", "Déposer des fichiers (flux CAF/MSA)"
    INDICATEURS_READ = "indicateurs:read", "Lire les indicateurs agrégés"


TOKEN_PREFIX = "spie"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class JetonQuerySet(TenantQuerySet):
    def valides(self):
        now = timezone.now()
        return self.filter(revoque_le=None).filter(models.Q(expire_le=None) | models.Q(expire_le__gt=now))


class JetonApi(TenantModel):
    """A partner structure's API token. Only its hash is stored; `prefixe` identifies it in lists and logs."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="jetons_api", verbose_name="structure partenaire"
    )
    nom = models.CharField("nom", max_length=100, help_text="Par exemple : logiciel de l'agence, connecteur CAF.")
    prefixe = models.CharField("préfixe", max_length=12, unique=True, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=30, choices=Scope.choices), verbose_name="droits", default=list)
    expire_le = models.DateTimeField("expire le", null=True, blank=True)
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True)
    dernier_usage_le = models.DateTimeField("dernier usage", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager.from_queryset(JetonQuerySet)()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.nom} ({self.prefixe}…)"

    @classmethod
    def generate(cls):
        """Return (clear token, prefix, hash). The clear token is shown once and never stored."""
        prefix = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        return token, prefix, hash_token(token)

    @property
    def est_valide(self):
        return self.revoque_le is None and (self.expire_le is None or self.expire_le > timezone.now())

    def a_le_droit(self, scope):
        return scope in self.scopes


class AppelApi(models.Model):
    """One row per API call: token (by id), route, objects touched, status, duration."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    departement = models.ForeignKey("spie.Departement", null=True, on_delete=models.DO_NOTHING, related_name="+")
    jeton_id = models.BigIntegerField(null=True, db_index=True)
    methode = models.CharField(max_length=8)
    route = models.CharField(max_length=200)
    objets = ArrayField(models.UUIDField(), default=list, blank=True)
    statut = models.PositiveSmallIntegerField()
    duree_ms = models.PositiveIntegerField()

    class Meta:
        verbose_name = "appel d'API"
        ordering = ["-created_at"]


class CleIdempotence(models.Model):
    """The first answer to a POST with an Idempotency-Key, replayed for a retry with the same body."""

    jeton = models.ForeignKey(JetonApi, on_delete=models.CASCADE, related_name="+")
    cle = models.CharField(max_length=100)
    empreinte_requete = models.CharField(max_length=64)
    statut = models.PositiveSmallIntegerField()
    reponse = models.JSONField()
    entetes = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jeton", "cle"], name="idempotence_unique")]


class AbonnementWebhook(TenantModel):
    """A partner's endpoint for some event types. The signing secret is stored encrypted (it must be re-read)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="webhooks")
    jeton = models.ForeignKey(JetonApi, null=True, on_delete=models.SET_NULL, related_name="webhooks")
    url = models.URLField("adresse de réception", max_length=500)
    evenements = ArrayField(models.CharField(max_length=40), verbose_name="événements")
    secret_chiffre = models.TextField(editable=False)
    actif = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "abonnement webhook"
        ordering = ["-created_at"]

    def secret_en_clair(self):
        from spie.crypto import decrypt

        return decrypt(self.secret_chiffre)


class StatutLivraison(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    LIVREE = "livree", "Livrée"
    ECHEC = "echec", "Abandonnée après plusieurs tentatives"


class LivraisonWebhook(models.Model):
    """One event for one subscription, with its attempts."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    abonnement = models.ForeignKey(AbonnementWebhook, on_delete=models.CASCADE, related_name="livraisons")
    evenement = models.CharField(max_length=40)
    payload = models.JSONField()
    statut = models.CharField(max_length=12, choices=StatutLivraison.choices, default=StatutLivraison.EN_ATTENTE)
    tentatives = models.PositiveSmallIntegerField(default=0)
    dernier_statut = models.PositiveSmallIntegerField(null=True, blank=True)
    derniere_erreur = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    livree_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "livraison de webhook"
        ordering = ["-created_at"]
