"""People and their memberships: one account per person, several (structure, role) pairs."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Une adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A real person. `is_superuser` marks the national superadmin; every other right is a Membership."""

    username = None
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    telephone = models.CharField("téléphone professionnel", max_length=20, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_insensible_casse")]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    ADMIN_DEPARTEMENT = "admin_departement", "Administrateur départemental"
    CHARGE_ORIENTATION = "charge_orientation", "Chargé d'orientation"
    VALIDATEUR_ORIENTATION = "validateur_orientation", "Valideur des orientations"
    PROFESSIONNEL = "professionnel", "Référent / professionnel"
    RESPONSABLE_STRUCTURE = "responsable_structure", "Responsable de structure"
    # Decides the suspension-remobilisation sanctions for the président du conseil départemental (CASF L.262-37);
    # several per département. Reads the sanction files, not the carnets.
    DECIDEUR_SANCTIONS = "decideur_sanctions", "Décideur des sanctions"


# Every professional reads people's files: every role must use a second factor (TOTP, or ProConnect when its `amr`
# claim shows one), before any page (spie.middleware.MfaRequiredMiddleware).
ROLES_MFA_OBLIGATOIRE = frozenset(Role)


class MembershipQuerySet(TenantQuerySet):
    def actifs(self):
        return self.filter(is_active=True, structure__actif=True, user__is_active=True)


class Membership(TenantModel):
    """A person's role in a structure. `departement` is the structure's, copied for scoping."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="utilisateur"
    )
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="memberships", verbose_name="structure"
    )
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField("fin", null=True, blank=True)

    objects = TenantManager.from_queryset(MembershipQuerySet)()

    class Meta:
        verbose_name = "rattachement"
        ordering = ["structure__nom", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure", "role"],
                condition=models.Q(is_active=True),
                name="membership_unique_actif",
            )
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.structure}"

    def save(self, *args, **kwargs):
        if self.structure_id and not self.departement_id:
            self.departement_id = self.structure.departement_id
        super().save(*args, **kwargs)


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(TenantQuerySet):
    def en_attente(self):
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class Invitation(TenantModel):
    """An invitation sent by a département admin; the link is single-use and only its hash is kept."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("adresse électronique")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.CASCADE, related_name="invitations", verbose_name="structure"
    )
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="invité par"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField("annulée le", null=True, blank=True)

    objects = TenantManager.from_queryset(InvitationQuerySet)()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation de {self.email} ({self.get_role_display()}, {self.structure})"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_token(token):
        return _hash_token(token)

    def set_token(self, token):
        self.token_hash = _hash_token(token)

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(days=settings.SPIE_INVITATION_DAYS)

    @property
    def statut(self):
        if self.accepted_at:
            return "acceptee"
        if self.revoked_at:
            return "annulee"
        if self.expires_at <= timezone.now():
            return "expiree"
        return "en_attente"

    @property
    def statut_label(self):
        return {
            "acceptee": "Acceptée",
            "annulee": "Annulée",
            "expiree": "Expirée",
            "en_attente": "En attente",
        }[self.statut]
