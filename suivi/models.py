"""Follow-up machinery: reminder rules, notification preferences, the outbox, alerts and evaluations.

Every table owned by a département is a `TenantModel`; the preference is the user's own (one account,
memberships in several départements), so it is not.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from spie.tenancy import TenantManager, TenantModel, TenantQuerySet

# --- Rules of the département ---------------------------------------------------------------


class JourSemaine(models.IntegerChoices):
    """`date.weekday()` numbering."""

    LUNDI = 0, "lundi"
    MARDI = 1, "mardi"
    MERCREDI = 2, "mercredi"
    JEUDI = 3, "jeudi"
    VENDREDI = 4, "vendredi"
    SAMEDI = 5, "samedi"
    DIMANCHE = 6, "dimanche"


class ReglesRappel(TenantModel):
    """The reminder and alert rules of a département: one row, created with the defaults when first needed."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rappel_rdv_actif = models.BooleanField("rappeler leurs rendez-vous aux personnes accompagnées", default=True)
    rappel_rdv_jours = models.PositiveSmallIntegerField(
        "nombre de jours avant le rendez-vous",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text="Le rappel part par courriel (et par SMS si un numéro est connu) ce nombre de jours avant.",
    )
    digest_actif = models.BooleanField("envoyer un point hebdomadaire aux professionnels", default=True)
    digest_jour_semaine = models.PositiveSmallIntegerField(
        "jour du point hebdomadaire", choices=JourSemaine.choices, default=JourSemaine.LUNDI
    )
    digest_sans_rdv_jours = models.PositiveSmallIntegerField(
        "signaler les personnes sans rendez-vous depuis (jours)",
        default=60,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
    )
    alerte_orientation_active = models.BooleanField(
        "alerter les chargés d'orientation des nouveaux entrants au-delà du délai cible", default=True
    )
    alerte_sans_referent_active = models.BooleanField(
        "alerter les responsables de structure des personnes suivies sans référent", default=True
    )
    fenetre_indicateurs_jours = models.PositiveSmallIntegerField(
        "fenêtre des indicateurs de délai (jours)",
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(180)],
        help_text="Par exemple la part des entrants orientés en 30 jours. Changer la fenêtre recalcule les séries.",
    )
    evaluations_actives = models.BooleanField(
        "envoyer le questionnaire d'évaluation aux personnes accompagnées",
        default=True,
        help_text="30 jours après la décision d'orientation et à la fin d'un contrat, par courriel.",
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "règles de rappel"
        verbose_name_plural = "règles de rappel"
        constraints = [models.UniqueConstraint(fields=["departement"], name="regles_rappel_une_par_departement")]

    def __str__(self):
        return f"Règles de rappel ({self.departement_id})"


# --- Preferences of a user ------------------------------------------------------------------


class FrequenceCourriel(models.TextChoices):
    HEBDOMADAIRE = "hebdomadaire", "Une fois par semaine : le point hebdomadaire"
    QUOTIDIEN = "quotidien", "Chaque jour ouvré"
    JAMAIS = "jamais", "Jamais : seulement les notifications de la plateforme"


class PreferenceNotification(models.Model):
    """How often a user wants the follow-up e-mails; the in-app notifications are always created."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference_notification"
    )
    frequence_courriel = models.CharField(
        "courriels de suivi", max_length=12, choices=FrequenceCourriel.choices, default=FrequenceCourriel.HEBDOMADAIRE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "préférence de notification"

    def __str__(self):
        return f"{self.user} : {self.get_frequence_courriel_display()}"


# --- Outbox ---------------------------------------------------------------------------------


class Canal(models.TextChoices):
    EMAIL = "email", "Courriel"
    SMS = "sms", "SMS"


class StatutMessage(models.TextChoices):
    A_ENVOYER = "a_envoyer", "À envoyer"
    EN_COURS = "en_cours", "Envoi en cours"
    ENVOYE = "envoye", "Envoyé"
    ECHEC = "echec", "Échec"


class MessageQuerySet(TenantQuerySet):
    def a_envoyer(self):
        return self.filter(statut=StatutMessage.A_ENVOYER)


class Message(TenantModel):
    """One e-mail or SMS, written in the business transaction and sent by a task.

    `cle` makes queuing idempotent: the same business event queues one message per channel, however many
    times the task that found it runs. Sending claims the row by a conditional UPDATE (`a_envoyer` →
    `en_cours`), so that two workers never send the same row.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    canal = models.CharField("canal", max_length=5, choices=Canal.choices)
    destinataire = models.CharField("destinataire", max_length=254)
    sujet = models.CharField("sujet", max_length=200, blank=True)
    corps = models.TextField("corps")
    cle = models.CharField("clé d'idempotence", max_length=200)
    statut = models.CharField("statut", max_length=10, choices=StatutMessage.choices, default=StatutMessage.A_ENVOYER)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    essai_le = models.DateTimeField("dernier essai le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    erreur = models.CharField("dernière erreur", max_length=500, blank=True)
    expurge_le = models.DateTimeField("contenu effacé le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager.from_queryset(MessageQuerySet)()

    class Meta:
        verbose_name = "message"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["departement", "canal", "cle"], name="message_cle_unique"),
        ]
        indexes = [models.Index(fields=["statut", "created_at"], name="message_statut_idx")]

    def __str__(self):
        return f"{self.get_canal_display()} {self.cle} ({self.get_statut_display()})"


# --- Alerts ---------------------------------------------------------------------------------


class TypeAlerte(models.TextChoices):
    ORIENTATION = "orientation", "Nouvel entrant au-delà du délai cible d'orientation"
    SANS_REFERENT = "sans_referent", "Personne suivie sans référent"
    DELAI_LEGAL_4_SEMAINES = "delai_legal_4s", "Quatre semaines du délai légal d'orientation écoulées"
    DELAI_LEGAL_5_SEMAINES = "delai_legal_5s", "Cinq semaines du délai légal d'orientation écoulées"
    CE_NON_SIGNE = "ce_non_signe", "Contrat d'engagement non signé un mois après l'orientation"
    STOCK_SANS_CE = "stock_sans_ce", "Personne suivie avant 2025 sans contrat d'engagement"
    SUIVI_SORTIE = "suivi_sortie", "Point de suivi à faire après une sortie vers l'emploi"
    CONSERVATION = "conservation", "Carnet à anonymiser dans 30 jours (durée de conservation atteinte)"
    REVISION_PARCOURS_SOCIAL = "revision_social", "Orientation en parcours social à revoir (6 ou 12 mois)"


class Alerte(TenantModel):
    """A person was signalled for a reason during an ISO week: the key that makes alerts idempotent.

    For the legal clock's alerts (sent once per clock, not once a week) `semaine` holds the day the clock
    started (YYYYMMDD): a clock restarted by a transfer alerts again."""

    type = models.CharField("type", max_length=15, choices=TypeAlerte.choices)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="+")
    semaine = models.CharField("semaine ISO ou début du délai légal", max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "alerte"
        constraints = [
            models.UniqueConstraint(fields=["departement", "type", "carnet", "semaine"], name="alerte_unique_semaine")
        ]


# --- Evaluation by the people accompanied ---------------------------------------------------


class MotifQuestionnaire(models.TextChoices):
    ORIENTATION = "orientation", "30 jours après la décision d'orientation"
    FIN_CONTRAT = "fin_contrat", "Fin de contrat"


# The five questions, each answered from 1 (pas du tout satisfait) to 5 (très satisfait).
QUESTIONS = [
    ("q1", "L'accueil et l'écoute"),
    ("q2", "La clarté des informations que vous avez reçues"),
    ("q3", "Le délai pour obtenir un rendez-vous"),
    ("q4", "L'adaptation de l'accompagnement à votre situation"),
    ("q5", "Votre satisfaction générale"),
]
NOTES = [
    (1, "Pas du tout satisfait"),
    (2, "Peu satisfait"),
    (3, "Moyennement satisfait"),
    (4, "Satisfait"),
    (5, "Très satisfait"),
]


def hash_jeton(token):
    return hashlib.sha256((token or "").encode()).hexdigest()


class Questionnaire(TenantModel):
    """A questionnaire sent to a person; the link is single-use and only its hash is kept.

    The answers are not stored here (see `ReponseQuestionnaire`): once answered this row only says that
    the person answered, never what.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="+")
    motif = models.CharField("motif", max_length=12, choices=MotifQuestionnaire.choices)
    # The source event ("contrat:<uid>", "orientation:<uid>"): one questionnaire per event.
    cle = models.CharField("clé d'idempotence", max_length=100)
    structure = models.ForeignKey(
        "spie.Structure", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="structure"
    )
    territoire = models.ForeignKey(
        "spie.Territoire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="territoire",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    expire_le = models.DateTimeField("expire le")
    repondu_le = models.DateTimeField("répondu le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "questionnaire d'évaluation"
        verbose_name_plural = "questionnaires d'évaluation"
        constraints = [models.UniqueConstraint(fields=["departement", "cle"], name="questionnaire_cle_unique")]

    def __str__(self):
        return f"Questionnaire {self.get_motif_display().lower()}"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    def set_token(self, token):
        self.token_hash = hash_jeton(token)


def _note_field(label):
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class ReponseQuestionnaire(TenantModel):
    """The answers, cut from the person: no link to the questionnaire, the carnet or the exact time.

    The primary key is a random UUID and only the month is kept, so that neither the order of the rows nor a
    timestamp can tie an answer back to the questionnaire answered at the same moment. Answers are only ever
    read aggregated (`suivi.services.agregats_evaluations`), with a minimum group size.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    motif = models.CharField("motif", max_length=12, choices=MotifQuestionnaire.choices)
    structure = models.ForeignKey(
        "spie.Structure", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="structure"
    )
    territoire = models.ForeignKey(
        "spie.Territoire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="territoire",
    )
    mois = models.DateField("mois de la réponse")
    q1 = _note_field(QUESTIONS[0][1])
    q2 = _note_field(QUESTIONS[1][1])
    q3 = _note_field(QUESTIONS[2][1])
    q4 = _note_field(QUESTIONS[3][1])
    q5 = _note_field(QUESTIONS[4][1])
    commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "réponse à un questionnaire"
        verbose_name_plural = "réponses aux questionnaires"
        indexes = [models.Index(fields=["departement", "mois"], name="reponse_questionnaire_mois_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(q1__gte=1, q1__lte=5, q2__gte=1, q2__lte=5, q3__gte=1, q3__lte=5, q4__gte=1, q4__lte=5)
                & Q(q5__gte=1, q5__lte=5),
                name="reponse_notes_1_a_5",
            )
        ]


# --- Indicators -----------------------------------------------------------------------------


class Perimetre(models.TextChoices):
    DEPARTEMENT = "departement", "Département"
    TERRITOIRE = "territoire", "Territoire"
    STRUCTURE = "structure", "Structure"


class ValeurIndicateur(TenantModel):
    """One figure of a stored series: an indicator (code + version of its definition), a month, a perimeter.

    Recomputing a month replaces its rows in one transaction (`suivi.indicateurs.calcul`): idempotent, and the
    series of an older definition version stay as they were computed. `mesures` holds the figures the
    definition produces (effectif, moyenne, médiane, part, répartition...), `valeur` the headline one.
    """

    code = models.CharField("indicateur", max_length=40)
    version = models.PositiveSmallIntegerField("version de la définition")
    mois = models.DateField("mois")
    perimetre = models.CharField("périmètre", max_length=12, choices=Perimetre.choices)
    territoire = models.ForeignKey(
        "spie.Territoire", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    structure = models.ForeignKey("spie.Structure", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valeur = models.FloatField("valeur", null=True, blank=True)
    mesures = models.JSONField("mesures", default=dict)
    parametres = models.JSONField("paramètres", default=dict)
    calcule_le = models.DateTimeField("calculé le")

    class Meta:
        verbose_name = "valeur d'indicateur"
        verbose_name_plural = "valeurs d'indicateurs"
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "code", "version", "mois", "perimetre", "territoire", "structure"],
                nulls_distinct=False,
                name="valeur_indicateur_unique",
            )
        ]
        indexes = [models.Index(fields=["departement", "code", "mois"], name="valeur_indicateur_serie_idx")]

    def __str__(self):
        return f"{self.code} v{self.version} {self.mois:%m/%Y} ({self.perimetre})"


class StatutRapport(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Prêt"
    ECHEC = "echec", "Échec"


def rapport_path(instance, filename):
    return f"rapports/{instance.departement_id}/{uuid.uuid4().hex}.pdf"


class RapportMensuel(TenantModel):
    """The monthly PDF report of a département (département then each territory). One row per month: a new
    generation replaces the file. The row is also its progress bar (`etapes_faites` / `etapes_total`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mois = models.DateField("mois")
    statut = models.CharField("statut", max_length=12, choices=StatutRapport.choices, default=StatutRapport.EN_ATTENTE)
    etapes_total = models.PositiveSmallIntegerField(default=0)
    etapes_faites = models.PositiveSmallIntegerField(default=0)
    etape = models.CharField("étape en cours", max_length=200, blank=True)
    fichier = models.FileField(upload_to=rapport_path, blank=True)
    taille = models.PositiveIntegerField("taille (octets)", default=0)
    erreur = models.CharField("erreur", max_length=500, blank=True)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "rapport mensuel"
        verbose_name_plural = "rapports mensuels"
        ordering = ["-mois"]
        constraints = [models.UniqueConstraint(fields=["departement", "mois"], name="rapport_mensuel_unique")]

    def __str__(self):
        return f"Rapport mensuel {self.mois:%m/%Y}"

    @property
    def fini(self):
        return self.statut in (StatutRapport.TERMINE, StatutRapport.ECHEC)

    @property
    def pourcentage(self):
        if self.fini:
            return 100
        return min(100, int(100 * self.etapes_faites / self.etapes_total)) if self.etapes_total else 0
