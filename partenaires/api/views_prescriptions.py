"""Partner API v1: the prescriptions received by the token's structure, and their answer (scope
`prescriptions:write`).

As in the web inbox (`offre.views.prescriptions`), the structure reads only what the prescription copied when
it was sent (the person's name, the contact details the person agreed to share, the message) and never
reaches the carnet: no carnet or person identifier is returned. Answers go through
`offre.services.prescription_answer`, the service of the web page: the carnet's timeline, the prescriber's
notification and the `prescription.repondue` webhook follow identically.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from offre import services
from offre.models import MotifRefus, Prescription, StatutPrescription
from partenaires.api.base import IDEMPOTENCY_KEY, PartnerAPIMixin
from partenaires.api.docs import CLE_REUTILISEE, REJEU, erreurs_communes, probleme, requete_invalide
from partenaires.api.fields import ParametresRequete, PartnerSerializer
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.api.views import Conflict, log_api_read, log_api_reads
from partenaires.models import Scope


class _Service(serializers.Serializer):
    id = serializers.UUIDField(source="uid", help_text="Identifiant du service (voir /api/v1/offre/services/).")
    id_data_inclusion = serializers.CharField(source="di_id", help_text="« id » du service dans data·inclusion.")
    nom = serializers.CharField()


class _Session(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    date_debut = serializers.DateField()
    date_fin = serializers.DateField(allow_null=True)
    lieu = serializers.CharField(allow_blank=True)


class _Structure(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    nom = serializers.CharField()


class _Prescripteur(serializers.Serializer):
    nom = serializers.CharField(source="get_full_name", help_text="Professionnel qui a envoyé la prescription.")
    courriel = serializers.EmailField(source="email")
    telephone = serializers.CharField(allow_blank=True)


class _Personne(serializers.Serializer):
    prenom = serializers.CharField(source="personne_prenom")
    nom = serializers.CharField(source="personne_nom")
    telephone = serializers.CharField(
        source="personne_telephone",
        allow_blank=True,
        help_text="Vide si la personne n'a pas accepté de le transmettre.",
    )
    courriel = serializers.CharField(
        source="personne_courriel",
        allow_blank=True,
        help_text="Vide si la personne n'a pas accepté de le transmettre.",
    )


class PrescriptionSerializer(serializers.ModelSerializer):
    """A received prescription: what was copied for the receiving structure, and its answer."""

    id = serializers.UUIDField(source="uid", help_text="Identifiant de la prescription.")
    statut = serializers.ChoiceField(choices=StatutPrescription.choices)
    statut_libelle = serializers.CharField(source="get_statut_display")
    service = _Service()
    session = _Session(allow_null=True, help_text="Session choisie par le prescripteur, s'il y en a une.")
    structure_prescriptrice = _Structure()
    prescripteur = _Prescripteur()
    personne = _Personne(source="*", help_text="Nom et coordonnées que la personne a accepté de transmettre.")
    message = serializers.CharField(help_text="Message du prescripteur à votre structure.")
    envoyee_le = serializers.DateTimeField(source="created_at")
    relancee_le = serializers.DateTimeField(allow_null=True, help_text="Relance automatique après 10 jours.")
    expire_le = serializers.DateTimeField(help_text="Sans réponse à cette date, la prescription expire (30 jours).")
    repondue_le = serializers.DateTimeField(allow_null=True)
    motif_refus = serializers.SerializerMethodField(
        help_text="Motif du refus ; null sauf pour une prescription refusée."
    )
    precision_reponse = serializers.CharField(allow_blank=True, help_text="Précision jointe à la réponse.")
    cloturee_le = serializers.DateTimeField(allow_null=True, help_text="Expiration ou annulation.")

    class Meta:
        model = Prescription
        fields = [
            "id",
            "statut",
            "statut_libelle",
            "service",
            "session",
            "structure_prescriptrice",
            "prescripteur",
            "personne",
            "message",
            "envoyee_le",
            "relancee_le",
            "expire_le",
            "repondue_le",
            "motif_refus",
            "precision_reponse",
            "cloturee_le",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=MotifRefus.choices, allow_null=True))
    def get_motif_refus(self, prescription):
        return prescription.motif_refus or None


class FiltresPrescriptions(ParametresRequete):
    statut = serializers.ChoiceField(
        choices=StatutPrescription.choices, required=False, help_text="Statut (par défaut : tous)."
    )
    recue_depuis = serializers.DateTimeField(
        required=False, help_text="Prescriptions reçues à cet instant ou après (ISO 8601, avec fuseau horaire)."
    )


PRECISION = serializers.CharField(
    required=False,
    allow_blank=True,
    max_length=255,
    help_text="Précision facultative pour le prescripteur (par exemple la date du premier rendez-vous). Aucune "
    "information de santé, de justice ou de famille.",
)


class AcceptationSerializer(PartnerSerializer):
    precision = PRECISION


class RefusSerializer(PartnerSerializer):
    motif = serializers.ChoiceField(choices=MotifRefus.choices, help_text="Motif du refus (obligatoire).")
    precision = PRECISION


EXEMPLE = {
    "id": "5b0f8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
    "statut": "en_attente",
    "statut_libelle": "En attente de réponse",
    "service": {
        "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "id_data_inclusion": "spie-76--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "nom": "Atelier CV et lettre de motivation",
    },
    "session": {
        "id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "date_debut": "2026-12-01",
        "date_fin": "2026-12-12",
        "lieu": "Rouen",
    },
    "structure_prescriptrice": {"id": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f", "nom": "CCAS de Rouen"},
    "prescripteur": {"nom": "Camille Morel", "courriel": "camille.morel@ccas.example", "telephone": ""},
    "personne": {"prenom": "Léa", "nom": "Durand", "telephone": "06 12 34 56 78", "courriel": ""},
    "message": "La personne est disponible le matin.",
    "envoyee_le": "2026-11-02T09:15:00+01:00",
    "relancee_le": None,
    "expire_le": "2026-12-02T09:15:00+01:00",
    "repondue_le": None,
    "motif_refus": None,
    "precision_reponse": "",
    "cloturee_le": None,
}
EXEMPLE_ACCEPTEE = {
    **EXEMPLE,
    "statut": "acceptee",
    "statut_libelle": "Acceptée",
    "repondue_le": "2026-11-03T14:00:00+01:00",
    "precision_reponse": "Premier rendez-vous le 5 novembre à 9 h.",
}
EXEMPLE_REFUSEE = {
    **EXEMPLE,
    "statut": "refusee",
    "statut_libelle": "Refusée",
    "repondue_le": "2026-11-03T14:00:00+01:00",
    "motif_refus": "plus_de_place",
}
DEJA_TRAITEE = probleme(
    409,
    "La prescription n'attend plus de réponse : déjà acceptée ou refusée, expirée ou annulée.",
    "Cette prescription a déjà reçu une réponse, a expiré ou a été annulée.",
)


def prescriptions_recues(structure):
    """The prescriptions addressed to `structure`, without any join to the carnet (as the web inbox)."""
    return Prescription.objects.filter(structure_destinataire=structure).select_related(
        "service", "session", "prescripteur", "structure_prescriptrice"
    )


class PrescriptionList(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.PRESCRIPTIONS_WRITE}
    serializer_class = PrescriptionSerializer
    pagination_class = CursorPaginationSPIE

    @extend_schema(
        summary="Prescriptions reçues par votre structure",
        description="Les prescriptions adressées aux services de votre structure, les plus récentes d'abord. Chaque "
        "prescription d'une page lue est inscrite au journal des accès.",
        parameters=[FiltresPrescriptions],
        responses={
            200: PrescriptionSerializer(many=True),
            400: requete_invalide("statut", "« inconnu » n'est pas un choix valide."),
            **erreurs_communes(Scope.PRESCRIPTIONS_WRITE, objet=False),
        },
        examples=[OpenApiExample("Une prescription en attente", value=EXEMPLE, response_only=True)],
    )
    def get(self, request):
        filtres = FiltresPrescriptions(data=request.query_params)
        filtres.is_valid(raise_exception=True)
        criteres = filtres.validated_data
        queryset = prescriptions_recues(request.auth.structure)
        if "statut" in criteres:
            queryset = queryset.filter(statut=criteres["statut"])
        if "recue_depuis" in criteres:
            queryset = queryset.filter(created_at__gte=criteres["recue_depuis"])
        page = self.paginate_queryset(queryset)
        self.touched(*page)
        log_api_reads(request, page, details={"ressource": "prescriptions"})
        return self.get_paginated_response(PrescriptionSerializer(page, many=True).data)


class _PrescriptionMixin(PartnerAPIMixin):
    scopes = {"*": Scope.PRESCRIPTIONS_WRITE}
    serializer_class = PrescriptionSerializer

    def get_object(self):
        # Another structure's prescription, of the same département or not, is a 404 (as in the web inbox).
        prescription = get_object_or_404(prescriptions_recues(self.request.auth.structure), uid=self.kwargs["uid"])
        self.touched(prescription)
        return prescription


class PrescriptionDetail(_PrescriptionMixin, generics.GenericAPIView):
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Lire une prescription reçue",
        description="Nom et coordonnées transmis avec l'accord de la personne, message, service, session et réponse. "
        "La lecture est inscrite au journal des accès. Une prescription adressée à une autre structure répond 404.",
        responses={200: PrescriptionSerializer, **erreurs_communes(Scope.PRESCRIPTIONS_WRITE, objet=False)},
        examples=[OpenApiExample("Prescription en attente", value=EXEMPLE, response_only=True)],
    )
    def get(self, request, uid):
        prescription = self.get_object()
        log_api_read(request, prescription, details={"ressource": "prescription"})
        return Response(PrescriptionSerializer(prescription).data)


class _Reponse(_PrescriptionMixin, generics.GenericAPIView):
    http_method_names = ["post", "options"]
    accepte = None
    input_serializer = None

    def post(self, request, uid):
        prescription = self.get_object()
        return self.idempotent_create(request, lambda: self._answer(request, prescription))

    def _answer(self, request, prescription):
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.prescription_answer(
                prescription=prescription,
                accepte=self.accepte,
                motif=serializer.validated_data.get("motif", ""),
                precision=serializer.validated_data.get("precision", ""),
                auteur=None,
                structure=request.auth.structure,
            )
        except services.RegleMetier as error:
            raise Conflict(str(error)) from error
        return Response(PrescriptionSerializer(prescription).data)


class PrescriptionAccepter(_Reponse):
    accepte = True
    input_serializer = AcceptationSerializer

    @extend_schema(
        summary="Accepter une prescription",
        description="Votre structure accueille la personne : le prescripteur est prévenu, l'historique du carnet le "
        "note, une place de la session choisie est décomptée et l'événement `prescription.repondue` part vers les "
        "abonnements webhooks de la structure prescriptrice. Une prescription qui n'est plus en attente répond 409. "
        "Avec `Idempotency-Key`, une nouvelle tentative rejoue la première réponse (200) au lieu du 409.",
        parameters=[IDEMPOTENCY_KEY, REJEU],
        request=AcceptationSerializer,
        responses={
            200: PrescriptionSerializer,
            400: requete_invalide("precision", "Assurez-vous que ce champ comporte au plus 255 caractères."),
            409: DEJA_TRAITEE,
            422: CLE_REUTILISEE,
            **erreurs_communes(Scope.PRESCRIPTIONS_WRITE, objet=False),
        },
        examples=[
            OpenApiExample(
                "Acceptation", value={"precision": "Premier rendez-vous le 5 novembre à 9 h."}, request_only=True
            ),
            OpenApiExample("Prescription acceptée", value=EXEMPLE_ACCEPTEE, response_only=True),
        ],
    )
    def post(self, request, uid):
        return super().post(request, uid)


class PrescriptionRefuser(_Reponse):
    accepte = False
    input_serializer = RefusSerializer

    @extend_schema(
        summary="Refuser une prescription",
        description="Le motif (`motif`) est obligatoire : "
        + ", ".join(f"`{value}` ({label.lower()})" for value, label in MotifRefus.choices)
        + ". Le prescripteur est prévenu, l'historique du carnet le note et l'événement `prescription.repondue` part "
        "vers les abonnements webhooks de la structure prescriptrice. Une prescription qui n'est plus en attente "
        "répond 409.",
        parameters=[IDEMPOTENCY_KEY, REJEU],
        request=RefusSerializer,
        responses={
            200: PrescriptionSerializer,
            400: requete_invalide("motif", "Ce champ est obligatoire."),
            409: DEJA_TRAITEE,
            422: CLE_REUTILISEE,
            **erreurs_communes(Scope.PRESCRIPTIONS_WRITE, objet=False),
        },
        examples=[
            OpenApiExample("Refus", value={"motif": "plus_de_place", "precision": ""}, request_only=True),
            OpenApiExample("Prescription refusée", value=EXEMPLE_REFUSEE, response_only=True),
        ],
    )
    def post(self, request, uid):
        return super().post(request, uid)
