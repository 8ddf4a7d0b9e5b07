"""Partner API v1: indicators (scope `indicateurs:read`).

The stored monthly series of `suivi` (aggregates: no person appears), per département and territory, and for
the token's own structure (a partner never reads another structure's figures). The definitions are served
beside them, with their version, so that a figure can always be read with the rule that produced it.
"""

import datetime

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from partenaires.api.base import PartnerAPIMixin
from partenaires.api.docs import erreurs_communes, requete_invalide
from partenaires.api.fields import ParametresRequete
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.models import Scope
from suivi.indicateurs.calcul import PeriodeInvalide, mois_precedent, periode
from suivi.indicateurs.definitions import INDICATEURS, PAR_CODE
from suivi.indicateurs.lecture import versions_courantes
from suivi.models import Perimetre, ValeurIndicateur


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-10"})
class MoisField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m"], format="%Y-%m", **kwargs)


class FiltresIndicateurs(ParametresRequete):
    depuis = MoisField(required=False, help_text="Premier mois, AAAA-MM (par défaut : 11 mois avant « jusqu_a »).")
    jusqu_a = MoisField(required=False, help_text="Dernier mois, AAAA-MM (par défaut : le dernier mois complet).")
    indicateur = serializers.ChoiceField(
        choices=[(i.code, i.titre) for i in INDICATEURS], required=False, help_text="Un seul indicateur."
    )
    perimetre = serializers.ChoiceField(
        choices=Perimetre.choices,
        default=Perimetre.DEPARTEMENT,
        help_text="« departement » (par défaut), « territoire » (chaque territoire) ou « structure » (la structure "
        "du jeton seulement).",
    )

    def validate(self, data):
        try:
            depuis, jusqu_a = periode(
                data.get("depuis"),
                data.get("jusqu_a"),
                fin_par_defaut=mois_precedent(datetime.date.today().replace(day=1)),
            )
        except PeriodeInvalide as erreur:
            raise serializers.ValidationError({"depuis": [str(erreur)]}) from erreur
        return {**data, "depuis": depuis, "jusqu_a": jusqu_a}


class _Lieu(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    nom = serializers.CharField()


class ValeurSerializer(serializers.ModelSerializer):
    indicateur = serializers.CharField(source="code", help_text="Code de l'indicateur (voir les définitions).")
    version = serializers.IntegerField(help_text="Version de la définition qui a produit ce chiffre.")
    mois = serializers.DateField(format="%Y-%m", help_text="Mois, AAAA-MM.")
    perimetre = serializers.ChoiceField(choices=Perimetre.choices)
    territoire = _Lieu(allow_null=True, help_text="Le territoire, pour le périmètre « territoire ».")
    structure = _Lieu(allow_null=True, help_text="La structure du jeton, pour le périmètre « structure ».")
    valeur = serializers.FloatField(
        allow_null=True,
        help_text="Chiffre principal : médiane en jours (délais), pourcentage (parts), nombre (volumes) ; null "
        "quand il n'est pas encore mesurable.",
    )
    unite = serializers.SerializerMethodField(help_text="jours, %, personnes, orientations, prescriptions, sorties.")
    mesures = serializers.JSONField(
        help_text="Toutes les mesures : effectif, moyenne, médiane, part, numérateur, répartition par catégorie…"
    )
    parametres = serializers.JSONField(help_text="Paramètres du calcul : fenêtre (jours), date du relevé.")
    calcule_le = serializers.DateTimeField()

    class Meta:
        model = ValeurIndicateur
        fields = [
            "indicateur",
            "version",
            "mois",
            "perimetre",
            "territoire",
            "structure",
            "valeur",
            "unite",
            "mesures",
            "parametres",
            "calcule_le",
        ]

    def get_unite(self, obj) -> str:
        return PAR_CODE[obj.code].unite


EXEMPLE = {
    "indicateur": "delai_orientation",
    "version": 1,
    "mois": "2026-10",
    "perimetre": "departement",
    "territoire": None,
    "structure": None,
    "valeur": 22.0,
    "unite": "jours",
    "mesures": {
        "effectif": 59,
        "exclus": 0,
        "mesures": 25,
        "moyenne": 21.7,
        "mediane": 22.0,
        "evaluables": 44,
        "dans_fenetre": 22,
        "part": 50.0,
    },
    "parametres": {"fenetre": 30, "date_releve": "2026-10-31"},
    "calcule_le": "2026-11-01T02:15:04+01:00",
}


class ParMois(CursorPaginationSPIE):
    ordering = ("mois", "code", "pk")


class IndicateurList(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.INDICATEURS_READ}
    serializer_class = ValeurSerializer
    pagination_class = ParMois

    @extend_schema(
        summary="Séries mensuelles des indicateurs",
        description="Les chiffres mensuels calculés par la plateforme (chaque nuit pour le mois en cours), pour le "
        "département, chaque territoire ou votre structure ; seule la version courante de chaque définition. "
        "Des agrégats : aucune personne n'y figure.",
        parameters=[FiltresIndicateurs],
        responses={
            200: ValeurSerializer(many=True),
            400: requete_invalide("depuis", "Le premier mois doit précéder le dernier."),
            **erreurs_communes(Scope.INDICATEURS_READ, objet=False),
        },
        examples=[OpenApiExample("Délai d'orientation du département", value=EXEMPLE, response_only=True)],
    )
    def get(self, request):
        filtres = FiltresIndicateurs(data=request.query_params)
        filtres.is_valid(raise_exception=True)
        criteres = filtres.validated_data
        choisis = [PAR_CODE[criteres["indicateur"]]] if "indicateur" in criteres else INDICATEURS
        queryset = ValeurIndicateur.objects.filter(
            versions_courantes(choisis),
            mois__gte=criteres["depuis"],
            mois__lte=criteres["jusqu_a"],
            perimetre=criteres["perimetre"],
        ).select_related("territoire", "structure")
        if criteres["perimetre"] == Perimetre.STRUCTURE:
            queryset = queryset.filter(structure=request.auth.structure)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ValeurSerializer(page, many=True).data)


class DefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    titre = serializers.CharField()
    unite = serializers.CharField()
    description = serializers.CharField()
    cohorte = serializers.CharField()
    evenement_debut = serializers.CharField()
    evenement_fin = serializers.CharField()
    fenetre = serializers.CharField()
    numerateur = serializers.CharField()
    denominateur = serializers.CharField()
    historique = serializers.SerializerMethodField()

    def get_historique(self, obj) -> list[dict]:
        return [{"version": v, "date": d, "changement": c} for v, d, c in obj.historique]


class IndicateurDefinitions(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.INDICATEURS_READ}
    serializer_class = DefinitionSerializer
    pagination_class = None

    @extend_schema(
        summary="Définitions des indicateurs",
        description="La définition exacte et versionnée de chaque indicateur : cohorte, événements de départ et "
        "d'arrivée, fenêtre, numérateur, dénominateur, historique des versions.",
        responses={200: DefinitionSerializer(many=True), **erreurs_communes(Scope.INDICATEURS_READ, objet=False)},
    )
    def get(self, request):
        return Response(DefinitionSerializer(INDICATEURS, many=True).data)
