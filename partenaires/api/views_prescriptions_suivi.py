"""Partner API v1: the outcome steps of a prescription the token's structure accepted (scope
`prescriptions:write`).

Showed up or not (with a reason from the list), retained or not, entered on a date, completed or abandoned:
recorded through `offre.services.prescription_etape_enregistrer`, the service of the web pages, so that the
carnet's timeline, the prescriber's notification and the reminders follow identically. As for the answer,
only the receiving structure reaches the prescription (another structure's, or another département's, is a
404) and nothing of the carnet is returned.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from offre import services
from offre.models import MOTIFS_PAR_ETAPE, EtapeSuivi, MotifEtape
from partenaires.api.base import IDEMPOTENCY_KEY
from partenaires.api.docs import CLE_REUTILISEE, REJEU, erreurs_communes, probleme, requete_invalide
from partenaires.api.views import Conflict, log_api_read
from partenaires.api.views_prescriptions import _PrescriptionMixin
from partenaires.models import Scope


class EtapeSerializer(serializers.Serializer):
    etape = serializers.ChoiceField(choices=EtapeSuivi.choices, help_text="Étape du suivi.")
    etape_libelle = serializers.CharField(source="get_etape_display")
    date = serializers.DateField(help_text="Date du fait (présence, décision, entrée, fin).")
    motif = serializers.CharField(allow_blank=True, help_text="Motif (absence, non retenue, abandon), sinon vide.")
    precision = serializers.CharField(allow_blank=True)
    enregistree_le = serializers.DateTimeField(source="created_at")


class SuiviSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid", help_text="Identifiant de la prescription.")
    etape = serializers.CharField(allow_blank=True, help_text="Dernière étape enregistrée (vide : aucune).")
    etapes_possibles = serializers.ListField(
        child=serializers.ChoiceField(choices=EtapeSuivi.choices),
        help_text="Étapes qui peuvent être enregistrées maintenant (vide : suivi terminé ou prescription non "
        "acceptée).",
    )
    etapes = EtapeSerializer(many=True)


def _motifs():
    return "; ".join(
        f"`{etape}` : " + ", ".join(f"`{m}`" for m in motifs) for etape, motifs in MOTIFS_PAR_ETAPE.items()
    )


class NouvelleEtapeSerializer(serializers.Serializer):
    etape = serializers.ChoiceField(choices=EtapeSuivi.choices, help_text="L'étape suivante.")
    date = serializers.DateField(help_text="Date du fait, au plus tard aujourd'hui.")
    motif = serializers.ChoiceField(
        choices=MotifEtape.choices,
        required=False,
        allow_blank=True,
        help_text="Obligatoire selon l'étape : " + _motifs(),
    )
    precision = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="Précision facultative. Aucune information de santé, de justice ou de famille.",
    )


EXEMPLE = {
    "id": "5b0f8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
    "etape": "presente",
    "etapes_possibles": ["retenue", "non_retenue"],
    "etapes": [
        {
            "etape": "presente",
            "etape_libelle": "La personne s'est présentée",
            "date": "2026-11-05",
            "motif": "",
            "precision": "",
            "enregistree_le": "2026-11-05T10:00:00+01:00",
        }
    ],
}
ORDRE = probleme(
    409,
    "L'étape ne peut pas suivre l'étape actuelle, la prescription n'est pas acceptée, ou le motif ne convient "
    "pas à l'étape.",
    "Cette étape ne peut pas suivre l'étape actuelle (acceptée) : la personne s'est présentée, la personne ne "
    "s'est pas présentée.",
)


def _suivi(prescription):
    return {
        "uid": prescription.uid,
        "etape": prescription.etape,
        "etapes_possibles": list(services.etapes_possibles(prescription)),
        "etapes": list(prescription.etapes.all()),
    }


class PrescriptionEtapes(_PrescriptionMixin, generics.GenericAPIView):
    http_method_names = ["get", "post", "options"]
    serializer_class = SuiviSerializer

    @extend_schema(
        summary="Lire le suivi d'une prescription acceptée",
        description="Les étapes enregistrées (par votre structure ou par le référent) et celles qui peuvent "
        "suivre. Une prescription adressée à une autre structure répond 404.",
        responses={200: SuiviSerializer, **erreurs_communes(Scope.PRESCRIPTIONS_WRITE, objet=False)},
        examples=[OpenApiExample("Personne présentée", value=EXEMPLE, response_only=True)],
    )
    def get(self, request, uid):
        prescription = self.get_object()
        log_api_read(request, prescription, details={"ressource": "prescription_suivi"})
        return Response(SuiviSerializer(_suivi(prescription)).data)

    @extend_schema(
        summary="Enregistrer l'étape suivante du suivi",
        description="Dans l'ordre : `presente` ou `absente` (motif), puis `retenue` ou `non_retenue` (motif), "
        "`entree`, enfin `terminee` ou `abandonnee` (motif). Après une absence, la personne peut encore se "
        "présenter. Le prescripteur est prévenu et l'historique du carnet le note. Une étape qui ne peut pas suivre "
        "l'étape actuelle répond 409. Avec `Idempotency-Key`, une nouvelle tentative rejoue la première réponse.",
        parameters=[IDEMPOTENCY_KEY, REJEU],
        request=NouvelleEtapeSerializer,
        responses={
            201: SuiviSerializer,
            400: requete_invalide("date", "Ce champ est obligatoire."),
            409: ORDRE,
            422: CLE_REUTILISEE,
            **erreurs_communes(Scope.PRESCRIPTIONS_WRITE, objet=False),
        },
        examples=[
            OpenApiExample("Présence", value={"etape": "presente", "date": "2026-11-05"}, request_only=True),
            OpenApiExample(
                "Abandon", value={"etape": "abandonnee", "date": "2026-12-01", "motif": "emploi"}, request_only=True
            ),
            OpenApiExample("Suivi après l'étape", value=EXEMPLE, response_only=True),
        ],
    )
    def post(self, request, uid):
        prescription = self.get_object()
        return self.idempotent_create(request, lambda: self._record(request, prescription))

    def _record(self, request, prescription):
        serializer = NouvelleEtapeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.prescription_etape_enregistrer(
                prescription=prescription,
                etape=data["etape"],
                date=data["date"],
                motif=data.get("motif", ""),
                precision=data.get("precision", ""),
                auteur=None,
                structure=request.auth.structure,
            )
        except services.RegleMetier as error:
            raise Conflict(str(error)) from error
        return Response(SuiviSerializer(_suivi(prescription)).data, status=201)
