"""The content of a carnet: situation, projects, plan of action, appointments and contracts."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from spie.tenancy import TenantManager, TenantModel, TenantQuerySet

# --- Situation (common diagnostic) ----------------------------------------------------------


class SituationConstatee(TenantModel):
    """A situation checked in the carnet; ending it (`fin`) keeps the history."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="situations")
    situation = models.ForeignKey("carnet.Situation", on_delete=models.PROTECT, related_name="+")
    constatee_le = models.DateField("constatée le")
    fin = models.DateField("n'est plus d'actualité depuis", null=True, blank=True)
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "situation constatée"
        ordering = ["situation__theme__ordre", "-constatee_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["carnet", "situation"], condition=Q(fin=None), name="situation_constatee_active_unique"
            )
        ]


class TypeContratSouhaite(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    INTERIM = "interim", "Intérim"
    ALTERNANCE = "alternance", "Alternance"
    IAE = "iae", "Insertion par l'activité économique"
    CREATION = "creation", "Création d'entreprise"
    INDIFFERENT = "indifferent", "Indifférent"


class ProjetProfessionnel(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="projets")
    metier = models.CharField("métier recherché", max_length=200)
    code_rome = models.CharField("code ROME", max_length=5, blank=True)
    rayon_mobilite_km = models.PositiveSmallIntegerField("rayon de mobilité (km)", null=True, blank=True)
    contrat_souhaite = models.CharField(
        "contrat souhaité", max_length=12, choices=TypeContratSouhaite.choices, blank=True
    )
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "projet professionnel"
        ordering = ["-created_at"]


# --- Plan d'action --------------------------------------------------------------------------


class AxeDeTravail(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="axes")
    theme = models.ForeignKey("carnet.Theme", on_delete=models.PROTECT, related_name="+", verbose_name="thème")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "axe de travail"
        verbose_name_plural = "axes de travail"
        ordering = ["theme__ordre"]
        constraints = [models.UniqueConstraint(fields=["carnet", "theme"], name="axe_theme_unique")]

    def __str__(self):
        return str(self.theme)


class StatutObjectif(models.TextChoices):
    EN_COURS = "en_cours", "En cours"
    ATTEINT = "atteint", "Atteint"
    ABANDONNE = "abandonne", "Abandonné"


class Objectif(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    axe = models.ForeignKey(AxeDeTravail, on_delete=models.CASCADE, related_name="objectifs")
    libelle = models.CharField("objectif", max_length=255)
    statut = models.CharField("statut", max_length=10, choices=StatutObjectif.choices, default=StatutObjectif.EN_COURS)
    consentement = models.BooleanField("la personne a donné son accord", default=False)
    consentement_le = models.DateTimeField("accord recueilli le", null=True, blank=True)
    # The person's disagreement, given from their own space (an agreement clears it).
    desaccord_le = models.DateTimeField("désaccord exprimé le", null=True, blank=True)
    desaccord_commentaire = models.TextField("ce que la personne en dit", blank=True, db_default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "objectif"
        ordering = ["created_at"]

    def __str__(self):
        return self.libelle


class StatutAction(models.TextChoices):
    EN_PROJET = "en_projet", "En projet"
    EN_COURS = "en_cours", "En cours"
    EN_ATTENTE = "en_attente", "En attente"
    REALISEE = "realisee", "Réalisée"
    ABANDONNEE = "abandonnee", "Abandonnée par la personne"
    ANNULEE = "annulee", "Annulée par la structure"


class Action(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    objectif = models.ForeignKey(Objectif, on_delete=models.CASCADE, related_name="actions")
    libelle = models.CharField("action", max_length=255)
    statut = models.CharField("statut", max_length=12, choices=StatutAction.choices, default=StatutAction.EN_PROJET)
    date_debut = models.DateField("début", null=True, blank=True)
    date_fin = models.DateField("fin", null=True, blank=True)
    structure = models.ForeignKey(
        "spie.Structure", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="portée par"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "action"
        ordering = ["date_debut", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=models.F("date_debut")),
                name="action_dates_ordonnees",
            )
        ]

    def __str__(self):
        return self.libelle


# --- Rendez-vous ----------------------------------------------------------------------------


class ModeRendezVous(models.TextChoices):
    SUR_PLACE = "sur_place", "Sur place"
    TELEPHONE = "telephone", "Par téléphone"
    VISIO = "visio", "En visioconférence"
    DOMICILE = "domicile", "À domicile"


class StatutRendezVous(models.TextChoices):
    PREVU = "prevu", "Prévu"
    PRESENT = "present", "Présent"
    EXCUSE = "excuse", "Excusé"
    ABSENT = "absent", "Absent"
    ANNULE_STRUCTURE = "annule_structure", "Annulé par la structure"


class RendezVous(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="rendez_vous")
    date_heure = models.DateTimeField("date et heure")
    duree_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=45)
    professionnel = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="professionnel"
    )
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField("mode", max_length=10, choices=ModeRendezVous.choices, default=ModeRendezVous.SUR_PLACE)
    lieu = models.CharField("lieu", max_length=255, blank=True)
    objet = models.CharField("objet", max_length=255, blank=True)
    statut = models.CharField(
        "statut", max_length=16, choices=StatutRendezVous.choices, default=StatutRendezVous.PREVU
    )
    # Set by the orientation app: the first accompaniment appointment after a decision is a delay milestone.
    est_accompagnement = models.BooleanField("rendez-vous d'accompagnement", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["-date_heure"]
        indexes = [
            models.Index(fields=["carnet", "date_heure"], name="rdv_carnet_date_idx"),
            # The action lists of "Ma journée" probe each carnet's appointments by status and date (attended in the
            # last days, planned in the next ones, planned but past): one index range instead of every row.
            models.Index(fields=["carnet", "statut", "date_heure"], name="rdv_carnet_statut_date_idx"),
        ]


# --- Contrats -------------------------------------------------------------------------------


class TypeContrat(models.TextChoices):
    CER = "cer", "Contrat d'engagement réciproque (CER)"
    PPAE = "ppae", "Projet personnalisé d'accès à l'emploi (PPAE)"
    CEJ = "cej", "Contrat d'engagement jeune (CEJ)"
    PACEA = "pacea", "Parcours contractualisé d'accompagnement (PACEA)"
    CONTRAT_ENGAGEMENT = "contrat_engagement", "Contrat d'engagement"


class MotifReductionHeures(models.TextChoices):
    """The legal reasons for a contrat d'engagement below the weekly hours target (L.5411-6-1 code du travail).

    Restricted data: shown to the group only, never in partner API fields, webhooks, shared pages or exports."""

    SANTE = "sante", "Santé"
    HANDICAP = "handicap", "Handicap"
    INVALIDITE = "invalidite", "Invalidité"
    LOGEMENT = "logement", "Difficultés de logement"
    SITUATION_FAMILIALE = "situation_familiale", "Situation familiale"
    AIDANT = "aidant", "Aidant d'un proche"


class StatutContrat(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    SIGNE = "signe", "Signé"
    TERMINE = "termine", "Terminé"


class Contrat(TenantModel):
    """A contract version. A renewal is a new row pointing to the previous one; history is never rewritten."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="contrats")
    type = models.CharField("type", max_length=20, choices=TypeContrat.choices)
    statut = models.CharField("statut", max_length=10, choices=StatutContrat.choices, default=StatutContrat.BROUILLON)
    numero_version = models.PositiveSmallIntegerField("version", default=1)
    precedent = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renouvellement"
    )
    date_signature = models.DateField("signé le", null=True, blank=True)
    date_debut = models.DateField("début")
    date_fin = models.DateField("fin")
    heures_hebdomadaires = models.PositiveSmallIntegerField("heures d'activité par semaine", default=15)
    # Restricted (see MotifReductionHeures): only set on a contrat d'engagement below the département's target.
    motif_reduction_heures = models.CharField(
        "motif de la réduction des heures",
        max_length=20,
        choices=MotifReductionHeures.choices,
        blank=True,
        db_default="",
    )
    precision_reduction_heures = models.TextField("précision sur la réduction des heures", blank=True, db_default="")
    engagements_personne = models.TextField("engagements de la personne", blank=True)
    engagements_structure = models.TextField("engagements de la structure", blank=True)
    objectifs = models.ManyToManyField(
        Objectif, blank=True, related_name="contrats", verbose_name="objectifs couverts"
    )
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    termine_le = models.DateField("terminé le", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "contrat"
        ordering = ["-date_debut", "-numero_version"]
        constraints = [
            models.CheckConstraint(condition=Q(date_fin__gte=models.F("date_debut")), name="contrat_dates_ordonnees"),
        ]
        # The action lists of "Ma journée" probe each carnet's contracts by status and end date.
        indexes = [models.Index(fields=["carnet", "statut", "date_fin"], name="contrat_carnet_statut_fin_idx")]

    def __str__(self):
        return f"{self.get_type_display()} v{self.numero_version}"


# --- Sorties --------------------------------------------------------------------------------


class MotifSortie(models.TextChoices):
    EMPLOI = "emploi", "Accès à l'emploi"
    CREATION_ENTREPRISE = "creation", "Création d'entreprise"
    FORMATION = "formation", "Entrée en formation qualifiante"
    FIN_DROITS = "fin_droits", "Fin des droits au RSA"
    DEMENAGEMENT = "demenagement", "Départ du département"
    AUTRE = "autre", "Autre motif"


MOTIFS_SORTIE_POSITIVE = (MotifSortie.EMPLOI, MotifSortie.CREATION_ENTREPRISE, MotifSortie.FORMATION)
# Exits into work: the référent checks in with the person on a schedule (1, 3, 6 months by default) before the
# carnet is closed; any other exit closes it at once.
MOTIFS_SORTIE_VERS_EMPLOI = (MotifSortie.EMPLOI, MotifSortie.CREATION_ENTREPRISE)


class Sortie(TenantModel):
    """The end of the accompaniment, with its reason: exits to employment or training are an indicator.

    A person can exit several times over the years (new RSA entry, new path): each exit is a row. A job exit
    keeps the group open for the follow-up of the first months in work (`suivi_dans_emploi`).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="sorties")
    date_sortie = models.DateField("date de sortie")
    motif = models.CharField("motif", max_length=12, choices=MotifSortie.choices)
    suivi_dans_emploi = models.BooleanField(
        "suivi poursuivi dans l'emploi",
        default=False,
        help_text="La personne reste accompagnée pendant ses premiers mois d'emploi.",
    )
    precision = models.CharField(
        "précision",
        max_length=255,
        blank=True,
        help_text="Par exemple l'employeur ou la formation. Sans information de santé ni de situation familiale.",
    )
    # The closing review (bilan): what was reached, what helped, and the person's own words.
    objectifs_atteints = models.ManyToManyField(
        "carnet.Objectif", blank=True, related_name="+", verbose_name="objectifs atteints"
    )
    ce_qui_a_aide = models.TextField("ce qui a aidé", blank=True, db_default="")
    paroles_personne = models.TextField("ce que la personne en dit", blank=True, db_default="")
    # A reopening (new RSA entry, or by hand) ends this exit: the person is accompanied again.
    rouverte_le = models.DateTimeField("carnet rouvert le", null=True, blank=True)
    motif_reouverture = models.CharField("motif de la réouverture", max_length=255, blank=True, db_default="")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey("spie.Structure", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sortie du parcours"
        verbose_name_plural = "sorties du parcours"
        ordering = ["-date_sortie", "-created_at"]
        indexes = [models.Index(fields=["departement", "date_sortie"], name="sortie_departement_date_idx")]

    def __str__(self):
        return f"Sortie ({self.get_motif_display()}) le {self.date_sortie:%d/%m/%Y}"

    @property
    def est_positive(self):
        return self.motif in MOTIFS_SORTIE_POSITIVE

    @property
    def a_un_bilan(self):
        return bool(self.ce_qui_a_aide or self.paroles_personne) or self.objectifs_atteints.exists()


class PointDeSuiviQuerySet(TenantQuerySet):
    def a_faire(self):
        """Check-ins not recorded yet, of exits not undone by a reopening."""
        return self.filter(realise_le__isnull=True, sortie__rouverte_le__isnull=True)


class PointDeSuivi(TenantModel):
    """A check-in planned after an exit into work (`mois` months after it): the référent is reminded on the due
    day, records whether the person is still in work, and the carnet closes once the last one is recorded."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sortie = models.ForeignKey(Sortie, on_delete=models.CASCADE, related_name="points_de_suivi")
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="points_de_suivi")
    mois = models.PositiveSmallIntegerField("mois après la sortie")
    echeance = models.DateField("échéance")
    realise_le = models.DateField("point fait le", null=True, blank=True)
    toujours_en_emploi = models.BooleanField("toujours en emploi", null=True, blank=True)
    note = models.TextField("note", blank=True, db_default="")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager.from_queryset(PointDeSuiviQuerySet)()

    class Meta:
        verbose_name = "point de suivi après la sortie"
        verbose_name_plural = "points de suivi après la sortie"
        ordering = ["echeance", "pk"]
        constraints = [models.UniqueConstraint(fields=["sortie", "mois"], name="point_de_suivi_mois_unique")]
        indexes = [
            # The daily reminder reads the check-ins due and not done, by département.
            models.Index(
                fields=["departement", "echeance"],
                condition=Q(realise_le__isnull=True),
                name="point_de_suivi_a_faire_idx",
            )
        ]

    def __str__(self):
        return f"Point de suivi à {self.mois} mois ({self.echeance:%d/%m/%Y})"


# --- Observations de la personne ------------------------------------------------------------


class ObservationPersonne(TenantModel):
    """What the person writes from their own space to the group (observations, a request to be heard).

    Generic: `objet_type`/`objet_uid` name what it answers (empty for a free observation; a sanction notice
    later), `recue_le` is the certain date of receipt shown to the person, `lue_le`/`lue_par` the référent's
    acknowledgement. Written by `carnet.services.observation_envoyer` only; never edited by the group.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="observations")
    objet_type = models.CharField("répond à", max_length=30, blank=True)
    objet_uid = models.UUIDField(null=True, blank=True)
    texte = models.TextField("observations")
    demande_audition = models.BooleanField("demande à être entendue", default=False)
    recue_le = models.DateTimeField("reçue le", auto_now_add=True)
    lue_le = models.DateTimeField("lue le", null=True, blank=True)
    lue_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "observation de la personne"
        verbose_name_plural = "observations de la personne"
        ordering = ["-recue_le", "-id"]
        indexes = [models.Index(fields=["carnet", "objet_uid"], name="observation_carnet_objet_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(lue_le__isnull=True, lue_par__isnull=True)
                | Q(lue_le__isnull=False, lue_par__isnull=False),
                name="observation_lue_par_et_le",
            )
        ]
