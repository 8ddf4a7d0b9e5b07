"""Partner API v1: deposit of the CAF/MSA flux and follow-up of its processing (scope `imports:write`)."""

import hashlib

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from partenaires.api.base import IDEMPOTENCY_KEY, PartnerAPIMixin
from partenaires.flux.lecture import FluxRefuse
from partenaires.flux.services import flux_deposer
from partenaires.models import ImportFlux, Scope, StatutTraitement
from spie.audit import log_access
from spie.models import Action, Canal

PROBLEM = OpenApiResponse(description="Erreur au format application/problem+json (RFC 9457).")
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 429: PROBLEM}


class FluxDepotSerializer(serializers.Serializer):
    # An empty file is a file (the schema's binary string may be empty): refused as not a flux (422) like any
    # other content that is not one, rather than as a missing field.
    fichier = serializers.FileField(
        allow_empty_file=True,
        help_text="Le fichier XML « bénéficiaires RSA » tel que transmis par la CAF ou la MSA (windows-1252).",
    )
    rejeu = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Rejeu confirmé d'un fichier plus ancien que le dernier fichier importé du même organisme (DTREF) : "
        "sans lui, un tel fichier est refusé en entier. Réservé aux jetons ayant le droit « flux:rejeu » (accordé "
        "par un administrateur du département) ; le rejeu est enregistré avec le jeton et l'heure.",
    )


class RejetSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="Rang du foyer dans le fichier (à partir de 1).")
    ligne = serializers.IntegerField(allow_null=True, help_text="Ligne du fichier où commence le foyer.")
    matricule = serializers.CharField(allow_blank=True, help_text="Numéro d'allocataire du foyer (MATRICULE).")
    motif = serializers.CharField(help_text="Motif du rejet, sans donnée personnelle.")


class ImportFluxSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True, help_text="Identifiant du dépôt.")
    statut = serializers.ChoiceField(choices=StatutTraitement.choices, read_only=True)
    statut_libelle = serializers.CharField(source="get_statut_display", read_only=True)
    pourcentage = serializers.IntegerField(read_only=True, help_text="Avancement du traitement, de 0 à 100.")
    foyers_total = serializers.IntegerField(
        source="total", read_only=True, help_text="Foyers du fichier (connu après le contrôle du fichier entier)."
    )
    foyers_traites = serializers.IntegerField(source="traites", read_only=True)
    personnes_creees = serializers.IntegerField(source="crees", read_only=True)
    personnes_mises_a_jour = serializers.IntegerField(source="mis_a_jour", read_only=True)
    personnes_inchangees = serializers.IntegerField(source="inchanges", read_only=True)
    foyers_rejetes = serializers.IntegerField(source="rejetes", read_only=True)
    foyers_ignores = serializers.IntegerField(
        source="ignores", read_only=True, help_text="Foyers inconnus dont le droit est refusé ou clos : non créés."
    )
    message = serializers.SerializerMethodField(help_text="Motif du refus du fichier entier, le cas échéant.")
    avertissements = serializers.SerializerMethodField()
    rejets = serializers.SerializerMethodField()
    depose_le = serializers.DateTimeField(source="created_at", read_only=True)
    commence_le = serializers.DateTimeField(source="started_at", read_only=True, allow_null=True)
    termine_le = serializers.DateTimeField(source="finished_at", read_only=True, allow_null=True)
    url_statut = serializers.SerializerMethodField(help_text="Adresse à interroger pour suivre le traitement.")

    class Meta:
        model = ImportFlux
        fields = [
            "id",
            "statut",
            "statut_libelle",
            "nom_fichier",
            "taille",
            "date_reference",
            "rejeu",
            "rejeu_confirme_le",
            "pourcentage",
            "foyers_total",
            "foyers_traites",
            "personnes_creees",
            "personnes_mises_a_jour",
            "personnes_inchangees",
            "foyers_rejetes",
            "foyers_ignores",
            "message",
            "avertissements",
            "rejets",
            "depose_le",
            "commence_le",
            "termine_le",
            "url_statut",
        ]
        read_only_fields = fields

    def get_message(self, run) -> str:
        return (run.rapport or {}).get("message", "")

    def get_avertissements(self, run) -> list[str]:
        return list((run.rapport or {}).get("avertissements", []))

    @extend_schema_field(RejetSerializer(many=True))
    def get_rejets(self, run):
        return RejetSerializer((run.rapport or {}).get("rejets", []), many=True).data

    def get_url_statut(self, run) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:flux_caf_detail", kwargs={"uid": run.uid}))


class FichierRefuse(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Le fichier n'est pas un flux « bénéficiaires RSA » valide."
    default_code = "fichier_refuse"


class FluxCafDepot(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"POST": Scope.IMPORTS_WRITE}
    parser_classes = [MultiPartParser]
    serializer_class = FluxDepotSerializer
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="Déposer un flux CAF/MSA",
        description="Dépôt du fichier mensuel XML « bénéficiaires RSA » (schéma VRSB0801, windows-1252), en "
        "`multipart/form-data` (champ `fichier`). Le fichier est enregistré et traité en arrière-plan : la réponse "
        "202 donne l'identifiant du dépôt et l'adresse de suivi (`url_statut`, aussi en en-tête `Location`). "
        "Un fichier qui n'est pas du XML, dont l'élément racine n'est pas `Racine` ou dont l'encodage ne "
        "correspond pas à sa déclaration est refusé tout de suite (422) ; un fichier endommagé plus loin est "
        "refusé en entier par le traitement (statut `echec`, motif dans `message`) sans qu'aucun foyer soit "
        "intégré. Un foyer non conforme au schéma est écarté (voir `rejets`), les autres sont intégrés. Déposer "
        "deux fois le même fichier ne réécrit rien. Un fichier dont la date de référence (DTREF) est antérieure à "
        "celle du dernier fichier importé du même organisme est refusé (statut `echec`), sauf rejeu confirmé : champ "
        "`rejeu` à `true`, avec le droit « flux:rejeu » (sinon 403).",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": FluxDepotSerializer},
        responses={202: ImportFluxSerializer, 400: PROBLEM, 415: PROBLEM, 422: PROBLEM, **ERRORS},
    )
    def post(self, request):
        fichier = request.data.get("fichier")
        digest = _file_digest(fichier) if hasattr(fichier, "chunks") else ""
        # A multipart body is not JSON: the file's content and the replay flag make the fingerprint (two different
        # files under the same name must not replay the same answer).
        rejeu = str(request.data.get("rejeu", "")).lower()
        fingerprint = hashlib.sha256(f"{request.path}|{digest}|{rejeu}".encode()).hexdigest()
        return self.idempotent_create(request, lambda: self._deposit(request), fingerprint=fingerprint)

    def _deposit(self, request):
        serializer = FluxDepotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = request.auth
        rejeu = serializer.validated_data["rejeu"]
        if rejeu and not token.a_le_droit(Scope.FLUX_REJEU):
            raise exceptions.PermissionDenied(
                f"Ce jeton n'a pas le droit « {Scope.FLUX_REJEU} » nécessaire pour rejouer un fichier plus ancien."
            )
        try:
            run = flux_deposer(
                departement=token.departement, fichier=serializer.validated_data["fichier"], jeton=token, rejeu=rejeu
            )
        except FluxRefuse as exc:
            raise FichierRefuse(str(exc)) from exc
        log_access(
            action=Action.CREATION,
            obj=run,
            departement=token.departement,
            structure=token.structure,
            canal=Canal.API,
            api_token_id=token.pk,
            details={"taille": run.taille, "rejeu": run.rejeu},
        )
        self.touched(run)
        data = ImportFluxSerializer(run, context={"request": request}).data
        response = Response(data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = data["url_statut"]
        return response


def _file_digest(fichier):
    digest = hashlib.sha256()
    for chunk in fichier.chunks():
        digest.update(chunk)
    fichier.seek(0)
    return digest.hexdigest()


class FluxCafDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.IMPORTS_WRITE}
    serializer_class = ImportFluxSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Suivre le traitement d'un flux CAF/MSA",
        description="Statut, avancement et compteurs du dépôt ; une fois le traitement terminé, le rapport : foyers "
        "rejetés avec leur rang dans le fichier, leur MATRICULE et le motif (jamais de NIR ni de nom). Seuls les "
        "dépôts faits par les jetons de votre structure sont lisibles.",
        responses={200: ImportFluxSerializer, **ERRORS},
    )
    def get(self, request, uid):
        run = get_object_or_404(ImportFlux.objects.select_related("jeton"), uid=uid)
        if run.jeton is None or run.jeton.structure_id != request.auth.structure_id:
            raise exceptions.PermissionDenied("Ce dépôt n'a pas été fait par votre structure.")
        self.touched(run)
        return Response(ImportFluxSerializer(run, context={"request": request}).data)
