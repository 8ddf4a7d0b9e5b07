"""The tenant (Département), its territories and the structures working in it."""

import datetime
import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

from spie.tenancy import TenantModel


def validate_siret(value):
    """SIRET: 14 digits with a valid Luhn key (La Poste's establishments are checked by stdnum too)."""
    try:
        stdnum_siret.validate(value)
    except StdnumError as exc:
        raise ValidationError("Numéro SIRET invalide : 14 chiffres avec une clé de contrôle correcte.") from exc


def _bornes(nom_min, nom_max):
    from django.conf import settings

    return getattr(settings, nom_min), getattr(settings, nom_max)


def valider_conservation_mois(value):
    """Between the legal minimum and maximum of the platform's settings (read at validation time)."""
    minimum, maximum = _bornes("SPIE_CONSERVATION_MOIS_MIN", "SPIE_CONSERVATION_MOIS_MAX")
    if not minimum <= value <= maximum:
        raise ValidationError(
            f"La durée de conservation doit être comprise entre {minimum} et {maximum} mois (cadre légal de la "
            f"plateforme) : {value} mois n'est pas possible."
        )


def valider_suppression_mois(value):
    minimum, maximum = _bornes("SPIE_SUPPRESSION_MOIS_MIN", "SPIE_SUPPRESSION_MOIS_MAX")
    if not minimum <= value <= maximum:
        raise ValidationError(
            f"Le délai de suppression des personnes jamais accompagnées doit être compris entre {minimum} et "
            f"{maximum} mois : {value} mois n'est pas possible."
        )


class DepartementQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)


def suivi_sortie_mois_par_defaut():
    return [1, 3, 6]


class Departement(models.Model):
    """The tenant: a Département running the SPIE on the platform."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField("code INSEE", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    actif = models.BooleanField("actif", default=True)
    # Settings of the tenant (later issues add theirs here rather than in a key-value table, so
    # that each one has a type, a default and a migration).
    delai_orientation_cible = models.PositiveSmallIntegerField(
        "délai cible d'orientation (jours)", default=30, help_text="Objectif entre l'entrée au RSA et l'orientation."
    )
    delai_orientation_legal_jours = models.PositiveSmallIntegerField(
        "délai légal d'orientation (jours)",
        default=42,
        validators=[MinValueValidator(1), MaxValueValidator(42)],
        help_text="Six semaines au plus (article D.262-65-2 du CASF), comptées depuis la réception de l'information "
        "d'ouverture ou de transfert du droit : passé ce délai, France Travail oriente la personne.",
    )
    heures_activite_cible = models.PositiveSmallIntegerField(
        "heures d'activité hebdomadaires du contrat d'engagement",
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(35)],
        help_text="Quinze heures par semaine en principe (article L.5411-6-1 du code du travail).",
    )
    suivi_sortie_mois = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name="points de suivi après une sortie vers l'emploi (mois)",
        default=suivi_sortie_mois_par_defaut,
        help_text="Par exemple « 1, 3, 6 » : le référent fait le point avec la personne 1, 3 et 6 mois après sa "
        "sortie vers l'emploi ; le carnet est clos après le dernier point.",
    )
    orientation_validation_requise = models.BooleanField(
        "les orientations proposées doivent être validées", default=True
    )
    # Set once, at the first CAF/MSA file: people who entered the RSA before it are the stock already
    # accompanied (or to be taken up by a campaign), not new entrants of the orientation queue.
    debut_file_orientation = models.DateField(
        "début de la file des nouveaux entrants",
        null=True,
        blank=True,
        help_text="Les personnes entrées au RSA avant cette date n'entrent pas dans la file des nouveaux entrants.",
    )
    # Retention of the carnets (carnet/services/conservation.py): months after the last qualifying activity, then
    # anonymisation; people who never entered an accompaniment are deleted after the shorter delay.
    conservation_mois = models.PositiveSmallIntegerField(
        "durée de conservation des carnets (mois)",
        default=24,
        validators=[valider_conservation_mois],
        help_text="Comptée depuis la dernière activité du parcours (rendez-vous honoré, note, contrat ou heure "
        "d'activité, changement reçu du flux CAF/MSA) ; le carnet est ensuite anonymisé.",
    )
    suppression_sans_accompagnement_mois = models.PositiveSmallIntegerField(
        "délai de suppression sans accompagnement (mois)",
        default=6,
        validators=[valider_suppression_mois],
        help_text="Pour les personnes jamais accompagnées (ni référent, ni rendez-vous, ni orientation) : leur "
        "fiche est supprimée après ce délai sans activité.",
    )
    contact_nom = models.CharField("service à contacter", max_length=200, blank=True)
    contact_adresse = models.TextField("adresse postale du service", blank=True)
    contact_telephone = models.CharField("téléphone du service", max_length=20, blank=True)
    contact_courriel = models.EmailField("courriel du service", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DepartementQuerySet.as_manager()

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.nom} ({self.code})"

    @property
    def source_slug(self):
        """data·inclusion source slug of the département's catalogue."""
        return f"spie-{self.code.lower()}"


class Territoire(TenantModel):
    """An "unité territoriale": a named set of communes of the département."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nom = models.CharField("nom", max_length=150)
    communes = models.ManyToManyField("spie.Commune", related_name="territoires", blank=True, verbose_name="communes")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "territoire"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(fields=["departement", "nom"], name="territoire_nom_unique_par_departement")
        ]

    def __str__(self):
        return self.nom


class TypeStructure(models.TextChoices):
    DEPARTEMENT = "departement", "Service du Département"
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    PLIE = "plie", "PLIE"
    CAF = "caf", "CAF"
    MSA = "msa", "MSA"
    CCAS = "ccas", "CCAS / CIAS"
    ASSOCIATION = "association", "Association"
    ORGANISME_FORMATION = "organisme_formation", "Organisme de formation"
    SIAE = "siae", "Structure d'insertion par l'activité économique"
    ENTREPRISE = "entreprise", "Entreprise"
    AUTRE = "autre", "Autre"


class Structure(TenantModel):
    """An organisation working in the département; one table for the whole platform.

    It is also the data·inclusion `Structure` (schema v1) of the offer catalogue: `nom`, `siret`, `adresse`,
    `telephone`, `courriel` and `site_web` are the schema's own fields; `commune` gives the schema's
    `commune` (name) and `code_insee`; `di_id` is the schema's `id` (`source--local id`, the local id being
    the uid for structures created here). `offre.schema` maps the row to the schema.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=30, choices=TypeStructure.choices)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    adresse = models.CharField("adresse", max_length=255, blank=True)
    commune = models.ForeignKey(
        "spie.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="commune"
    )
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriel = models.EmailField("courriel", blank=True)
    site_web = models.URLField("site web", blank=True)
    actif = models.BooleanField("active", default=True)
    # --- data·inclusion (schema v1) -------------------------------------------------------------
    source = models.CharField(
        "source data·inclusion", max_length=100, blank=True, help_text="Producteur de la donnée (spie-76 par défaut)."
    )
    di_id = models.CharField("identifiant data·inclusion", max_length=255, blank=True)
    description = models.TextField("description", blank=True)
    lien_source = models.URLField("lien vers la source", max_length=500, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=255, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    horaires_accueil = models.CharField("horaires d'accueil du public", max_length=500, blank=True)
    accessibilite_lieu = models.URLField("accessibilité du lieu (Acceslibre)", max_length=500, blank=True)
    # Values of data_inclusion.schema.v1.ReseauPorteur (validated by the package, not retyped here).
    reseaux_porteurs = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name="réseaux porteurs"
    )
    date_maj = models.DateField("date de dernière modification", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "siret"],
                condition=~models.Q(siret=""),
                name="structure_siret_unique_par_departement",
            ),
            models.UniqueConstraint(
                fields=["departement", "di_id"],
                condition=~models.Q(di_id=""),
                name="structure_di_id_unique_par_departement",
            ),
        ]
        indexes = [GinIndex(fields=["reseaux_porteurs"], name="structure_reseaux_gin")]

    def __str__(self):
        return self.nom

    def save(self, *args, date_maj=None, **kwargs):
        """Every save through the platform is a modification "chez le producteur" (`date_maj` = today);
        an import passes the producer's own date instead. Today is never later than the server's date, which
        the data·inclusion package checks `date_maj` against (between midnight in Paris and midnight UTC)."""
        self.date_maj = date_maj or min(timezone.localdate(), datetime.date.today())
        if not self.source and self.departement_id:
            self.source = Departement.objects.only("code").get(pk=self.departement_id).source_slug
        if not self.di_id and self.source:
            self.di_id = f"{self.source}--{self.uid}"
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "date_maj", "source", "di_id"}
        super().save(*args, **kwargs)
