"""Prescriptions: a member of a person's follow-up group sends the person to a service of the catalogue.

What the receiving structure sees is copied into the row at sending time and nothing else: the person's
name, the contact details the person agreed to share, the message. The receiving structure never
reaches the carnet (no join from the inbox to the carnet's content).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from spie.tenancy import TenantModel

RELANCE_APRES = timedelta(days=10)
EXPIRATION_APRES = timedelta(days=30)


class StatutPrescription(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente de réponse"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée"
    EXPIREE = "expiree", "Expirée sans réponse"
    ANNULEE = "annulee", "Annulée par le prescripteur"


class MotifRefus(models.TextChoices):
    PLUS_DE_PLACE = "plus_de_place", "Plus de place disponible"
    PUBLIC_NON_CONCERNE = "public_non_concerne", "La personne ne fait pas partie du public visé"
    HORS_ZONE = "hors_zone", "La personne réside hors de la zone du service"
    PREREQUIS = "prerequis", "Les conditions d'accès ne sont pas remplies"
    SERVICE_INTERROMPU = "service_interrompu", "Le service est suspendu ou interrompu"
    INJOIGNABLE = "injoignable", "La personne n'a pas pu être jointe"
    PERSONNE_RENONCE = "personne_renonce", "La personne ne souhaite plus en bénéficier"
    AUTRE = "autre", "Autre motif"


class EtapeSuivi(models.TextChoices):
    """The outcome steps of an accepted prescription, in the order they happen."""

    PRESENTE = "presente", "La personne s'est présentée"
    ABSENTE = "absente", "La personne ne s'est pas présentée"
    RETENUE = "retenue", "Candidature retenue"
    NON_RETENUE = "non_retenue", "Candidature non retenue"
    ENTREE = "entree", "Entrée dans l'action"
    TERMINEE = "terminee", "Action terminée"
    ABANDONNEE = "abandonnee", "Action abandonnée"


class MotifEtape(models.TextChoices):
    """The reasons of an absence, a candidacy not retained or an abandonment (a list, never free health or
    family details)."""

    INJOIGNABLE = "injoignable", "La personne n'a pas pu être jointe"
    EMPECHEMENT = "empechement", "Empêchement de la personne"
    MOBILITE = "mobilite", "Difficulté de transport ou de garde"
    RENONCE = "renonce", "La personne a renoncé"
    PREREQUIS = "prerequis", "Les conditions d'accès ne sont pas remplies"
    PROJET_INADAPTE = "projet_inadapte", "L'action ne correspond pas au projet"
    PLUS_DE_PLACE = "plus_de_place", "Plus de place disponible"
    EMPLOI = "emploi", "La personne a trouvé un emploi ou une formation"
    DEMENAGEMENT = "demenagement", "Déménagement"
    EXCLUSION = "exclusion", "Fin décidée par la structure"
    AUTRE = "autre", "Autre motif"


# The steps that may follow each step ("" : just accepted); a step with reasons requires one of its list.
ETAPES_SUIVANTES = {
    "": (EtapeSuivi.PRESENTE, EtapeSuivi.ABSENTE),
    EtapeSuivi.ABSENTE: (EtapeSuivi.PRESENTE,),  # convened again, the person came
    EtapeSuivi.PRESENTE: (EtapeSuivi.RETENUE, EtapeSuivi.NON_RETENUE),
    EtapeSuivi.RETENUE: (EtapeSuivi.ENTREE,),
    EtapeSuivi.ENTREE: (EtapeSuivi.TERMINEE, EtapeSuivi.ABANDONNEE),
    EtapeSuivi.NON_RETENUE: (),
    EtapeSuivi.TERMINEE: (),
    EtapeSuivi.ABANDONNEE: (),
}
MOTIFS_PAR_ETAPE = {
    EtapeSuivi.ABSENTE: (
        MotifEtape.INJOIGNABLE,
        MotifEtape.EMPECHEMENT,
        MotifEtape.MOBILITE,
        MotifEtape.RENONCE,
        MotifEtape.AUTRE,
    ),
    EtapeSuivi.NON_RETENUE: (
        MotifEtape.PREREQUIS,
        MotifEtape.PROJET_INADAPTE,
        MotifEtape.PLUS_DE_PLACE,
        MotifEtape.RENONCE,
        MotifEtape.AUTRE,
    ),
    EtapeSuivi.ABANDONNEE: (
        MotifEtape.EMPLOI,
        MotifEtape.EMPECHEMENT,
        MotifEtape.MOBILITE,
        MotifEtape.DEMENAGEMENT,
        MotifEtape.PROJET_INADAPTE,
        MotifEtape.EXCLUSION,
        MotifEtape.RENONCE,
        MotifEtape.AUTRE,
    ),
}
# Without a new step for this long after acceptance or the last step, the outcome is overdue (a reminder).
SUIVI_EN_RETARD_APRES = timedelta(days=21)


class Prescription(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.PROTECT, related_name="prescriptions")
    service = models.ForeignKey("offre.Service", on_delete=models.PROTECT, related_name="prescriptions")
    session = models.ForeignKey(
        "offre.SessionService",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prescriptions",
        verbose_name="session",
    )
    structure_destinataire = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="prescriptions_recues"
    )
    prescripteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    structure_prescriptrice = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="prescriptions_envoyees"
    )
    # What the prescription shares with the receiving structure, copied once (need to know).
    personne_prenom = models.CharField("prénom", max_length=150)
    personne_nom = models.CharField("nom", max_length=150)
    personne_telephone = models.CharField("téléphone partagé", max_length=20, blank=True)
    personne_courriel = models.EmailField("courriel partagé", blank=True)
    message = models.TextField("message à la structure")
    consentement = models.BooleanField("la personne a donné son accord", default=False)
    statut = models.CharField(
        "statut", max_length=12, choices=StatutPrescription.choices, default=StatutPrescription.EN_ATTENTE
    )
    motif_refus = models.CharField("motif du refus", max_length=24, choices=MotifRefus.choices, blank=True)
    precision_reponse = models.CharField("précision", max_length=255, blank=True)
    created_at = models.DateTimeField("envoyée le", default=timezone.now, db_index=True)
    relancee_le = models.DateTimeField("relancée le", null=True, blank=True)
    repondue_le = models.DateTimeField("réponse le", null=True, blank=True)
    repondue_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cloturee_le = models.DateTimeField("close le", null=True, blank=True)
    # The outcome after acceptance: the last step recorded (`EtapePrescription` keeps them all) and when.
    etape = models.CharField("étape du suivi", max_length=12, choices=EtapeSuivi.choices, blank=True, db_default="")
    etape_le = models.DateTimeField("étape enregistrée le", null=True, blank=True)
    suivi_relance_le = models.DateTimeField("relance du suivi le", null=True, blank=True)

    class Meta:
        verbose_name = "prescription"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["structure_destinataire", "statut", "-created_at"], name="prescription_recues_idx"),
            models.Index(fields=["carnet", "-created_at"], name="prescription_carnet_idx"),
            models.Index(fields=["statut", "created_at"], name="prescription_echeances_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(statut="refusee") | ~models.Q(motif_refus=""), name="prescription_refus_motive"
            ),
        ]

    def __str__(self):
        return f"Prescription vers {self.service_id} ({self.get_statut_display()})"

    @property
    def personne(self):
        return f"{self.personne_prenom} {self.personne_nom}".strip()

    @property
    def en_attente(self):
        return self.statut == StatutPrescription.EN_ATTENTE

    @property
    def relance_due_le(self):
        return self.created_at + RELANCE_APRES

    @property
    def expire_le(self):
        return self.created_at + EXPIRATION_APRES


class EtapePrescription(TenantModel):
    """One outcome step of an accepted prescription, recorded by the receiving structure or the référent.

    Rows are only added: the last one is copied on the prescription (`etape`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="etapes")
    etape = models.CharField("étape", max_length=12, choices=EtapeSuivi.choices)
    date = models.DateField("date")
    motif = models.CharField("motif", max_length=20, choices=MotifEtape.choices, blank=True)
    precision = models.CharField("précision", max_length=255, blank=True)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape du suivi d'une prescription"
        verbose_name_plural = "étapes du suivi des prescriptions"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "etape"], name="etape_prescription_unique"),
        ]

    def __str__(self):
        return f"{self.get_etape_display()} le {self.date:%d/%m/%Y}"
