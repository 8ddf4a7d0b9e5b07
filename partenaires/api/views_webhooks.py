"""Webhook subscriptions of a partner structure."""

import secrets

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from partenaires.api.base import IDEMPOTENCY_KEY, PartnerAPIMixin
from partenaires.api.fields import PartnerModelSerializer
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.api.views import ERRORS, PROBLEM
from partenaires.models import AbonnementWebhook, LivraisonWebhook, Scope
from partenaires.webhook_targets import url_refusal
from partenaires.webhooks import EVENTS
from spie.crypto import encrypt

# The scope a token needs to hear about each event.
SCOPE_OF_EVENT = {
    "carnet.modifie": Scope.BENEFICIAIRES_READ,
    "rendez_vous.cree": Scope.BENEFICIAIRES_READ,
    "rendez_vous.modifie": Scope.BENEFICIAIRES_READ,
    "orientation.decidee": Scope.ORIENTATIONS_READ,
    "prescription.envoyee": Scope.PRESCRIPTIONS_WRITE,
    "prescription.repondue": Scope.PRESCRIPTIONS_WRITE,
    "sanction.decidee": Scope.SANCTIONS_READ,
    "sanction.levee": Scope.SANCTIONS_READ,
    "sanction.rattrapage": Scope.SANCTIONS_READ,
}


@extend_schema_field({"type": "string", "format": "uri", "pattern": "^https://", "maxLength": 500})
class AdresseWebhookField(serializers.URLField):
    """An https address whose name resolves to public addresses only (checked by `url_refusal`)."""


class AbonnementSerializer(PartnerModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    url = AdresseWebhookField(
        max_length=500,
        help_text="Adresse https qui reçoit les événements ; son nom doit se résoudre en adresses publiques.",
    )
    evenements = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EVENTS)),
        allow_empty=False,
        min_length=1,
        help_text="Types d'événements.",
    )

    class Meta:
        model = AbonnementWebhook
        fields = ["id", "url", "evenements", "actif", "created_at"]
        read_only_fields = ["actif", "created_at"]

    def validate_url(self, value):
        refusal = url_refusal(value)  # https, and every address of the name public (no request forgery)
        if refusal:
            raise serializers.ValidationError(refusal)
        return value

    def validate_evenements(self, value):
        token = self.context["request"].auth
        missing = sorted({SCOPE_OF_EVENT[e] for e in value} - set(token.scopes))
        if missing:
            raise serializers.ValidationError(f"Droits manquants pour ces événements : {', '.join(missing)}.")
        return sorted(set(value))


class AbonnementCreeSerializer(serializers.Serializer):
    """Answer of the creation: the subscription and its secret, shown this once only."""

    id = serializers.UUIDField()
    url = serializers.URLField()
    evenements = serializers.ListField(child=serializers.CharField())
    actif = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    secret = serializers.CharField(help_text="Secret de signature HMAC-SHA256, renvoyé une seule fois.")


class LivraisonSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)

    class Meta:
        model = LivraisonWebhook
        fields = ["id", "evenement", "statut", "tentatives", "dernier_statut", "created_at", "livree_le"]


class AbonnementListCreate(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {}
    serializer_class = AbonnementSerializer
    pagination_class = CursorPaginationSPIE

    def get_queryset(self):
        return AbonnementWebhook.objects.filter(structure=self.request.auth.structure, actif=True)

    @extend_schema(
        summary="Abonnements webhooks de votre structure", responses={200: AbonnementSerializer(many=True), **ERRORS}
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AbonnementSerializer(page, many=True).data)

    @extend_schema(
        summary="S'abonner à des événements",
        description="Les livraisons sont des POST JSON signés : en-tête `X-SPIE-Signature: sha256=<hex>`, HMAC-SHA256 "
        "du texte `<X-SPIE-Horodatage>.<corps brut>` avec le secret renvoyé (une seule fois) à la création. "
        "Répondez 2xx ; sinon la livraison est retentée (30 s, 1 min, 2 min… 8 tentatives). "
        f"Événements : {', '.join(f'`{k}` ({v})' for k, v in EVENTS.items())}.",
        parameters=[IDEMPOTENCY_KEY],
        request=AbonnementSerializer,
        responses={201: AbonnementCreeSerializer, 400: PROBLEM, 422: PROBLEM, **ERRORS},
    )
    def post(self, request):
        return self.idempotent_create(request, lambda: self._create(request))

    def _create(self, request):
        serializer = AbonnementSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        secret = secrets.token_urlsafe(32)
        token = request.auth
        abonnement = AbonnementWebhook.objects.create(
            departement=token.departement,
            structure=token.structure,
            jeton=token,
            secret_chiffre=encrypt(secret),
            **serializer.validated_data,
        )
        self.touched(abonnement)
        data = AbonnementSerializer(abonnement).data
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)


class AbonnementDetailSerializer(AbonnementSerializer):
    livraisons = LivraisonSerializer(many=True, read_only=True, help_text="Les 50 dernières livraisons.")

    class Meta(AbonnementSerializer.Meta):
        fields = [*AbonnementSerializer.Meta.fields, "livraisons"]


class AbonnementDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {}
    serializer_class = AbonnementSerializer
    http_method_names = ["get", "delete", "head", "options"]

    def get_object(self):
        # An unsubscribed subscription (DELETE) is gone for the API: 404, as for any deleted resource.
        abonnement = get_object_or_404(AbonnementWebhook.objects.filter(actif=True), uid=self.kwargs["uid"])
        if abonnement.structure_id != self.request.auth.structure_id:
            raise exceptions.PermissionDenied("Cet abonnement appartient à une autre structure.")
        self.touched(abonnement)
        return abonnement

    @extend_schema(
        summary="Lire un abonnement et ses dernières livraisons", responses={200: AbonnementSerializer, **ERRORS}
    )
    def get(self, request, uid):
        abonnement = self.get_object()
        data = AbonnementSerializer(abonnement).data
        data["livraisons"] = LivraisonSerializer(abonnement.livraisons.all()[:50], many=True).data
        return Response(data)

    @extend_schema(summary="Se désabonner", responses={204: None, **ERRORS})
    def delete(self, request, uid):
        abonnement = self.get_object()
        AbonnementWebhook.objects.filter(pk=abonnement.pk).update(actif=False)
        return Response(status=status.HTTP_204_NO_CONTENT)
