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
    FLUX_REJEU = "flux:rejeu", "Rejouer un flux CAF/MSA plus ancien que le dernier importé (administrateur)"
    INDICATEURS_READ = "indicateurs:read", "Lire les indicateurs agrégés"
    CONTRATS_READ = "contrats:read", "Lire les contrats d'engagement et leurs heures (sans motif de réduction)"
    CONTRATS_WRITE = "contrats:write", "Enregistrer des heures d'activité des contrats d'engagement"
    SANCTIONS_READ = "sanctions:read", "Lire les sanctions à appliquer (CAF ou MSA : montants, dates, état)"
    SANCTIONS_PROPOSE = "sanctions:propose", "Proposer une sanction et en lire l'issue (France Travail, référent)"


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


# --- CAF/MSA flux and spreadsheet imports (partenaires.flux, partenaires.imports) -----------------------------


class StatutTraitement(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"


class CanalDepot(models.TextChoices):
    WEB = "web", "Navigateur"
    API = "api", "API"


def flux_path(instance, filename):
    # Private storage, never the original name on disk (it may carry personal data).
    return f"flux-caf/{instance.departement_id}/{uuid.uuid4().hex}"


def tableur_path(instance, filename):
    return f"imports-tableurs/{instance.departement_id}/{uuid.uuid4().hex}"


class SuiviTraitementMixin(models.Model):
    """Progress and outcome of a background run: the row is also its progress bar and its report."""

    statut = models.CharField(
        "statut", max_length=12, choices=StatutTraitement.choices, default=StatutTraitement.EN_ATTENTE
    )
    total = models.PositiveIntegerField("à traiter", default=0)
    traites = models.PositiveIntegerField("traités", default=0)
    crees = models.PositiveIntegerField("personnes créées", default=0)
    mis_a_jour = models.PositiveIntegerField("personnes mises à jour", default=0)
    inchanges = models.PositiveIntegerField("personnes inchangées", default=0)
    rejetes = models.PositiveIntegerField("rejetés", default=0)
    rapport = models.JSONField("rapport", default=dict, blank=True)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # Heartbeat of the task: a run whose heartbeat is old was lost with its worker and may be taken over.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def fini(self):
        return self.statut in (StatutTraitement.TERMINE, StatutTraitement.ECHEC)

    @property
    def pourcentage(self):
        if self.fini:
            return 100
        return min(100, int(100 * self.traites / self.total)) if self.total else 0

    @property
    def rejets(self):
        return (self.rapport or {}).get("rejets", [])


class ImportFlux(SuiviTraitementMixin, TenantModel):
    """One CAF/MSA "bénéficiaires RSA" file and what its run did (`partenaires.flux`).

    `rapport` holds {"message": str, "avertissements": [str], "rejets": [{"position", "ligne", "matricule",
    "motif"}], "rejets_non_detailles": int}: never a NIR, never a name.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    fichier = models.FileField(upload_to=flux_path)
    nom_fichier = models.CharField("fichier", max_length=255)
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)
    canal = models.CharField("dépôt", max_length=3, choices=CanalDepot.choices, default=CanalDepot.WEB)
    date_reference = models.DateField("mois de référence du flux", null=True, blank=True)
    ignores = models.PositiveIntegerField("foyers inconnus sans droit ouvert (ignorés)", default=0)
    # FONORG and NUMORG of the file ("CAF 761"): the files of one sender must come in DTREF order.
    organisme = models.CharField("organisme émetteur", max_length=40, blank=True)
    rejeu = models.BooleanField(
        "rejeu confirmé d'un fichier plus ancien",
        default=False,
        help_text="L'administrateur a confirmé l'import d'un fichier antérieur au dernier fichier importé.",
    )
    # Who confirmed the replay and when: the administrator (web page), or the deposit's token (API, `rejeu=true`).
    rejeu_confirme_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejeu_confirme_le = models.DateTimeField("rejeu confirmé le", null=True, blank=True)
    # First load of a département: people whose entry into the RSA is older stay out of the orientation queue.
    date_limite_file = models.DateField("date de début de la file des nouveaux entrants", null=True, blank=True)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    jeton = models.ForeignKey(JetonApi, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "flux CAF/MSA"
        verbose_name_plural = "flux CAF/MSA"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Flux CAF/MSA du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def depose_par_libelle(self):
        if self.jeton_id:
            return f"API ({self.jeton.nom})"
        return self.depose_par.get_full_name() if self.depose_par_id else ""


class EmpreinteFlux(TenantModel):
    """Fingerprint of the flux data last applied to a person: an unchanged record causes no write."""

    beneficiaire = models.OneToOneField(
        "carnet.Beneficiaire", on_delete=models.CASCADE, related_name="empreinte_flux", verbose_name="bénéficiaire"
    )
    hash = models.CharField("empreinte", max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "empreinte du flux CAF/MSA"
        verbose_name_plural = "empreintes du flux CAF/MSA"
        constraints = [
            models.UniqueConstraint(fields=["departement", "beneficiaire"], name="empreinte_flux_unique"),
        ]


class TypeImport(models.TextChoices):
    BENEFICIAIRES = "beneficiaires", "Bénéficiaires"
    PROFESSIONNELS = "professionnels", "Professionnels (invitations)"


class ModeleImport(TenantModel):
    """Which column of a structure's files feeds which field: chosen once, reused for the next files."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.CASCADE, related_name="modeles_import", verbose_name="structure"
    )
    type = models.CharField("type", max_length=15, choices=TypeImport.choices)
    # {target field: column header of the file}
    colonnes = models.JSONField("correspondance des colonnes", default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "modèle d'import"
        verbose_name_plural = "modèles d'import"
        constraints = [models.UniqueConstraint(fields=["structure", "type"], name="modele_import_unique")]


class EtapeTableur(models.TextChoices):
    COLONNES = "colonnes", "Colonnes à associer"
    APERCU = "apercu", "Aperçu à valider"
    VALIDE = "valide", "Import validé"


class ImportTableur(SuiviTraitementMixin, TenantModel):
    """A CSV or XLSX file of bénéficiaires or professionals: column mapping, preview, then the run.

    `apercu` holds the preview's counts and line-numbered errors; `rapport` the run's ({"message", "rejets":
    [{"ligne", "champ", "motif"}], "lignes": [{"ligne", "resultat"}]}). Never a NIR in either.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="imports_tableurs", verbose_name="structure"
    )
    type = models.CharField("type", max_length=15, choices=TypeImport.choices)
    fichier = models.FileField(upload_to=tableur_path)
    nom_fichier = models.CharField("fichier", max_length=255)
    format = models.CharField("format", max_length=4)
    # How the file was read: {"encodage": "utf-8-sig"|"cp1252", "separateur": ";"|","} for CSV.
    lecture = models.JSONField(default=dict, blank=True)
    entetes = models.JSONField("colonnes du fichier", default=list, blank=True)
    colonnes = models.JSONField("correspondance des colonnes", default=dict, blank=True)
    etape = models.CharField("étape", max_length=10, choices=EtapeTableur.choices, default=EtapeTableur.COLONNES)
    apercu = models.JSONField("aperçu", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "import de tableur"
        verbose_name_plural = "imports de tableurs"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Import du {self.created_at:%d/%m/%Y %H:%M} ({self.get_type_display()})"
