"""Public representation of the API: French snake_case names mapped to model fields."""

from django.utils import timezone
from rest_framework import serializers

from carnet import sensibilite
from carnet.models import (
    Beneficiaire,
    ModeRendezVous,
    RendezVous,
    StatutContrat,
    StatutRendezVous,
)
from carnet.nir import normalise_nir
from partenaires.api.fields import PartnerModelSerializer
from spie.models import Commune


class CommuneField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code_insee", queryset=Commune.objects.all(), **kwargs)

    def to_internal_value(self, data):
        # A NUL character cannot reach PostgreSQL (it would fail the request): refused like any unknown code.
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value="(caractère nul)")
        return super().to_internal_value(data)


class BeneficiaireSerializer(PartnerModelSerializer):
    """Identity and rights of a person. The NIR is write-only: it is never returned."""

    id = serializers.UUIDField(source="uid", read_only=True, help_text="Identifiant de la personne (UUID).")
    carnet_id = serializers.UUIDField(source="carnet.uid", read_only=True, help_text="Identifiant du carnet.")
    nir = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="NIR (13 ou 15 caractères), uniquement pour le rapprochement ; jamais renvoyé.",
    )
    code_insee_commune = CommuneField(source="commune", required=False, allow_null=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Beneficiaire
        fields = [
            "id",
            "carnet_id",
            "civilite",
            "nom_usage",
            "nom_naissance",
            "prenoms",
            "date_naissance",
            "lieu_naissance",
            "telephone",
            "courriel",
            "adresse",
            "code_postal",
            "code_insee_commune",
            "organisme_payeur",
            "numero_allocataire",
            "role_foyer",
            "identifiant_france_travail",
            "identifiant_departement",
            "etat_droit_rsa",
            "soumis_droits_devoirs",
            "date_entree_rsa",
            "nir",
            "version",
        ]

    def validate_nir(self, value):
        if not value:
            return ""
        from django.core.exceptions import ValidationError

        try:
            return normalise_nir(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages[0]) from error


class BeneficiaireMinimalSerializer(serializers.ModelSerializer):
    """Search results: the minimal card (identity and how to reach the référent)."""

    id = serializers.UUIDField(source="uid", read_only=True)
    carnet_id = serializers.UUIDField(source="carnet.uid", read_only=True)
    referent = serializers.SerializerMethodField(help_text="Référent actuel et sa structure, s'il y en a un.")

    class Meta:
        model = Beneficiaire
        fields = ["id", "carnet_id", "civilite", "nom_usage", "prenoms", "date_naissance", "referent"]

    def get_referent(self, obj) -> dict | None:
        referent = next((m for m in getattr(obj.carnet, "membres_actifs", []) if m.est_referent), None)
        if referent is None:
            return None
        return {
            "nom": referent.user.get_full_name(),
            "courriel": referent.user.email,
            "structure": referent.structure.nom,
        }


class RendezVousSerializer(PartnerModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    carnet_id = serializers.UUIDField(source="carnet.uid", read_only=True)
    mode = serializers.ChoiceField(choices=ModeRendezVous.choices, default=ModeRendezVous.SUR_PLACE)
    statut = serializers.ChoiceField(choices=StatutRendezVous.choices, default=StatutRendezVous.PREVU)
    professionnel_courriel = serializers.EmailField(
        source="professionnel.email",
        required=False,
        help_text="Adresse du professionnel de la structure (à défaut : rendez-vous au nom de la structure).",
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = RendezVous
        fields = [
            "id",
            "carnet_id",
            "date_heure",
            "duree_minutes",
            "mode",
            "lieu",
            "objet",
            "statut",
            "professionnel_courriel",
            "version",
        ]

    def validate(self, attrs):
        date_heure = attrs.get("date_heure") or getattr(self.instance, "date_heure", None)
        statut = attrs.get("statut")
        if statut in (StatutRendezVous.PRESENT, StatutRendezVous.ABSENT, StatutRendezVous.EXCUSE):
            if date_heure and date_heure > timezone.now():
                raise serializers.ValidationError({"statut": "La présence ne se saisit qu'après le rendez-vous."})
        return attrs


class PresenceSerializer(serializers.Serializer):
    statut = serializers.ChoiceField(choices=StatutRendezVous.choices)


def carnet_summary(carnet, structure):
    """The carnet as a partner structure may see it (the one sensitivity rule: `carnet.sensibilite`)."""
    # What this structure reads: the one sensitivity rule (general class only, the themes of its type).
    lecteur = sensibilite.lecteur_partenaire(structure, carnet)
    beneficiaire = carnet.beneficiaire
    membres = [m for m in carnet.membres.all() if m.fin is None]
    contrat = next(
        (
            c
            for c in sorted(carnet.contrats.all(), key=lambda c: c.date_fin, reverse=True)
            if c.statut == StatutContrat.SIGNE
        ),
        None,
    )
    today = timezone.now()
    summary = {
        "id": str(carnet.uid),
        "beneficiaire": {
            "id": str(beneficiaire.uid),
            "civilite": beneficiaire.civilite,
            "nom_usage": beneficiaire.nom_usage,
            "prenoms": beneficiaire.prenoms,
            "date_naissance": beneficiaire.date_naissance.isoformat(),
            "code_insee_commune": beneficiaire.commune_id,
            "etat_droit_rsa": beneficiaire.etat_droit_rsa,
            "soumis_droits_devoirs": beneficiaire.soumis_droits_devoirs,
            "date_entree_rsa": beneficiaire.date_entree_rsa.isoformat() if beneficiaire.date_entree_rsa else None,
        },
        "groupe_de_suivi": [
            {
                "nom": m.user.get_full_name(),
                "courriel": m.user.email,
                "structure": m.structure.nom,
                "referent": m.est_referent,
            }
            for m in membres
        ],
        "contrat_en_cours": (
            {
                "type": contrat.type,
                "date_debut": contrat.date_debut.isoformat(),
                "date_fin": contrat.date_fin.isoformat(),
                "heures_hebdomadaires": contrat.heures_hebdomadaires,
            }
            if contrat
            else None
        ),
        "prochains_rendez_vous": [
            {"date_heure": r.date_heure.isoformat(), "mode": r.mode, "structure": r.structure.nom}
            for r in sorted(carnet.rendez_vous.all(), key=lambda r: r.date_heure)
            if r.statut == StatutRendezVous.PREVU and r.date_heure >= today
        ][:5],
        "situations": [
            {"theme": s.situation.theme.code, "libelle": s.situation.libelle, "depuis": s.constatee_le.isoformat()}
            for s in carnet.situations.all()
            if s.fin is None
            and sensibilite.peut_lire(lecteur, s.situation.theme.sensibilite, theme=s.situation.theme.code)
        ],
        "plan_action": [
            {
                "theme": axe.theme.code,
                "objectifs": [
                    {
                        "libelle": o.libelle,
                        "statut": o.statut,
                        "actions": [{"libelle": a.libelle, "statut": a.statut} for a in o.actions.all()],
                    }
                    for o in axe.objectifs.all()
                ],
            }
            for axe in carnet.axes.all()
            if sensibilite.peut_lire(lecteur, axe.theme.sensibilite, theme=axe.theme.code)
        ],
        "version": carnet.version,
    }
    return summary


# --- Documentation (and rendering) of the carnet summary ------------------------------------------


class _BeneficiaireResume(serializers.Serializer):
    id = serializers.UUIDField()
    civilite = serializers.CharField(allow_blank=True)
    nom_usage = serializers.CharField()
    prenoms = serializers.CharField()
    date_naissance = serializers.DateField()
    code_insee_commune = serializers.CharField(allow_null=True)
    etat_droit_rsa = serializers.CharField(allow_blank=True)
    soumis_droits_devoirs = serializers.BooleanField()
    date_entree_rsa = serializers.DateField(allow_null=True)


class _Membre(serializers.Serializer):
    nom = serializers.CharField()
    courriel = serializers.EmailField()
    structure = serializers.CharField()
    referent = serializers.BooleanField()


class _Contrat(serializers.Serializer):
    type = serializers.CharField()
    date_debut = serializers.DateField()
    date_fin = serializers.DateField()
    heures_hebdomadaires = serializers.IntegerField()


class _RendezVous(serializers.Serializer):
    date_heure = serializers.DateTimeField()
    mode = serializers.CharField()
    structure = serializers.CharField()


class _Situation(serializers.Serializer):
    theme = serializers.CharField()
    libelle = serializers.CharField()
    depuis = serializers.DateField()


class _Action(serializers.Serializer):
    libelle = serializers.CharField()
    statut = serializers.CharField()


class _Objectif(serializers.Serializer):
    libelle = serializers.CharField()
    statut = serializers.CharField()
    actions = _Action(many=True)


class _Axe(serializers.Serializer):
    theme = serializers.CharField()
    objectifs = _Objectif(many=True)


class CarnetResumeSerializer(serializers.Serializer):
    """The carnet as a partner structure may see it: never the NIR, notes, documents or sensitive themes."""

    id = serializers.UUIDField()
    beneficiaire = _BeneficiaireResume()
    groupe_de_suivi = _Membre(many=True)
    contrat_en_cours = _Contrat(allow_null=True)
    prochains_rendez_vous = _RendezVous(many=True)
    situations = _Situation(many=True, help_text="Situations des thèmes que votre type de structure peut lire.")
    plan_action = _Axe(many=True, help_text="Axes des thèmes que votre type de structure peut lire.")
    version = serializers.IntegerField()
