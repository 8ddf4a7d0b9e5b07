"""Documents, notes with a sensitivity class, and the append-only timeline."""

import uuid

from django.conf import settings
from django.db import models

from spie.tenancy import TenantModel


class Sensibilite(models.TextChoices):
    """The sensitivity classes; who reads each one is decided in `carnet.sensibilite` (the one rule)."""

    GENERALE = "generale", "Générale — le groupe de suivi"
    SANTE = "sante", "Santé — référent, auteur, professionnels du médico-social du groupe"
    FAMILLE = "famille", "Famille — référent, auteur, travailleurs sociaux du groupe"
    JUSTICE = "justice", "Justice et procédures — référent et auteur"
    PROTECTION_ENFANCE = "protection_enfance", "Protection de l'enfance — auteur et service du Département du groupe"
    PRIVEE = "privee", "Privée — auteur seulement"


class Analyse(models.TextChoices):
    """Where the document is in the malware scan (spie/clamav.py): only `saine` documents can be downloaded."""

    EN_ATTENTE = "en_attente", "En attente d'analyse"
    SAINE = "saine", "Analysé"
    REFUSEE = "refusee", "Refusé (logiciel malveillant)"


def document_path(instance, filename):
    # Never the original name on disk: it may carry personal data.
    return f"carnets/{instance.departement_id}/{instance.carnet_id}/{uuid.uuid4().hex}"


class Document(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="documents")
    fichier = models.FileField(upload_to=document_path)
    nom = models.CharField("nom du document", max_length=200)
    type_mime = models.CharField(max_length=100)
    taille = models.PositiveIntegerField("taille (octets)")
    sensibilite = models.CharField(
        "visibilité", max_length=20, choices=Sensibilite.choices, default=Sensibilite.GENERALE
    )
    # A document the person sent from their own space has no professional author.
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    structure = models.ForeignKey("spie.Structure", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    envoye_par_la_personne = models.BooleanField("envoyé par la personne", default=False)
    # General documents only: the person downloads them from their own space.
    partage_avec_la_personne = models.BooleanField("partagé avec la personne", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Quarantine: stored but not downloadable until clamd calls it clean; the file of a refused one is deleted.
    analyse = models.CharField("analyse antivirus", max_length=10, choices=Analyse.choices, default=Analyse.EN_ATTENTE)
    analyse_le = models.DateTimeField("analysé le", null=True, blank=True)
    signature = models.CharField("signature détectée", max_length=200, blank=True)

    class Meta:
        verbose_name = "document"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], name="document_a_analyser_idx", condition=models.Q(analyse="en_attente")
            )
        ]


class Note(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.CASCADE, related_name="notes")
    texte = models.TextField("note")
    sensibilite = models.CharField(
        "visibilité", max_length=20, choices=Sensibilite.choices, default=Sensibilite.GENERALE
    )
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey("spie.Structure", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "note"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["carnet", "-created_at"], name="note_carnet_idx")]


class TypeEvenement(models.TextChoices):
    CARNET_CREE = "carnet_cree", "Carnet créé"
    BENEFICIAIRE_MODIFIE = "beneficiaire_modifie", "Identité ou situation administrative modifiée"
    MEMBRE_AJOUTE = "membre_ajoute", "Professionnel ajouté au groupe"
    MEMBRE_RETIRE = "membre_retire", "Professionnel retiré du groupe"
    REFERENT_CHANGE = "referent_change", "Changement de référent"
    ADHESION_DEMANDEE = "adhesion_demandee", "Demande d'adhésion au groupe"
    ADHESION_DECIDEE = "adhesion_decidee", "Demande d'adhésion traitée"
    SITUATION = "situation", "Situation mise à jour"
    PROJET = "projet", "Projet professionnel"
    AXE = "axe", "Axe de travail"
    OBJECTIF = "objectif", "Objectif"
    ACTION = "action", "Action"
    RENDEZ_VOUS = "rendez_vous", "Rendez-vous"
    CONTRAT = "contrat", "Contrat"
    DOCUMENT = "document", "Document"
    NOTE = "note", "Note"
    ORIENTATION = "orientation", "Orientation"
    PRESCRIPTION = "prescription", "Prescription"
    DROITS = "droits", "Droits RSA"
    SORTIE = "sortie", "Sortie du parcours"
    SUIVI_SORTIE = "suivi_sortie", "Point de suivi après la sortie"
    CLOTURE = "cloture", "Carnet clos"
    REOUVERTURE = "reouverture", "Carnet rouvert"
    RATTACHEMENT = "rattachement", "Rattachement au foyer"
    CONFLIT_IDENTITE = "conflit_identite", "Conflit d'identité"
    OBSERVATION = "observation", "Observations de la personne"
    # Steps of a sanction file (sanctions app): always restricted, the group never sees them.
    SANCTION = "sanction", "Dossier de manquement"
    CONSERVATION = "conservation", "Conservation du carnet justifiée"
    ANONYMISATION = "anonymisation", "Carnet anonymisé (durée de conservation atteinte)"
    TRANSFERT = "transfert", "Transfert entre départements"
    INFORMATION = "information", "Information de la personne sur le partage"
    OPPOSITION = "opposition", "Opposition de la personne au partage"


class Evenement(TenantModel):
    """One line of the path's history. Append-only (a trigger refuses UPDATE and DELETE).

    `resume` never holds restricted content: an event about a restricted note only says that a
    restricted note was added, and carries the note's sensitivity so that views can filter it.
    """

    carnet = models.ForeignKey("carnet.Carnet", on_delete=models.DO_NOTHING, related_name="evenements")
    type = models.CharField("type", max_length=24, choices=TypeEvenement.choices)
    resume = models.CharField("résumé", max_length=255)
    sensibilite = models.CharField(max_length=20, choices=Sensibilite.choices, default=Sensibilite.GENERALE)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    structure = models.ForeignKey(
        "spie.Structure", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    object_uid = models.UUIDField(null=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "événement du parcours"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["carnet", "-created_at"], name="evenement_carnet_idx")]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y} {self.get_type_display()}"
