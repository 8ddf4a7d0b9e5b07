"""Orientation of new entrants: the queue's dossiers, interviews, diagnostics, decisions, réorientations.

The queue itself is derived (see `orientation.queue`): a person lands in it as soon as their carnet says they
entered the RSA, whatever created the carnet. A `DossierOrientation` exists from the moment someone takes the
person; it carries the milestone dates that the delay indicators read.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class TypeOrientation(models.TextChoices):
    PRO = "pro", "Professionnelle"
    SOCIO_PRO = "socio_pro", "Socio-professionnelle"
    SOCIAL = "social", "Sociale"
    AUTRE = "autre", "Autre (dispositif local)"


# --- Configuration of the département -------------------------------------------------------


class Dispositif(TenantModel):
    """An orientation programme of the département (seeded with defaults, edited by its admin)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nom = models.CharField("nom", max_length=200)
    type_orientation = models.CharField("type d'orientation", max_length=10, choices=TypeOrientation.choices)
    description = models.TextField(
        "description", blank=True, help_text="En mots simples : elle figure dans les courriers remis à la personne."
    )
    actif = models.BooleanField("actif", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "dispositif d'orientation"
        verbose_name_plural = "dispositifs d'orientation"
        ordering = ["type_orientation", "nom"]
        constraints = [
            models.UniqueConstraint(fields=["departement", "nom"], name="dispositif_nom_unique_par_departement")
        ]

    def __str__(self):
        return self.nom


# Created for every new département (post_save receiver) and for existing ones (data migration).
DISPOSITIFS_PAR_DEFAUT = [
    (
        "Accompagnement vers l'emploi",
        TypeOrientation.PRO,
        "Un conseiller vous aide à chercher un emploi ou une formation et à préparer vos candidatures.",
    ),
    (
        "Accompagnement des jeunes vers l'emploi",
        TypeOrientation.PRO,
        "Pour les moins de 26 ans : la mission locale vous aide à trouver une formation ou un emploi.",
    ),
    (
        "Accompagnement global",
        TypeOrientation.SOCIO_PRO,
        "Un conseiller emploi et un travailleur social vous accompagnent ensemble pour lever ce qui vous freine "
        "et avancer vers l'emploi.",
    ),
    (
        "Parcours d'insertion socio-professionnelle",
        TypeOrientation.SOCIO_PRO,
        "Une structure d'insertion vous propose des ateliers, des mises en situation de travail et un suivi régulier.",
    ),
    (
        "Accompagnement social",
        TypeOrientation.SOCIAL,
        "Un travailleur social vous aide d'abord pour le logement, le budget, les démarches ou la vie quotidienne.",
    ),
]


class JeuRegles(TenantModel):
    """One version of the département's ordered orientation rules (see `orientation.criteres`): each save by
    the admin is a new row with the next number, its author and date; the active rules are the latest version.
    A département with none proposes with the rules in code (`REGLES_PAR_DEFAUT`), which also seed version 1.
    An orientation keeps the version that proposed it (`Orientation.regles_version`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    numero = models.PositiveIntegerField("version")
    regles = models.JSONField("règles, dans l'ordre")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="enregistrée par",
        help_text="Vide pour les règles nationales par défaut reprises à la création.",
    )
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "version des règles d'orientation"
        verbose_name_plural = "versions des règles d'orientation"
        ordering = ["-numero"]
        constraints = [models.UniqueConstraint(fields=["departement", "numero"], name="jeu_regles_numero_unique")]

    def __str__(self):
        return f"Règles d'orientation, version {self.numero}"


class Secteur(TenantModel):
    """A territory assigned to a chargé d'orientation: their queue shows its people by default."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="secteurs_orientation", verbose_name="agent"
    )
    territoire = models.ForeignKey(
        "spie.Territoire", on_delete=models.CASCADE, related_name="secteurs", verbose_name="territoire"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "secteur d'un chargé d'orientation"
        verbose_name_plural = "secteurs des chargés d'orientation"
        ordering = ["user__last_name", "user__first_name", "territoire__nom"]
        constraints = [models.UniqueConstraint(fields=["user", "territoire"], name="secteur_unique")]

    def __str__(self):
        return f"{self.user} — {self.territoire}"


# --- The dossier and its convocations -------------------------------------------------------


class StatutDossier(models.TextChoices):
    A_CONVOQUER = "a_convoquer", "À convoquer"
    CONVOQUE = "convoque", "Convoqué"
    ENTRETIEN = "entretien", "Entretien en cours"
    DIAGNOSTIC_TERMINE = "diagnostic_termine", "Diagnostic terminé"
    ORIENTATION_PROPOSEE = "orientation_proposee", "Orientation proposée"
    ORIENTE = "oriente", "Orienté"
    # Past the legal deadline France Travail orients (D.262-65-2 CASF): a state of its own, recorded with its date.
    ORIENTE_FRANCE_TRAVAIL = "oriente_france_travail", "Orientation par France Travail (délai légal dépassé)"


STATUTS_CLOS = [StatutDossier.ORIENTE, StatutDossier.ORIENTE_FRANCE_TRAVAIL]
STATUTS_OUVERTS = [s for s in StatutDossier.values if s not in STATUTS_CLOS]


class OrigineInformation(models.TextChoices):
    """What started the legal clock: the right opened in the département, or was transferred into it."""

    OUVERTURE = "ouverture", "Ouverture du droit"
    TRANSFERT = "transfert", "Transfert depuis un autre département"


class SourceInformation(models.TextChoices):
    FLUX = "flux", "Flux CAF/MSA"
    API = "api", "API des partenaires"
    SAISIE = "saisie", "Saisie par un agent"
    CARNET = "carnet", "Création du carnet (date déduite)"


class DossierOrientationQuerySet(TenantQuerySet):
    def ouverts(self):
        return self.exclude(statut__in=STATUTS_CLOS)


class DossierOrientation(TenantModel):
    """One orientation of one person, from the moment someone takes it to the decision.

    The milestone dates are data (not derived from logs) so that indicators compute delays exactly:
    RSA entry (copied when the dossier opens), first contact (first convocation issued, or the interview
    itself when the person came without one), interview, decision, first accompaniment appointment.
    A réorientation opens a new dossier; at most one dossier per carnet is open at a time.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="dossiers_orientation")
    charge_orientation = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers_orientation",
        verbose_name="chargé d'orientation",
    )
    statut = models.CharField(
        "statut", max_length=24, choices=StatutDossier.choices, default=StatutDossier.A_CONVOQUER
    )
    demande_reorientation = models.OneToOneField(
        "orientation.DemandeReorientation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier",
        verbose_name="demande de réorientation",
    )
    date_entree_rsa = models.DateField("entrée au RSA", null=True, blank=True)
    date_premier_contact = models.DateField("premier contact", null=True, blank=True)
    date_entretien = models.DateField("entretien d'orientation", null=True, blank=True)
    date_decision = models.DateField("décision d'orientation", null=True, blank=True)
    date_premier_rdv_accompagnement = models.DateField("premier rendez-vous d'accompagnement", null=True, blank=True)
    # The legal clock (D.262-65-2 CASF): from the day the département received the information that the right
    # was opened or transferred in, to the deadline computed then with the département's setting (a later change
    # of the setting does not move a running clock).
    date_reception_information = models.DateField("information reçue le", null=True, blank=True)
    origine_information = models.CharField(
        "origine de l'information", max_length=10, choices=OrigineInformation.choices, blank=True, db_default=""
    )
    source_information = models.CharField(
        "source de l'information", max_length=10, choices=SourceInformation.choices, blank=True, db_default=""
    )
    date_limite_orientation = models.DateField("date limite légale d'orientation", null=True, blank=True)
    date_orientation_france_travail = models.DateField("orientation par France Travail le", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField("ouvert le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(DossierOrientationQuerySet)()

    class Meta:
        verbose_name = "dossier d'orientation"
        verbose_name_plural = "dossiers d'orientation"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carnet"],
                condition=~Q(statut__in=["oriente", "oriente_france_travail"]),
                name="dossier_orientation_ouvert_unique",
            ),
            models.CheckConstraint(
                condition=Q(date_reception_information__isnull=True)
                | Q(date_limite_orientation__gte=models.F("date_reception_information")),
                name="dossier_orientation_limite_apres_reception",
            ),
        ]
        indexes = [
            models.Index(fields=["departement", "statut"], name="dossier_orientation_statut_idx"),
            models.Index(fields=["departement", "date_limite_orientation"], name="dossier_orientation_limite_idx"),
            models.Index(fields=["charge_orientation", "statut"], name="dossier_orientation_charge_idx"),
        ]

    def __str__(self):
        return f"Dossier d'orientation de {self.carnet.beneficiaire}"

    @property
    def est_ouvert(self):
        return self.statut not in STATUTS_CLOS

    @property
    def est_oriente_par_france_travail(self):
        return self.statut == StatutDossier.ORIENTE_FRANCE_TRAVAIL

    @property
    def est_reorientation(self):
        return self.demande_reorientation_id is not None


class Convocation(TenantModel):
    """A convocation to the orientation interview. The appointment itself is a carnet `RendezVous`
    (not an accompaniment one), whose status records attendance; the row is also the e-mail's outbox."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(DossierOrientation, on_delete=models.PROTECT, related_name="convocations")
    rendez_vous = models.OneToOneField(
        "carnet.RendezVous", on_delete=models.PROTECT, related_name="convocation_orientation"
    )
    numero = models.PositiveSmallIntegerField("numéro", default=1)
    courriel_demande = models.BooleanField("envoyer la convocation par courriel", default=False)
    email_envoye_le = models.DateTimeField("courriel envoyé le", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("émise le", auto_now_add=True)

    class Meta:
        verbose_name = "convocation à l'entretien d'orientation"
        ordering = ["-numero"]
        constraints = [models.UniqueConstraint(fields=["dossier", "numero"], name="convocation_numero_unique")]

    def __str__(self):
        return f"Convocation n° {self.numero}"


# --- The diagnostic -------------------------------------------------------------------------


class StatutDiagnostic(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    TERMINE = "termine", "Terminé"


class Diagnostic(TenantModel):
    """One version of the common diagnostic of a person. A new diagnostic is a new row (next version):
    a finished one is never rewritten. `data` holds one key per step (see `orientation.diagnostic`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="diagnostics_orientation")
    dossier = models.ForeignKey(
        DossierOrientation, null=True, blank=True, on_delete=models.PROTECT, related_name="diagnostics"
    )
    numero_version = models.PositiveSmallIntegerField("version")
    statut = models.CharField("statut", max_length=10, choices=StatutDiagnostic.choices, default="brouillon")
    data = models.JSONField("contenu", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="commencé par"
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="terminé par",
    )
    structure = models.ForeignKey(
        "spie.Structure", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="structure"
    )
    started_at = models.DateTimeField("commencé le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "diagnostic d'orientation"
        verbose_name_plural = "diagnostics d'orientation"
        ordering = ["-numero_version"]
        constraints = [
            models.UniqueConstraint(fields=["carnet", "numero_version"], name="diagnostic_version_unique"),
            models.UniqueConstraint(
                fields=["carnet"], condition=Q(statut="brouillon"), name="diagnostic_un_seul_brouillon"
            ),
        ]

    def __str__(self):
        return f"Diagnostic v{self.numero_version}"

    @property
    def est_termine(self):
        return self.statut == StatutDiagnostic.TERMINE


# --- Proposal and decision ------------------------------------------------------------------


class StatutOrientation(models.TextChoices):
    PROPOSEE = "proposee", "Proposée, en attente de validation"
    VALIDEE = "validee", "Décidée"
    RENVOYEE = "renvoyee", "Renvoyée au chargé d'orientation"
    CADUQUE = "caduque", "Caduque : délai légal dépassé, France Travail oriente"


class Orientation(TenantModel):
    """A proposed orientation; once validated (or at once when the département needs no validation) it is
    the decision: type, programme, organisme référent and optionally the référent."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(DossierOrientation, on_delete=models.PROTECT, related_name="orientations")
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="orientations")
    diagnostic = models.ForeignKey(
        Diagnostic, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="diagnostic"
    )
    type_orientation = models.CharField("type d'orientation", max_length=10, choices=TypeOrientation.choices)
    dispositif = models.ForeignKey(
        Dispositif, on_delete=models.PROTECT, related_name="orientations", verbose_name="dispositif"
    )
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="+", verbose_name="organisme référent"
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="référent",
    )
    motif = models.TextField("motif de l'orientation")
    statut = models.CharField("statut", max_length=10, choices=StatutOrientation.choices, default="proposee")
    est_reorientation = models.BooleanField("réorientation", default=False)
    proposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="proposée par"
    )
    proposee_le = models.DateTimeField("proposée le", auto_now_add=True)
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="décidée par",
    )
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    commentaire = models.TextField("commentaire de la validation", blank=True)
    # The explainable proposal from the national criteria (orientation.criteres), kept as it was computed.
    parcours_propose = models.CharField("parcours proposé par les critères", max_length=20, blank=True, db_default="")
    organisme_propose = models.CharField("type d'organisme proposé", max_length=20, blank=True, db_default="")
    regle_proposition = models.CharField("règle appliquée", max_length=40, blank=True, db_default="")
    explication_proposition = models.TextField("pourquoi", blank=True, db_default="")
    motif_ecart = models.TextField("motif de l'écart avec la proposition", blank=True, db_default="")
    regles_version = models.ForeignKey(
        JeuRegles,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="version des règles appliquée",
    )
    # Social path: the joint review of the orientation is due 6 months after the decision, or 12 when the
    # diagnostic found lasting barriers, with that reason kept (D.262-65-2-1 CASF).
    revision_mois = models.PositiveSmallIntegerField(
        "révision de l'orientation sociale au bout de",
        null=True,
        blank=True,
        choices=[(6, "6 mois"), (12, "12 mois")],
    )
    motif_revision_12_mois = models.TextField("motif d'une révision à 12 mois", blank=True, db_default="")

    class Meta:
        verbose_name = "orientation"
        ordering = ["-proposee_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(statut__in=["proposee", "validee"]), name="orientation_une_par_dossier"
            ),
            models.CheckConstraint(
                condition=~Q(revision_mois=12) | ~Q(motif_revision_12_mois=""),
                name="orientation_revision_12_mois_motivee",
            ),
        ]
        indexes = [models.Index(fields=["carnet", "statut"], name="orientation_carnet_statut_idx")]

    def __str__(self):
        return f"Orientation {self.get_type_orientation_display().lower()} — {self.structure}"


class StatutDemandeReorientation(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée (maintien de l'orientation)"


class DemandeReorientation(TenantModel):
    """The référent asks for another orientation; one pending request per carnet at most."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="demandes_reorientation")
    demandeur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="demandée par"
    )
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    motif = models.TextField("motif de la demande")
    statut = models.CharField(
        "statut", max_length=12, choices=StatutDemandeReorientation.choices, default="en_attente"
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decidee_le = models.DateTimeField("traitée le", null=True, blank=True)
    commentaire = models.TextField("motif de la décision", blank=True)

    class Meta:
        verbose_name = "demande de réorientation"
        verbose_name_plural = "demandes de réorientation"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carnet"], condition=Q(statut="en_attente"), name="demande_reorientation_unique_en_attente"
            )
        ]

    def __str__(self):
        return f"Demande de réorientation du {self.created_at:%d/%m/%Y}"


# --- The queue, maintained ------------------------------------------------------------------


class CandidatFile(TenantModel):
    """A carnet that may be in the queue of people to orient, kept by PostgreSQL triggers (migration
    `0005_file_maintenue`), never written by Python.

    The queue's exact rule (`orientation.queue.nouvel_entrant_q`) reads the person's right, dates and
    household; the parts that need other tables — no active référent, no decided orientation, not oriented by
    France Travail, or an open dossier — are what made the page sort a whole département before filtering.
    This table holds exactly the carnets that pass those parts (the person's part is still checked on the
    page), so that the queue reads the few candidates of its département by index. Triggers on the
    carnets, groups, orientations and dossiers keep it true inside the writing transaction, whatever wrote
    (services, the flux's bulk writes, COPY); `tests/orientation/test_file_maintenue.py` checks it against the
    rule computed from scratch.
    """

    # No foreign-key constraint: a trigger removes the row when the carnet is deleted (Django's deletion
    # collector could otherwise delete it before the group rows whose deletion puts it back).
    carnet = models.OneToOneField(
        "carnet.Carnet",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
        verbose_name="carnet",
    )

    class Meta:
        verbose_name = "candidat à la file d'orientation"
        indexes = [models.Index(fields=["departement", "carnet"], name="candidat_file_dep_idx")]
