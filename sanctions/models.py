"""The sanction file (`DossierManquement`), its evidence, the observations it received, its steps, and the
département's scale (`ParametresSanctions`). States and transitions: `sanctions.etats`."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from sanctions.etats import ETATS_OUVERTS, Etat, EtatSeance
from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class Motif(models.TextChoices):
    """The grounds of CASF L.262-37 a Département may sanction (France Travail's own job-offer ground is not ours)."""

    REFUS_CONTRAT = "refus_contrat", "Refus d'établir ou d'actualiser le contrat d'engagement"
    OBLIGATION = "obligation", "Manquement à une obligation du contrat d'engagement"
    REFUS_CONTROLE = "refus_controle", "Refus de se soumettre aux contrôles"


class Obligation(models.TextChoices):
    """What a missed obligation points at (R.5411-11 of the code du travail)."""

    CONTRAT = "contrat", "Engagements du contrat"
    SEMAINES = "semaines", "Heures d'activité non réalisées (semaines du relevé)"
    RENDEZ_VOUS = "rendez_vous", "Rendez-vous manqués"


class Rang(models.TextChoices):
    PREMIER = "premier", "Premier manquement"
    PERSISTANCE = "persistance", "Persistance (manquement pendant une sanction en cours)"
    REPETITION = "repetition", "Répétition (nouveau manquement après une sanction)"


class Nature(models.TextChoices):
    SUSPENSION = "suspension", "Suspension (rendue si la personne se remobilise)"
    SUPPRESSION = "suppression", "Suppression (perdue)"


class CanalNotification(models.TextChoices):
    RECOMMANDE = "recommande", "Lettre recommandée avec avis de réception"
    ESPACE = "espace", "Espace personnel, avec accusé de lecture"


class SourceObservation(models.TextChoices):
    ESPACE = "espace", "Écrites depuis l'espace personnel"
    COURRIER = "courrier", "Courrier reçu (numérisé)"
    AUDITION = "audition", "Audition (compte rendu)"


class ParametresSanctions(TenantModel):
    """The département's scale (R.262-68 of the CASF): typed settings with their defaults, one row per département
    (absent: the defaults). Kept in this app rather than on `Departement` because only sanctions read them and the
    décideurs' administrator changes them with the rest of the sanction settings."""

    taux_minimum = models.PositiveSmallIntegerField(
        "taux minimum (%)",
        default=30,
        validators=[MinValueValidator(30), MaxValueValidator(100)],
        help_text="Au moins 30 % (article R.262-68 du CASF).",
    )
    duree_min_premier = models.PositiveSmallIntegerField(
        "durée minimum au premier manquement (mois)", default=1, validators=[MinValueValidator(1)]
    )
    duree_max_premier = models.PositiveSmallIntegerField(
        "durée maximum au premier manquement (mois)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
    )
    duree_min_recidive = models.PositiveSmallIntegerField(
        "durée minimum en cas de persistance ou de répétition (mois)", default=1, validators=[MinValueValidator(1)]
    )
    duree_max_recidive = models.PositiveSmallIntegerField(
        "durée maximum en cas de persistance ou de répétition (mois)",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    plafond_taux_foyer = models.PositiveSmallIntegerField(
        "plafond du taux pour un foyer de plus d'une personne (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(100)],
        help_text="Facultatif. Un plafond de 50 % a été annoncé ; il n'est pas écrit dans le décret.",
    )
    rattrapage_mois_max = models.PositiveSmallIntegerField(
        "nombre maximum de mois rendus à la remobilisation",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Facultatif. Vide : tous les mois suspendus sont rendus.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "barème des sanctions"
        constraints = [models.UniqueConstraint(fields=["departement"], name="parametres_sanctions_un_par_departement")]


class DossierManquementQuerySet(TenantQuerySet):
    def ouverts(self):
        return self.filter(etat__in=ETATS_OUVERTS)

    def sanctions_prononcees(self):
        return self.filter(decide_le__isnull=False, decision_taux__isnull=False)


class DossierManquement(TenantModel):
    """A failure to meet the rights and duties, from its opening to the lift of the sanction (or its closing)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="+")
    etat = models.CharField("état", max_length=20, choices=Etat.choices, default=Etat.OUVERT)
    # --- The failure ----------------------------------------------------------------------
    motif = models.CharField("motif", max_length=20, choices=Motif.choices)
    obligation = models.CharField("obligation manquée", max_length=15, choices=Obligation.choices, blank=True)
    contrat = models.ForeignKey(
        "carnet.Contrat", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="contrat"
    )
    semaines = ArrayField(models.DateField(), default=list, blank=True, verbose_name="semaines du relevé (lundis)")
    rendez_vous = models.ManyToManyField("carnet.RendezVous", blank=True, related_name="+", verbose_name="rendez-vous")
    # What identifies the failure, so that two open files never pursue the same one (see `services`).
    cle_manquement = models.CharField(max_length=500, editable=False)
    faits = models.TextField("faits constatés")
    faits_du = models.DateField("faits constatés du")
    faits_au = models.DateField("au")
    rang = models.CharField("rang", max_length=12, choices=Rang.choices)
    foyer = models.JSONField("composition du foyer (CAF/MSA) à l'ouverture", default=dict)
    # --- Legitimate reason (L.262-37: only without one) -------------------------------------------
    motif_legitime = models.BooleanField("motif légitime", null=True, blank=True)
    motif_legitime_raison = models.TextField("appréciation du motif légitime", blank=True)
    motif_legitime_le = models.DateTimeField(null=True, blank=True)
    # --- France Travail's proposal (the contradictory step is then France Travail's) ---------------------
    proposition_ft = models.BooleanField("sur proposition de France Travail", default=False)
    proposition_ft_reference = models.CharField("référence de la proposition", max_length=100, blank=True)
    proposition_ft_nature = models.CharField(max_length=12, choices=Nature.choices, blank=True)
    proposition_ft_taux = models.PositiveSmallIntegerField(null=True, blank=True)
    proposition_ft_duree = models.PositiveSmallIntegerField(null=True, blank=True)
    procedure_contradictoire_omise = models.BooleanField(
        "procédure contradictoire non engagée (proposition de France Travail suivie sans modification)", default=False
    )
    # --- Notice (R.262-68: by any means giving a certain date) ----------------------------------------------
    envisage_nature = models.CharField("sanction envisagée", max_length=12, choices=Nature.choices, blank=True)
    envisage_taux = models.PositiveSmallIntegerField("taux envisagé (%)", null=True, blank=True)
    envisage_duree = models.PositiveSmallIntegerField("durée envisagée (mois)", null=True, blank=True)
    notifie_le = models.DateField("notification envoyée le", null=True, blank=True)
    # The day the person received it (avis de réception, or acknowledgement in their space): the ten days start here.
    date_certaine = models.DateField("date certaine de la notification", null=True, blank=True)
    notification_canal = models.CharField(max_length=12, choices=CanalNotification.choices, blank=True)
    notification_reference = models.CharField("numéro de la lettre recommandée", max_length=50, blank=True)
    notification_accusee_le = models.DateTimeField("accusé de lecture dans l'espace", null=True, blank=True)
    # --- EP opinion (L.262-37 III: before any suppression) -------------------------------------------------
    avis_ep_le = models.DateField("avis de l'équipe pluridisciplinaire du", null=True, blank=True)
    avis_ep = models.TextField("avis de l'équipe pluridisciplinaire", blank=True)
    # --- Decision ---------------------------------------------------------------------------------------------
    decision_nature = models.CharField("nature", max_length=12, choices=Nature.choices, blank=True)
    decision_taux = models.PositiveSmallIntegerField("taux (%)", null=True, blank=True)
    decision_duree = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    decision_motifs = models.TextField("motifs de la décision", blank=True)
    decision_effet = models.DateField("à compter du", null=True, blank=True)
    montant_mensuel = models.DecimalField(
        "montant mensuel du RSA (si connu)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    decideur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decide_le = models.DateField("décidé le", null=True, blank=True)
    # --- Remobilisation and lift ------------------------------------------------------------------------------
    remobilise_le = models.DateField("remobilisation constatée le", null=True, blank=True)
    remobilisation = models.TextField("comment la personne s'est remobilisée", blank=True)
    leve_le = models.DateField("sanction levée le", null=True, blank=True)
    rattrapage_mois = models.PositiveSmallIntegerField("mois rendus", null=True, blank=True)
    rattrapage_montant = models.DecimalField("montant rendu", max_digits=9, decimal_places=2, null=True, blank=True)
    cloture_raison = models.TextField("raison du classement", blank=True)
    # Empty when a partner proposed the file through the API (`PropositionPartenaire` says which structure).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = TenantManager.from_queryset(DossierManquementQuerySet)()

    class Meta:
        verbose_name = "dossier de manquement"
        verbose_name_plural = "dossiers de manquement"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["carnet", "etat"], name="manquement_carnet_etat_idx")]
        constraints = [
            # The database's own guard against two open files on the same failure (the service says it in words).
            models.UniqueConstraint(
                fields=["carnet", "cle_manquement"],
                condition=Q(etat__in=ETATS_OUVERTS),
                name="manquement_un_dossier_ouvert",
            ),
            models.CheckConstraint(
                condition=Q(decision_taux__isnull=True) | Q(decision_taux__gte=30, decision_taux__lte=100),
                name="manquement_taux_borne",
            ),
            models.CheckConstraint(
                condition=Q(decision_duree__isnull=True) | Q(decision_duree__gte=1, decision_duree__lte=4),
                name="manquement_duree_bornee",
            ),
        ]

    def __str__(self):
        return f"Dossier de manquement du {self.created_at:%d/%m/%Y}" if self.created_at else "Dossier de manquement"

    @property
    def foyer_plusieurs_personnes(self) -> bool:
        return (self.foyer or {}).get("personnes", 1) > 1

    @property
    def montant_suspendu_mensuel(self):
        if self.montant_mensuel is None or self.decision_taux is None:
            return None
        return (self.montant_mensuel * self.decision_taux / Decimal(100)).quantize(Decimal("0.01"))


class PieceDossier(TenantModel):
    """A piece of evidence: a restricted document of the carnet (stored and scanned by `carnet.services`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(DossierManquement, on_delete=models.PROTECT, related_name="pieces")
    document = models.ForeignKey("carnet.Document", on_delete=models.PROTECT, related_name="+")
    libelle = models.CharField("ce que prouve la pièce", max_length=200)
    ajoutee_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pièce du dossier"
        ordering = ["created_at", "id"]


class ObservationDossier(TenantModel):
    """What the person answered to the notice: from their space (dated on receipt), a letter scanned in, or the
    minutes of a hearing (with the companion of their choice)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(DossierManquement, on_delete=models.PROTECT, related_name="observations")
    source = models.CharField("origine", max_length=10, choices=SourceObservation.choices)
    texte = models.TextField("observations ou compte rendu")
    demande_audition = models.BooleanField("demande à être entendue", default=False)
    accompagnant = models.CharField("personne qui l'accompagnait", max_length=200, blank=True)
    recue_le = models.DateTimeField("reçues le")
    document = models.ForeignKey("carnet.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    observation_personne_uid = models.UUIDField(null=True, blank=True, editable=False)
    enregistree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "observation sur le dossier"
        ordering = ["recue_le", "id"]


class EtapeDossier(TenantModel):
    """One transition crossed (append-only in practice: only `sanctions.services` writes, never updates)."""

    dossier = models.ForeignKey(DossierManquement, on_delete=models.PROTECT, related_name="etapes")
    transition = models.CharField(max_length=30)
    etat_avant = models.CharField(max_length=20, choices=Etat.choices, blank=True)
    etat_apres = models.CharField(max_length=20, choices=Etat.choices)
    article = models.CharField("texte applicable", max_length=100)
    resume = models.CharField(max_length=255)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape du dossier"
        ordering = ["created_at", "id"]


# --- The paying body (CAF/MSA) and partners' proposals (`sanctions.payeur`, `sanctions.propositions`) ------------


class TypeMouvement(models.TextChoices):
    """What the paying body must apply: a decision, its lift (remobilisation or end), the arrears to pay back."""

    DECISION = "decision", "Sanction décidée"
    LEVEE = "levee", "Sanction levée"
    RATTRAPAGE = "rattrapage", "Sommes à rendre (rattrapage)"


class ExportPayeur(TenantModel):
    """One file for the CAF/MSA: the movements not yet exported when it was made (`MouvementPayeur.export`). The
    file is rebuilt from its movements when downloaded again; no copy of the data is stored."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nombre = models.PositiveIntegerField("mouvements", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("préparé le", auto_now_add=True)

    class Meta:
        verbose_name = "export vers l'organisme payeur"
        ordering = ["-created_at", "-id"]


class MouvementPayeur(TenantModel):
    """A notice owed to the paying body, written in the transaction of the step that causes it: one per file and
    type (the unique constraint makes the recording idempotent), exported once."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(DossierManquement, on_delete=models.CASCADE, related_name="mouvements_payeur")
    type = models.CharField("mouvement", max_length=12, choices=TypeMouvement.choices)
    date = models.DateField("date d'effet")
    export = models.ForeignKey(
        ExportPayeur, null=True, blank=True, on_delete=models.PROTECT, related_name="mouvements"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mouvement pour l'organisme payeur"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "type"], name="mouvement_payeur_unique")]
        indexes = [
            models.Index(
                fields=["departement", "created_at"],
                condition=Q(export__isnull=True),
                name="mouvement_payeur_a_exporter",
            )
        ]


class PropositionPartenaire(TenantModel):
    """A failure proposed through the API by France Travail or the person's organisme référent: which structure
    (and token) proposed it and the sanction proposed. The file itself is opened by `sanctions.services`."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.OneToOneField(DossierManquement, on_delete=models.CASCADE, related_name="proposition")
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    jeton_id = models.BigIntegerField(null=True, blank=True)
    reference = models.CharField("référence de la proposition", max_length=100, blank=True)
    nature = models.CharField(max_length=12, choices=Nature.choices)
    taux = models.PositiveSmallIntegerField()
    duree = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "proposition d'un partenaire"
        ordering = ["-created_at", "-id"]


# --- Équipes pluridisciplinaires (CASF L.262-39) and their sessions ---------------------------------------------


class QualiteMembre(models.TextChoices):
    DEPARTEMENT = "departement", "Représentant du Département"
    FRANCE_TRAVAIL = "france_travail", "Représentant de France Travail"
    BENEFICIAIRES = "beneficiaires", "Représentant des personnes bénéficiaires du RSA"
    ORGANISME_REFERENT = "organisme_referent", "Représentant d'un organisme référent"
    INSERTION = "insertion", "Professionnel de l'insertion sociale ou professionnelle"
    AUTRE = "autre", "Autre qualité"


class ThemePassage(models.TextChoices):
    SUPPRESSION = "suppression", "Suppression du RSA (avant la décision)"
    REORIENTATION_PRO = "reorientation_pro", "Réorientation du social vers le professionnel"
    REORIENTATION_SOCIAL = "reorientation_social", "Réorientation du professionnel vers le social"
    CAS_COMPLEXE = "cas_complexe", "Situation complexe"


class SensAvis(models.TextChoices):
    FAVORABLE = "favorable", "Favorable"
    RESERVES = "reserves", "Favorable avec réserves"
    DEFAVORABLE = "defavorable", "Défavorable"


class SensDecision(models.TextChoices):
    CONFORME = "conforme", "Le président suit l'avis de l'équipe"
    DIFFERENTE = "differente", "Le président ne suit pas l'avis de l'équipe"


class EquipePluridisciplinaire(TenantModel):
    """An équipe pluridisciplinaire of one territory of the département, with its members and its quorum."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    nom = models.CharField("nom", max_length=150)
    territoire = models.ForeignKey(
        "spie.Territoire", on_delete=models.PROTECT, related_name="+", verbose_name="territoire"
    )
    quorum = models.PositiveSmallIntegerField(
        "quorum (membres présents)", validators=[MinValueValidator(1)], help_text="Nombre de membres présents requis."
    )
    lieu = models.CharField("lieu habituel des séances", max_length=300, blank=True)
    active = models.BooleanField("active", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "équipe pluridisciplinaire"
        verbose_name_plural = "équipes pluridisciplinaires"
        ordering = ["nom"]
        constraints = [models.UniqueConstraint(fields=["departement", "nom"], name="equipe_ep_nom_unique")]

    def __str__(self):
        return self.nom


class MembreEquipe(TenantModel):
    """A member: a user of the platform (who then reads the files of a session while it is held) or an external
    person (named in the minutes only), with the structure they represent and their quality."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    equipe = models.ForeignKey(EquipePluridisciplinaire, on_delete=models.PROTECT, related_name="membres")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="utilisateur",
    )
    nom = models.CharField("nom (personne extérieure)", max_length=200, blank=True)
    structure = models.CharField("structure représentée", max_length=200)
    qualite = models.CharField("qualité", max_length=20, choices=QualiteMembre.choices)
    actif = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "membre d'une équipe pluridisciplinaire"
        ordering = ["qualite", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(nom=""), name="membre_ep_user_ou_nom"),
            models.UniqueConstraint(
                fields=["equipe", "user"], condition=Q(actif=True, user__isnull=False), name="membre_ep_user_unique"
            ),
        ]

    @property
    def nom_affiche(self):
        return self.user.get_full_name() if self.user_id else self.nom


class SeanceEquipeQuerySet(TenantQuerySet):
    def tenues(self):
        return self.filter(etat__in=(EtatSeance.TENUE, EtatSeance.CLOSE))


class SeanceEquipe(TenantModel):
    """A session of an équipe pluridisciplinaire (states: `sanctions.etats.EtatSeance`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    equipe = models.ForeignKey(EquipePluridisciplinaire, on_delete=models.PROTECT, related_name="seances")
    etat = models.CharField("état", max_length=12, choices=EtatSeance.choices, default=EtatSeance.CREEE)
    date_heure = models.DateTimeField("date et heure")
    lieu = models.CharField("lieu", max_length=300)
    convoquee_le = models.DateTimeField(null=True, blank=True)
    ouverte_le = models.DateTimeField("ouverte le", null=True, blank=True)
    levee_le = models.DateTimeField("levée le", null=True, blank=True)
    close_le = models.DateTimeField("close le", null=True, blank=True)
    raison_fin = models.TextField("raison du report ou de l'annulation", blank=True)
    reportee_vers = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="reportée à"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager.from_queryset(SeanceEquipeQuerySet)()

    class Meta:
        verbose_name = "séance d'équipe pluridisciplinaire"
        ordering = ["-date_heure", "-id"]


class PresenceSeance(TenantModel):
    """Whether a member attended (recorded once, when the session opens)."""

    seance = models.ForeignKey(SeanceEquipe, on_delete=models.PROTECT, related_name="presences")
    membre = models.ForeignKey(MembreEquipe, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField("présent")

    class Meta:
        verbose_name = "présence en séance"
        ordering = ["membre__qualite", "membre_id"]
        constraints = [models.UniqueConstraint(fields=["seance", "membre"], name="presence_ep_unique")]


class PassageEquipe(TenantModel):
    """A file on a session's agenda: a person's carnet under one theme, pointing at the sanction file for a
    suppression (a réorientation needs none), with the convocation, the team's opinion and the PCD's decision."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seance = models.ForeignKey(SeanceEquipe, on_delete=models.PROTECT, related_name="passages")
    theme = models.CharField("thème", max_length=22, choices=ThemePassage.choices)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey(
        DossierManquement, null=True, blank=True, on_delete=models.PROTECT, related_name="passages_ep"
    )
    question = models.TextField("question posée à l'équipe")
    convocation_envoyee_le = models.DateTimeField("convocation envoyée le", null=True, blank=True)
    personne_presente = models.BooleanField("la personne s'est présentée", null=True, blank=True)
    avis_sens = models.CharField("avis", max_length=12, choices=SensAvis.choices, blank=True)
    avis_texte = models.TextField("avis motivé de l'équipe", blank=True)
    avis_le = models.DateTimeField("avis rendu le", null=True, blank=True)
    decision_sens = models.CharField("décision", max_length=12, choices=SensDecision.choices, blank=True)
    decision_texte = models.TextField("décision du président", blank=True)
    decide_le = models.DateTimeField("décidé le", null=True, blank=True)
    decideur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "dossier présenté en équipe pluridisciplinaire"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["seance", "carnet"], name="passage_ep_un_par_carnet"),
            models.CheckConstraint(
                condition=~Q(theme="suppression") | Q(dossier__isnull=False), name="passage_ep_suppression_dossier"
            ),
        ]
