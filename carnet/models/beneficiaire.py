"""The person accompanied and their carnet."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, OuterRef, Q

from carnet.models.filtres import filtre_portefeuille
from carnet.models.groupe import MembreGroupe
from spie.models import TypeStructure
from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class Civilite(models.TextChoices):
    MADAME = "mme", "Madame"
    MONSIEUR = "m", "Monsieur"


class EtatDroitRsa(models.TextChoices):
    """CAF/MSA right state (ETATDOSRSA)."""

    DEMANDE_EN_ATTENTE = "0", "Nouvelle demande en attente de décision"
    REFUSE = "1", "Droit refusé"
    OUVERT_VERSABLE = "2", "Droit ouvert et versable"
    OUVERT_SUSPENDU = "3", "Droit ouvert et suspendu"
    OUVERT_VERSEMENT_SUSPENDU = "4", "Droit ouvert, versement suspendu"
    CLOS = "5", "Droit clos"
    CLOS_ANTERIEUR = "6", "Droit clos sur mois antérieur"


class OrganismePayeur(models.TextChoices):
    CAF = "caf", "CAF"
    MSA = "msa", "MSA"


class RoleFoyer(models.TextChoices):
    DEMANDEUR = "dem", "Demandeur"
    CONJOINT = "cjt", "Conjoint"
    ENFANT = "enf", "Enfant"
    AUTRE = "aut", "Autre personne du foyer"


class BeneficiaireQuerySet(TenantQuerySet):
    def search_by_name(self, text):
        from carnet.search import name_filter

        return name_filter(self, text)


class Beneficiaire(TenantModel):
    """A person followed in the département. The NIR is stored encrypted and matched by a keyed hash."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    civilite = models.CharField("civilité", max_length=3, choices=Civilite.choices, blank=True)
    nom_usage = models.CharField("nom d'usage", max_length=150)
    nom_naissance = models.CharField("nom de naissance", max_length=150, blank=True)
    prenoms = models.CharField("prénoms", max_length=200)
    date_naissance = models.DateField("date de naissance")
    lieu_naissance = models.CharField("lieu de naissance", max_length=150, blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.EmailField("courriel", blank=True)
    adresse = models.CharField("adresse", max_length=255, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=255, blank=True)
    # TOPSANSDOMFIXE of the CAF/MSA flux (household level): no fixed abode, the address is a domiciliation.
    sans_domicile_fixe = models.BooleanField(
        "sans domicile fixe",
        default=False,
        help_text="Foyer sans domicile stable selon la CAF ou la MSA : l'adresse est celle d'une domiciliation.",
    )
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        "spie.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="commune"
    )
    organisme_payeur = models.CharField(
        "organisme payeur", max_length=3, choices=OrganismePayeur.choices, default=OrganismePayeur.CAF
    )
    numero_allocataire = models.CharField("numéro d'allocataire CAF/MSA", max_length=15, blank=True, db_index=True)
    role_foyer = models.CharField("rôle dans le foyer", max_length=3, choices=RoleFoyer.choices, blank=True)
    identifiant_france_travail = models.CharField("identifiant France Travail", max_length=20, blank=True)
    identifiant_departement = models.CharField("identifiant départemental", max_length=50, blank=True)
    etat_droit_rsa = models.CharField("état du droit RSA", max_length=1, choices=EtatDroitRsa.choices, blank=True)
    motif_suspension = models.CharField("motif de suspension", max_length=100, blank=True)
    motif_cloture = models.CharField("motif de clôture", max_length=100, blank=True)
    date_cloture = models.DateField("date de clôture", null=True, blank=True)
    soumis_droits_devoirs = models.BooleanField("soumis aux droits et devoirs", default=False)
    date_entree_rsa = models.DateField("date d'entrée au RSA", null=True, blank=True)
    # DFRATDOS of the CAF/MSA flux: the person left the household (the record and its history stay).
    date_fin_rattachement = models.DateField("fin du rattachement au foyer", null=True, blank=True)
    # NIR: encrypted value (never displayed in lists, URLs, logs or exports) and keyed hash for matching.
    nir_chiffre = models.TextField(blank=True, editable=False)
    nir_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Search helpers, maintained by save(): normalised names and their trigrams (no pg_trgm available).
    nom_recherche = models.CharField(max_length=400, editable=False, db_index=True)
    trigrammes = ArrayField(models.CharField(max_length=3), default=list, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(BeneficiaireQuerySet)()

    class Meta:
        verbose_name = "bénéficiaire"
        ordering = ["nom_usage", "prenoms"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "nir_hash"], condition=~Q(nir_hash=""), name="beneficiaire_nir_unique"
            ),
        ]
        indexes = [
            # fastupdate on: bulk loads (CAF/MSA flux, imports) append to the pending list, merged in one pass at
            # the end of each run (`carnet.search.merge_pending_entries`), so that searches do not read it.
            GinIndex(fields=["trigrammes"], name="beneficiaire_trigrammes_gin", fastupdate=True),
            models.Index(fields=["departement", "date_naissance"], name="beneficiaire_naissance_idx"),
            models.Index(fields=["departement", "identifiant_france_travail"], name="beneficiaire_ft_idx"),
        ]

    def __str__(self):
        return self.nom_complet

    @property
    def nom_complet(self):
        return f"{self.prenoms.split(' ')[0] if self.prenoms else ''} {self.nom_usage.upper()}".strip()

    @property
    def a_un_nir(self):
        return bool(self.nir_hash)

    def set_nir(self, nir):
        """Store a NIR already validated and normalised by `carnet.nir.normalise_nir`."""
        from carnet.nir import nir_hash
        from spie.crypto import encrypt

        if nir:
            self.nir_chiffre = encrypt(nir)
            self.nir_hash = nir_hash(nir)
        else:
            self.nir_chiffre = ""
            self.nir_hash = ""

    def save(self, *args, **kwargs):
        from carnet.search import name_trigrams, search_text

        self.nom_recherche = search_text(self.nom_usage, self.nom_naissance, self.prenoms)
        self.trigrammes = name_trigrams(self.nom_usage, self.nom_naissance, self.prenoms)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"nom_recherche", "trigrammes"}
        super().save(*args, **kwargs)


# The département's own services follow every carnet of their département (they run the RSA programme).
STRUCTURES_INSTITUTIONNELLES = frozenset({TypeStructure.DEPARTEMENT})


class CarnetQuerySet(TenantQuerySet):
    """The query vocabulary of carnets."""

    def portefeuille(self, filtre, jours=None):
        """The carnets that match a portfolio filter (`FILTRES_PORTEFEUILLE`; anything else: no filter)."""
        condition = filtre_portefeuille(filtre, jours)
        return self if condition is None else self.filter(condition)

    def suivis_par(self, user):
        """The carnets where `user` is an active member of the group (whatever the structure)."""
        return self.filter(pk__in=MembreGroupe.objects.actifs().filter(user=user).values("carnet_id"))

    def avec_membre_de(self, structure):
        """The carnets whose group has an active member acting for `structure` (the structure's portfolio)."""
        return self.filter(pk__in=MembreGroupe.objects.actifs().filter(structure=structure).values("carnet_id"))

    def suivis_par_structure(self, structure):
        """The carnets `structure` follows: one of its professionals is an active member of the group
        (need to know), or every carnet when it is one of the département's own services; and that may be shared
        with it (`partages_avec`)."""
        if structure.type in STRUCTURES_INSTITUTIONNELLES:
            return self.partages_avec(structure)
        return self.avec_membre_de(structure).partages_avec(structure)

    def partages_avec(self, structure):
        """The carnets that may be shared with `structure`, in one WHERE clause (`carnet.perms.refus_de_partage`
        says why not, in words): without opposition, when it is the référent's structure or once the person was
        informed; after an opposition, only for the structure recorded with it."""
        from carnet.models.information import InformationPersonne, OppositionPartage

        opposition = OppositionPartage.objects.filter(carnet_id=OuterRef("pk"))
        informee = InformationPersonne.objects.filter(carnet_id=OuterRef("pk"))
        referente = MembreGroupe.objects.actifs().filter(carnet_id=OuterRef("pk"), est_referent=True)
        return self.filter(
            Exists(opposition.filter(structure=structure))
            | (~Exists(opposition) & (Exists(referente.filter(structure=structure)) | Exists(informee)))
        )

    def ouverts(self):
        """The carnets not closed (a closed carnet is read-only, out of every working list)."""
        return self.filter(cloture_le__isnull=True)

    def clos(self):
        return self.filter(cloture_le__isnull=False)


class Carnet(TenantModel):
    """The one shared file of a person: one per bénéficiaire."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiaire = models.OneToOneField(
        Beneficiaire, on_delete=models.PROTECT, related_name="carnet", verbose_name="bénéficiaire"
    )
    # Denormalised for the portfolio: maintained by the services that change appointments and contracts.
    dernier_rendez_vous = models.DateTimeField("dernier rendez-vous honoré", null=True, blank=True)
    prochain_rendez_vous = models.DateTimeField("prochain rendez-vous", null=True, blank=True)
    fin_contrat_en_cours = models.DateField("fin du contrat en cours", null=True, blank=True)
    # Set when the accompaniment is closed (`carnet.services.cloture`): the carnet is then read-only until it is
    # reopened (a new RSA entry, or by hand with a reason).
    cloture_le = models.DateTimeField("clos le", null=True, blank=True)
    # Retention (carnet/services/conservation.py): set once the carnet is anonymised (the day, not the person's).
    anonymise_le = models.DateField("anonymisé le", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(CarnetQuerySet)()

    class Meta:
        verbose_name = "carnet de bord"
        verbose_name_plural = "carnets de bord"
        indexes = [
            models.Index(fields=["departement", "created_at"], name="carnet_creation_idx"),
        ]

    def __str__(self):
        return f"Carnet de {self.beneficiaire}"

    @property
    def est_clos(self):
        return self.cloture_le is not None

    def get_absolute_url(self):
        from carnet.routes import carnet_url

        return carnet_url("carnet:detail", self.uid)
