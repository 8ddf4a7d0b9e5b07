"""Partner API v1: the contrats d'engagement of a carnet and their hours (scopes `contrats:read`, `contrats:write`).

A France Travail or training-body system reads the contract (period, signature, weekly hours target) and its
week-by-week view, and posts the hours it saw done or plans. Never returned: the reason of reduced hours and its
precision (restricted to the group of the person), the free text of the entries of other structures is returned as
entered (it is asked without health or family information). Writes go through `carnet.services.activite_record`,
the service of the web page: same rules (a signed contract, a day inside it, no done hours in the future, at most
70 hours a week), same timeline.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from carnet import services as carnet_services
from carnet.models import (
    ActiviteEngagement,
    Carnet,
    Contrat,
    EtatActivite,
    SourceActivite,
    StatutContrat,
    TypeActivite,
    TypeContrat,
)
from carnet.perms import can_partner_read_carnet, partner_refusal
from partenaires.api.base import IDEMPOTENCY_KEY, PartnerAPIMixin
from partenaires.api.docs import CLE_REUTILISEE, REJEU, erreurs_communes, requete_invalide
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.api.views import log_api_read
from partenaires.models import Scope

REFUS_STRUCTURE = "Votre structure ne fait pas partie du groupe de suivi de cette personne."


class SemaineSerializer(serializers.Serializer):
    lundi = serializers.DateField(help_text="Premier jour de la semaine (du lundi au dimanche).")
    objectif_minutes = serializers.IntegerField(
        source="cible_minutes", help_text="Heures attendues, en minutes (au prorata des jours couverts)."
    )
    prevues_minutes = serializers.IntegerField(help_text="Activités prévues et rendez-vous à venir, en minutes.")
    realisees_minutes = serializers.IntegerField(
        help_text="Activités réalisées et rendez-vous où la personne était présente, en minutes."
    )
    terminee = serializers.BooleanField(help_text="La semaine est finie.")
    sous_objectif = serializers.BooleanField(
        source="sous_cible", help_text="Semaine finie dont les heures réalisées sont sous l'objectif."
    )


class ContratEngagementSerializer(serializers.ModelSerializer):
    """A contrat d'engagement, without the reason of reduced hours (restricted to the group of the person)."""

    id = serializers.UUIDField(source="uid", help_text="Identifiant du contrat d'engagement.")
    carnet = serializers.UUIDField(source="carnet.uid", help_text="Identifiant du carnet de la personne.")
    statut = serializers.ChoiceField(choices=StatutContrat.choices)
    version = serializers.IntegerField(
        source="numero_version", help_text="Numéro de version (1, puis renouvellements)."
    )
    date_signature = serializers.DateField(allow_null=True)
    date_debut = serializers.DateField()
    date_fin = serializers.DateField()
    termine_le = serializers.DateField(allow_null=True)
    heures_hebdomadaires = serializers.IntegerField(help_text="Objectif d'heures d'activité par semaine.")
    structure = serializers.CharField(source="structure.nom", help_text="Structure signataire.")

    class Meta:
        model = Contrat
        fields = [
            "id",
            "carnet",
            "statut",
            "version",
            "date_signature",
            "date_debut",
            "date_fin",
            "termine_le",
            "heures_hebdomadaires",
            "structure",
        ]
        read_only_fields = fields


class ContratEngagementDetailSerializer(ContratEngagementSerializer):
    semaines = SemaineSerializer(many=True, help_text="Semaine par semaine, de la plus récente à la plus ancienne.")

    class Meta(ContratEngagementSerializer.Meta):
        fields = [*ContratEngagementSerializer.Meta.fields, "semaines"]
        read_only_fields = fields


class ActiviteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    type = serializers.ChoiceField(choices=TypeActivite.choices, help_text="Nature de l'activité.")
    date = serializers.DateField(help_text="Jour de l'activité (AAAA-MM-JJ), dans la période du contrat.")
    duree_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, help_text="Durée, en minutes.")
    etat = serializers.ChoiceField(
        choices=EtatActivite.choices,
        default=EtatActivite.REALISEE,
        help_text="« realisee » (jamais dans le futur) ou « prevue ».",
    )
    precision = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Par exemple le nom de l'atelier. Aucune information de santé, de justice ou de famille.",
    )
    source = serializers.ChoiceField(choices=SourceActivite.choices, read_only=True)
    structure = serializers.CharField(source="structure.nom", read_only=True, allow_null=True)
    enregistree_le = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ActiviteEngagement
        fields = ["id", "type", "date", "duree_minutes", "etat", "precision", "source", "structure", "enregistree_le"]


def _contrat_for(request, uid):
    contrat = get_object_or_404(
        Contrat.objects.filter(type=TypeContrat.CONTRAT_ENGAGEMENT).select_related("carnet", "structure"), uid=uid
    )
    if not can_partner_read_carnet(request.auth.structure, contrat.carnet):
        raise exceptions.PermissionDenied(partner_refusal(request.auth.structure, contrat.carnet) or REFUS_STRUCTURE)
    return contrat


class CarnetContratsEngagement(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.CONTRATS_READ}
    serializer_class = ContratEngagementSerializer

    @extend_schema(
        summary="Contrats d'engagement d'un carnet",
        description="Tous les contrats d'engagement de la personne, versions comprises, du plus récent au plus "
        "ancien. Le motif d'une réduction des heures n'est jamais transmis.",
        responses={200: ContratEngagementSerializer(many=True), **erreurs_communes(Scope.CONTRATS_READ)},
    )
    def get(self, request, uid):
        carnet = get_object_or_404(Carnet.objects.all(), uid=uid)
        if not can_partner_read_carnet(request.auth.structure, carnet):
            raise exceptions.PermissionDenied(partner_refusal(request.auth.structure, carnet) or REFUS_STRUCTURE)
        contrats = list(
            Contrat.objects.filter(carnet=carnet, type=TypeContrat.CONTRAT_ENGAGEMENT)
            .select_related("carnet", "structure")
            .order_by("-date_debut", "-numero_version")
        )
        self.touched(carnet, *contrats)
        log_api_read(request, carnet, details={"ressource": "contrats_engagement"})
        return Response(ContratEngagementSerializer(contrats, many=True).data)


class ContratEngagementDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.CONTRATS_READ}
    serializer_class = ContratEngagementDetailSerializer

    @extend_schema(
        summary="Lire un contrat d'engagement et ses heures",
        description="Le contrat et, semaine par semaine, l'objectif d'heures, les heures prévues et réalisées "
        "(activités enregistrées et rendez-vous), et les semaines finies sous l'objectif.",
        responses={200: ContratEngagementDetailSerializer, **erreurs_communes(Scope.CONTRATS_READ)},
    )
    def get(self, request, uid):
        contrat = _contrat_for(request, uid)
        releve = carnet_services.releve_hebdomadaire(contrat)
        contrat.semaines = releve.semaines
        self.touched(contrat)
        log_api_read(request, contrat.carnet, details={"ressource": "contrat_engagement"})
        return Response(ContratEngagementDetailSerializer(contrat).data)


EXEMPLE = {"type": "formation", "date": "2026-12-04", "duree_minutes": 210, "etat": "realisee"}


class ActiviteListCreate(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.CONTRATS_READ, "POST": Scope.CONTRATS_WRITE}
    serializer_class = ActiviteSerializer
    pagination_class = CursorPaginationSPIE

    @extend_schema(
        summary="Activités comptées dans les heures d'un contrat d'engagement",
        responses={200: ActiviteSerializer(many=True), **erreurs_communes(Scope.CONTRATS_READ)},
    )
    def get(self, request, uid):
        contrat = _contrat_for(request, uid)
        queryset = ActiviteEngagement.objects.filter(contrat=contrat).select_related("structure")
        page = self.paginate_queryset(queryset)
        self.touched(contrat)
        log_api_read(request, contrat.carnet, details={"ressource": "activites_contrat_engagement"})
        return self.get_paginated_response(ActiviteSerializer(page, many=True).data)

    @extend_schema(
        summary="Enregistrer des heures d'activité",
        description="Une activité prévue ou réalisée, au nom de votre structure. Refusée (400, rien "
        "d'enregistré) : un contrat non signé, un jour hors du contrat, des heures réalisées dans le futur, une "
        "semaine qui dépasserait 70 heures.",
        parameters=[IDEMPOTENCY_KEY, REJEU],
        request=ActiviteSerializer,
        responses={
            201: ActiviteSerializer,
            400: requete_invalide("date", "Une activité réalisée ne peut pas être datée dans le futur."),
            409: OpenApiResponse(
                description="Le carnet est clos : aucune écriture n'est acceptée, rien n'est enregistré."
            ),
            422: CLE_REUTILISEE,
            **erreurs_communes(Scope.CONTRATS_WRITE),
        },
        examples=[OpenApiExample("Formation réalisée", value=EXEMPLE, request_only=True)],
    )
    def post(self, request, uid):
        contrat = _contrat_for(request, uid)
        return self.idempotent_create(request, lambda: self._create(request, contrat))

    def _create(self, request, contrat):
        serializer = ActiviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {name: serializer.validated_data[name] for name in ("type", "date", "duree_minutes", "etat")}
        data["precision"] = serializer.validated_data.get("precision", "")
        try:
            activite = carnet_services.activite_record(
                contrat=contrat,
                data=data,
                auteur=None,
                structure=request.auth.structure,
                source=SourceActivite.PARTENAIRE,
            )
        except carnet_services.CarnetClos:
            raise  # 409 (partenaires.api.errors)
        except carnet_services.RegleMetier as error:
            raise exceptions.ValidationError({"activite": [str(error)]}) from error
        self.touched(contrat, activite)
        return Response(ActiviteSerializer(activite).data, status=status.HTTP_201_CREATED)
