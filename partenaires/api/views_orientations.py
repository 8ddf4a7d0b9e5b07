"""Partner API v1: orientations (scope `orientations:read`).

What a partner needs to take over a person: the type, the programme, the organisme référent and how to reach
the référent, the status and the milestone dates of the dossier. Never the motive (free text of the chargé
d'orientation, which may quote the diagnostic), the validation comment, the diagnostic, nor the agents of the
département who proposed or validated. A proposal sent back to the chargé ("renvoyee") is internal work of
the département: it is not part of the resource.

A structure reads the orientations of the people it follows (`Carnet.objects.suivis_par_structure`) and those
that name it as organisme référent (it must designate the référent).
"""

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from carnet.models import Carnet
from carnet.models.beneficiaire import STRUCTURES_INSTITUTIONNELLES
from orientation.models import Orientation, StatutOrientation, TypeOrientation
from partenaires.api.base import PartnerAPIMixin
from partenaires.api.docs import erreurs_communes, requete_invalide
from partenaires.api.fields import ParametresRequete
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.api.views import log_api_read, log_api_reads
from partenaires.models import Scope

STATUTS_PARTAGES = [StatutOrientation.PROPOSEE, StatutOrientation.VALIDEE]


class _Dispositif(serializers.Serializer):
    id = serializers.UUIDField(source="uid", help_text="Identifiant du dispositif.")
    nom = serializers.CharField(help_text="Nom du dispositif d'orientation du département.")


class _OrganismeReferent(serializers.Serializer):
    id = serializers.UUIDField(source="uid", help_text="Identifiant de la structure.")
    nom = serializers.CharField()
    type = serializers.CharField(help_text="Type de structure (france_travail, mission_locale, ccas…).")
    telephone = serializers.CharField(allow_blank=True)
    courriel = serializers.CharField(allow_blank=True)


class _Referent(serializers.Serializer):
    nom = serializers.CharField(source="get_full_name", help_text="Prénom et nom du référent.")
    courriel = serializers.EmailField(source="email")
    telephone = serializers.CharField(allow_blank=True, help_text="Téléphone professionnel, s'il est renseigné.")


class _Jalons(serializers.Serializer):
    date_entree_rsa = serializers.DateField(allow_null=True, help_text="Entrée au RSA.")
    date_premier_contact = serializers.DateField(allow_null=True, help_text="Première convocation (ou entretien).")
    date_entretien = serializers.DateField(allow_null=True, help_text="Entretien d'orientation.")
    date_decision = serializers.DateField(allow_null=True, help_text="Décision d'orientation du dossier.")
    date_premier_rdv_accompagnement = serializers.DateField(
        allow_null=True, help_text="Premier rendez-vous d'accompagnement honoré après la décision."
    )


class OrientationSerializer(serializers.ModelSerializer):
    """An orientation as a partner may read it (never the motive, the comment nor the diagnostic)."""

    id = serializers.UUIDField(source="uid", read_only=True, help_text="Identifiant de l'orientation.")
    carnet_id = serializers.UUIDField(source="carnet.uid", read_only=True, help_text="Identifiant du carnet.")
    beneficiaire_id = serializers.UUIDField(
        source="carnet.beneficiaire.uid", read_only=True, help_text="Identifiant de la personne."
    )
    type = serializers.ChoiceField(
        source="type_orientation", choices=TypeOrientation.choices, help_text="Type d'orientation."
    )
    type_libelle = serializers.CharField(source="get_type_orientation_display")
    est_reorientation = serializers.BooleanField(help_text="Réorientation (une orientation précédente existait).")
    dispositif = _Dispositif()
    organisme_referent = _OrganismeReferent(source="structure", help_text="Structure qui accompagne la personne.")
    referent = _Referent(allow_null=True, help_text="Référent désigné ; null tant que l'organisme ne l'a pas désigné.")
    statut = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in STATUTS_PARTAGES],
        help_text="« proposee » : en attente de la validation du département ; « validee » : décidée.",
    )
    statut_libelle = serializers.CharField(source="get_statut_display")
    proposee_le = serializers.DateTimeField()
    decidee_le = serializers.DateTimeField(
        allow_null=True, help_text="Date de la décision ; null pour une proposition."
    )
    jalons = _Jalons(source="dossier", help_text="Dates du dossier d'orientation.")

    class Meta:
        model = Orientation
        fields = [
            "id",
            "carnet_id",
            "beneficiaire_id",
            "type",
            "type_libelle",
            "est_reorientation",
            "dispositif",
            "organisme_referent",
            "referent",
            "statut",
            "statut_libelle",
            "proposee_le",
            "decidee_le",
            "jalons",
        ]
        read_only_fields = fields


class FiltresOrientations(ParametresRequete):
    carnet = serializers.UUIDField(required=False, help_text="Identifiant d'un carnet : ses orientations seulement.")
    statut = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in STATUTS_PARTAGES],
        required=False,
        help_text="« proposee » (en attente de validation) ou « validee » (décidée).",
    )
    decidee_depuis = serializers.DateField(
        required=False,
        help_text="Orientations décidées ce jour-là (heure de Paris) ou après, AAAA-MM-JJ (exclut les propositions).",
    )


EXEMPLE = {
    "id": "6f1c1f8e-4a43-4a43-9d43-0d1b8f7c2a11",
    "carnet_id": "0b7e9d8c-2f1a-4b6e-8a0c-5d4e3f2a1b0c",
    "beneficiaire_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "type": "pro",
    "type_libelle": "Professionnelle",
    "est_reorientation": False,
    "dispositif": {"id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a", "nom": "Accompagnement vers l'emploi"},
    "organisme_referent": {
        "id": "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a",
        "nom": "France Travail Rouen",
        "type": "france_travail",
        "telephone": "02 35 00 00 00",
        "courriel": "rouen@francetravail.example",
    },
    "referent": {"nom": "Camille Morel", "courriel": "camille.morel@francetravail.example", "telephone": ""},
    "statut": "validee",
    "statut_libelle": "Décidée",
    "proposee_le": "2026-10-12T10:05:00+02:00",
    "decidee_le": "2026-10-13T09:30:00+02:00",
    "jalons": {
        "date_entree_rsa": "2026-09-01",
        "date_premier_contact": "2026-09-15",
        "date_entretien": "2026-10-12",
        "date_decision": "2026-10-13",
        "date_premier_rdv_accompagnement": None,
    },
}


class ParDateDeProposition(CursorPaginationSPIE):
    ordering = ("-proposee_le", "-pk")


def orientations_visibles(structure):
    """The orientations `structure` may read: not sent back, and either naming it or of a person it follows."""
    queryset = Orientation.objects.filter(statut__in=STATUTS_PARTAGES).select_related(
        "carnet__beneficiaire", "dispositif", "structure", "referent", "dossier"
    )
    if structure.type in STRUCTURES_INSTITUTIONNELLES:
        return queryset
    suivi = Carnet.objects.suivis_par_structure(structure).filter(pk=OuterRef("carnet_id"))
    return queryset.filter(Q(structure=structure) | Exists(suivi))


class OrientationList(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.ORIENTATIONS_READ}
    serializer_class = OrientationSerializer
    pagination_class = ParDateDeProposition

    @extend_schema(
        summary="Orientations des personnes que vous suivez",
        description="Les orientations (propositions en attente de validation et décisions) des personnes dont un "
        "professionnel de votre structure fait partie du groupe de suivi, et celles qui désignent votre structure "
        "comme organisme référent ; les plus récentes d'abord. Jamais le motif ni le diagnostic. Chaque personne "
        "d'une page lue est inscrite au journal des accès.",
        parameters=[FiltresOrientations],
        responses={
            200: OrientationSerializer(many=True),
            400: requete_invalide("decidee_depuis", "Saisissez une date valide."),
            **erreurs_communes(Scope.ORIENTATIONS_READ, objet=False),
        },
        examples=[OpenApiExample("Une orientation décidée", value=EXEMPLE, response_only=True)],
    )
    def get(self, request):
        filtres = FiltresOrientations(data=request.query_params)
        filtres.is_valid(raise_exception=True)
        criteres = filtres.validated_data
        queryset = orientations_visibles(request.auth.structure)
        if "carnet" in criteres:
            queryset = queryset.filter(carnet__uid=criteres["carnet"])
        if "statut" in criteres:
            queryset = queryset.filter(statut=criteres["statut"])
        if "decidee_depuis" in criteres:
            queryset = queryset.filter(decidee_le__date__gte=criteres["decidee_depuis"])
        page = self.paginate_queryset(queryset)
        self.touched(*page)
        log_api_reads(request, [orientation.carnet for orientation in page], details={"ressource": "orientations"})
        return self.get_paginated_response(OrientationSerializer(page, many=True).data)


class OrientationDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.ORIENTATIONS_READ}
    serializer_class = OrientationSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Lire une orientation",
        description="Type, dispositif, organisme référent, référent, statut et dates du dossier. Lisible par les "
        "structures qui suivent la personne et par l'organisme référent désigné ; la lecture est inscrite au "
        "journal des accès de la personne.",
        responses={200: OrientationSerializer, **erreurs_communes(Scope.ORIENTATIONS_READ)},
        examples=[OpenApiExample("Orientation décidée", value=EXEMPLE, response_only=True)],
    )
    def get(self, request, uid):
        queryset = Orientation.objects.filter(statut__in=STATUTS_PARTAGES)
        orientation = get_object_or_404(queryset.only("pk"), uid=uid)
        structure = request.auth.structure
        visible = orientations_visibles(structure).filter(pk=orientation.pk).first()
        if visible is None:
            raise exceptions.PermissionDenied(
                "Votre structure ne suit pas cette personne et n'est pas l'organisme référent de cette orientation."
            )
        self.touched(visible)
        log_api_read(request, visible.carnet, details={"ressource": "orientation", "id": str(visible.uid)})
        return Response(OrientationSerializer(visible).data)
