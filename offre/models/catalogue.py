"""The offer catalogue: data·inclusion services (schema v1) and their dated sessions.

A service carries every field of the schema's `Service` under the schema's own names (`di_id` is the
schema's `id`, which would clash with the primary key). Multi-valued referentials are arrays with GIN
indexes. `zone_keys`, `mots` and `score_qualite` are precomputed by `save()` for the search.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from spie.tenancy import TenantManager, TenantModel, TenantQuerySet


class StatutService(models.TextChoices):
    A_VALIDER = "a_valider", "À valider"
    PUBLIE = "publie", "Publié"
    SUSPENDU = "suspendu", "Suspendu"


def _codes(max_length):
    return ArrayField(models.CharField(max_length=max_length), default=list, blank=True)


class ServiceQuerySet(TenantQuerySet):
    def publies(self):
        return self.filter(statut=StatutService.PUBLIE)


class Service(TenantModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        "spie.Structure", on_delete=models.PROTECT, related_name="services", verbose_name="structure"
    )
    # --- data·inclusion v1 `Service` (33 fields; `structure_id` is the structure's `di_id`) --------------
    source = models.CharField("source", max_length=100)
    di_id = models.CharField("identifiant data·inclusion", max_length=255)
    nom = models.CharField("nom", max_length=150)
    description = models.TextField("description")
    lien_source = models.URLField("lien vers la source", max_length=500, blank=True)
    date_maj = models.DateField("date de dernière modification")
    type = models.CharField("type de service", max_length=30, blank=True)
    thematiques = _codes(120)
    frais = models.CharField("frais", max_length=20, blank=True)
    frais_precisions = models.TextField("précisions sur les frais", blank=True)
    publics = _codes(60)
    publics_precisions = models.TextField("précisions sur les publics", blank=True)
    conditions_acces = models.TextField("conditions d'accès", blank=True)
    commune = models.CharField("commune", max_length=150, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    code_insee = models.CharField("code INSEE", max_length=5, blank=True)
    adresse = models.CharField("adresse", max_length=255, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=255, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    courriel = models.EmailField("courriel", blank=True)
    modes_accueil = _codes(30)
    zone_eligibilite = _codes(9)
    contact_nom_prenom = models.CharField("contact (nom et prénom)", max_length=150, blank=True)
    lien_mobilisation = models.URLField("lien de mobilisation", max_length=500, blank=True)
    modes_mobilisation = _codes(40)
    mobilisable_par = _codes(30)
    mobilisation_precisions = models.TextField("précisions sur la mobilisation", blank=True)
    volume_horaire_hebdomadaire = models.FloatField("volume horaire hebdomadaire", null=True, blank=True)
    nombre_semaines = models.PositiveIntegerField("nombre de semaines", null=True, blank=True)
    horaires_accueil = models.CharField("horaires d'accueil du public", max_length=500, blank=True)
    # --- Platform -----------------------------------------------------------------------------------
    statut = models.CharField("statut", max_length=10, choices=StatutService.choices, default=StatutService.A_VALIDER)
    motif_moderation = models.CharField("motif de la décision", max_length=255, blank=True)
    modere_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    modere_le = models.DateTimeField("modéré le", null=True, blank=True)
    # Precomputed by save() for the search (see offre/zones.py, offre/mots.py, offre/schema.py).
    score_qualite = models.FloatField("score de qualité", default=0, editable=False)
    zone_keys = ArrayField(models.CharField(max_length=20), default=list, editable=False)
    mots = ArrayField(models.IntegerField(), default=list, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(ServiceQuerySet)()

    class Meta:
        verbose_name = "service"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(fields=["departement", "di_id"], name="service_di_id_unique_par_departement"),
        ]
        indexes = [
            GinIndex(fields=["zone_keys"], name="service_zone_keys_gin"),
            GinIndex(fields=["thematiques"], name="service_thematiques_gin"),
            GinIndex(fields=["publics"], name="service_publics_gin"),
            GinIndex(fields=["modes_accueil"], name="service_modes_accueil_gin"),
            GinIndex(fields=["mots"], name="service_mots_gin"),
            # Result order of the search (offre/search.py): read in this order and stopped after one page.
            models.Index(
                fields=["departement", "statut", "-score_qualite", "-date_maj", "id"], name="service_classement_idx"
            ),
            models.Index(fields=["structure", "statut"], name="service_structure_idx"),
            # The position of a commune for the suggestions' distances (offre/suggestions.py).
            models.Index(fields=["departement", "code_insee"], name="service_code_insee_idx"),
        ]

    def __str__(self):
        return self.nom

    def refresh_search_fields(self):
        from offre import schema
        from offre.mots import keywords
        from offre.referentiels import Public, TypeService, label, labels, thematique_label_complet
        from offre.zones import zone_keys

        self.zone_keys = zone_keys(self.zone_eligibilite)
        self.mots = keywords(
            titres=[
                self.nom,
                self.structure.nom if self.structure_id else "",
                label(TypeService, self.type),
                self.commune,
                *[thematique_label_complet(t) for t in self.thematiques],
                *labels(Public, self.publics),
            ],
            textes=[self.description, self.conditions_acces, self.publics_precisions],
        )
        self.score_qualite = schema.service_score(self)[0]

    def save(self, *args, **kwargs):
        self.refresh_search_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "zone_keys", "mots", "score_qualite"}
        super().save(*args, **kwargs)
        # The embedding of the suggestions follows every write of a service (after the commit, by a task).
        from offre.services.suggestions import embedding_schedule

        embedding_schedule(self)


class SessionQuerySet(TenantQuerySet):
    def ouvertes(self, today=None):
        """Sessions one can still join: registration not closed and places left (or not counted)."""
        today = today or timezone.localdate()
        return self.filter(
            Q(date_limite_inscription__gte=today) | Q(date_limite_inscription=None, date_debut__gte=today),
            Q(places_restantes=None) | Q(places_restantes__gt=0),
        )


class SessionService(TenantModel):
    """A dated session of a service (a training, a workshop, an immersion period) with its places."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="sessions", verbose_name="service")
    date_debut = models.DateField("début")
    date_fin = models.DateField("fin", null=True, blank=True)
    date_limite_inscription = models.DateField(
        "inscriptions jusqu'au",
        null=True,
        blank=True,
        help_text="Sans date, les inscriptions sont possibles jusqu'au début de la session.",
    )
    places_total = models.PositiveSmallIntegerField("nombre de places", null=True, blank=True)
    places_restantes = models.PositiveSmallIntegerField("places restantes", null=True, blank=True)
    lieu = models.CharField("lieu", max_length=255, blank=True)
    precisions = models.CharField("précisions", max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager.from_queryset(SessionQuerySet)()

    class Meta:
        verbose_name = "session"
        ordering = ["date_debut", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin=None) | Q(date_fin__gte=models.F("date_debut")), name="session_dates_ordonnees"
            ),
            models.CheckConstraint(
                condition=Q(places_total=None)
                | Q(places_restantes=None)
                | Q(places_restantes__lte=models.F("places_total")),
                name="session_places_coherentes",
            ),
        ]
        indexes = [models.Index(fields=["service", "date_debut"], name="session_service_date_idx")]

    def __str__(self):
        return f"Session du {self.date_debut:%d/%m/%Y}"

    @property
    def ouverte(self):
        today = timezone.localdate()
        limite = self.date_limite_inscription or self.date_debut
        return limite >= today and (self.places_restantes is None or self.places_restantes > 0)
