"""Partner API v1: the offer catalogue in the data·inclusion schema v1 (scopes `offre:read`, `offre:write`).

Reading answers exactly the records of the département's export (`offre.schema.export_structure`,
`export_service`: validated by the `data-inclusion-schema` package in strict mode), for the same rows
(published services, and the active structures that carry one). Writing takes a data·inclusion `Service`
record, checked by `offre.services.service_values` (the package, the national referential and the
platform's field checks, as the file import does), and writes it through the catalogue services of the web
pages: a new service waits for the département's moderation, like one created by the structure's
professionals on the platform. A token only writes its own structure's services.
"""

import datetime
import json
import logging
from typing import Annotated, ClassVar

import pydantic
from data_inclusion.schema import v1
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, mixins, serializers, status
from rest_framework.response import Response

from offre import schema, services
from offre.exports import services_exportes, structures_exportees
from offre.models import Service
from offre.referentiels import Categorie, Thematique, thematiques_of
from offre.zones import commune_keys
from partenaires.api.base import IDEMPOTENCY_KEY, IF_MATCH, PartnerAPIMixin, PreconditionFailed
from partenaires.api.docs import (
    CLE_REUTILISEE,
    ETAG_REPONSE,
    PRECONDITION_ECHOUEE,
    PRECONDITION_REQUISE,
    REJEU,
    erreurs_communes,
    requete_invalide,
)
from partenaires.api.fields import ParametresRequete
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.models import Scope
from spie.models import Commune
from spie.versioning import VersionConflict

logger = logging.getLogger(__name__)

# Set by the platform on every write: what a partner sends for them is ignored.
CHAMPS_PLATEFORME = ("source", "id", "date_maj")


class ServiceEcriture(v1.Service):
    """Un service au format data·inclusion v1, tel qu'un partenaire l'écrit : la plateforme fixe `source`,
    `id`, `structure_id` et `date_maj`."""

    # Where the record is stored: its column lengths are limits of the request (partenaires/api/schema.py).
    stored_as: ClassVar = Service
    set_by_platform: ClassVar = ("source", "id", "date_maj")

    source: Annotated[str | None, pydantic.Field(description="Fixée par la plateforme (valeur envoyée ignorée).")] = (
        None
    )
    id: Annotated[
        str | None,
        pydantic.Field(
            description="Fixé par la plateforme : « <source>--<identifiant> » (valeur envoyée ignorée). Renvoyé dans "
            "la réponse ; l'adresse du service est dans l'en-tête Location."
        ),
    ] = None
    structure_id: Annotated[
        str | None,
        pydantic.Field(description="Facultatif ; s'il est donné, l'« id » data·inclusion de votre structure."),
    ] = None
    date_maj: Annotated[
        datetime.date | None,
        pydantic.Field(description="Fixée par la plateforme au jour de l'écriture (valeur envoyée ignorée)."),
    ] = None


class FiltresOffre(ParametresRequete):
    thematique = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in Categorie] + [(t.value, t.label) for t in Thematique],
        required=False,
        help_text="Thématique data·inclusion ; une catégorie (« mobilite ») retient toutes ses thématiques.",
    )
    code_commune = serializers.RegexField(
        r"^(\d{2}|2[AB])\d{3}$",
        required=False,
        help_text="Code INSEE d'une commune : services ouverts à ses habitants (zone d'éligibilité couvrant la "
        "commune, son intercommunalité, son département ou la France entière).",
        error_messages={"invalid": "Code INSEE de commune attendu (5 caractères, par exemple 76540)."},
    )
    modifie_depuis = serializers.DateTimeField(
        required=False, help_text="Modifiés à cet instant ou après (ISO 8601, avec fuseau horaire)."
    )


class ParDateDeCreation(CursorPaginationSPIE):
    ordering = ("-created_at", "-pk")


def _criteres(request):
    filtres = FiltresOffre(data=request.query_params)
    filtres.is_valid(raise_exception=True)
    criteres = dict(filtres.validated_data)
    if "code_commune" in criteres:
        code = criteres["code_commune"]
        criteres["code_commune"] = Commune.objects.filter(code_insee=code).first()
        if criteres["code_commune"] is None:
            # A well-formed code that names no commune: the commune asked for does not exist (404, as an unknown
            # identifier in a path); the request itself is valid (the schema cannot list the communes).
            raise exceptions.NotFound(f"Aucune commune du Code officiel géographique ne porte le code « {code} ».")
    return criteres


def _services_filtres(queryset, criteres):
    if "thematique" in criteres:
        queryset = queryset.filter(thematiques__overlap=thematiques_of(criteres["thematique"]))
    if "code_commune" in criteres:
        queryset = queryset.filter(zone_keys__overlap=[key for _, key in commune_keys(criteres["code_commune"])])
    return queryset


def _records(rows, export):
    """The records of a page. A row the package refuses even after its optional fields are left out (it never
    passed the platform's checks: an old row, a hand edit) is left out of the page rather than failing it."""
    records = []
    for row in rows:
        try:
            records.append(export(row))
        except pydantic.ValidationError:
            logger.warning("Enregistrement data·inclusion invalide omis de l'API : %s %s", type(row).__name__, row.pk)
    return records


# --- Documentation ----------------------------------------------------------------------------------------

EXEMPLE_SERVICE = {
    "source": "spie-76",
    "structure_id": "spie-76--7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a",
    "id": "spie-76--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "nom": "Atelier CV et lettre de motivation",
    "description": "Un atelier collectif pour construire un CV clair et une lettre de motivation adaptée à chaque "
    "offre. Le groupe travaille sur ordinateur avec une conseillère ; chacun repart avec un CV imprimé.",
    "lien_source": None,
    "date_maj": "2026-11-02",
    "type": "atelier",
    "thematiques": ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
    "frais": "gratuit",
    "frais_precisions": None,
    "publics": ["tous-publics"],
    "publics_precisions": None,
    "conditions_acces": None,
    "commune": "Rouen",
    "code_postal": "76000",
    "code_insee": "76540",
    "adresse": "1 rue de la République",
    "complement_adresse": None,
    "longitude": None,
    "latitude": None,
    "telephone": "0235000000",
    "courriel": "contact@structure.example",
    "modes_accueil": ["en-presentiel"],
    "zone_eligibilite": ["76"],
    "contact_nom_prenom": None,
    "lien_mobilisation": None,
    "modes_mobilisation": ["telephoner"],
    "mobilisable_par": ["professionnels"],
    "mobilisation_precisions": None,
    "volume_horaire_hebdomadaire": None,
    "nombre_semaines": None,
    "horaires_accueil": None,
}
EXEMPLE_ECRITURE = {
    key: value for key, value in EXEMPLE_SERVICE.items() if key not in (*CHAMPS_PLATEFORME, "structure_id")
}
EXEMPLE_STRUCTURE = {
    "source": "spie-76",
    "id": "spie-76--7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a",
    "nom": "Association Tremplin",
    "date_maj": "2026-10-20",
    "description": None,
    "lien_source": None,
    "siret": None,
    "commune": "Rouen",
    "code_postal": "76000",
    "code_insee": "76540",
    "adresse": "1 rue de la République",
    "complement_adresse": None,
    "longitude": None,
    "latitude": None,
    "telephone": "0235000000",
    "courriel": "contact@tremplin.example",
    "site_web": None,
    "horaires_accueil": None,
    "accessibilite_lieu": None,
    "reseaux_porteurs": None,
}
FILTRE_INVALIDE = requete_invalide("thematique", "« bricolage » n'est pas un choix valide.")
SERVICE_INVALIDE = requete_invalide(
    "thematiques",
    "Valeur inconnue du référentiel data·inclusion : « emploi--inconnu ».",
    "Enregistrement refusé par le schéma data·inclusion (mode strict), le référentiel géographique ou les "
    "contrôles de la plateforme : messages par champ dans « errors ».",
)


# --- Reading ----------------------------------------------------------------------------------------------


class StructureList(PartnerAPIMixin, mixins.ListModelMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.OFFRE_READ}
    pagination_class = ParDateDeCreation

    @extend_schema(
        summary="Structures de l'offre d'insertion (data·inclusion v1)",
        description="Les structures actives qui portent au moins un service publié du catalogue du département, au "
        "format data·inclusion v1 exactement (enregistrements validés par le paquet `data-inclusion-schema`, comme "
        "l'export du catalogue). `thematique` et `code_commune` retiennent les structures portant un service publié "
        "qui y répond ; `modifie_depuis` porte sur la fiche de la structure.",
        parameters=[FiltresOffre],
        responses={200: v1.Structure, 400: FILTRE_INVALIDE, **erreurs_communes(Scope.OFFRE_READ, objet=False)},
        examples=[OpenApiExample("Une structure", value=EXEMPLE_STRUCTURE, response_only=True)],
    )
    def get(self, request):
        criteres = _criteres(request)
        queryset = structures_exportees()
        if "thematique" in criteres or "code_commune" in criteres:
            matching = _services_filtres(services_exportes(), criteres).filter(structure=OuterRef("pk"))
            queryset = queryset.filter(Exists(matching))
        if "modifie_depuis" in criteres:
            queryset = queryset.filter(updated_at__gte=criteres["modifie_depuis"])
        page = self.paginate_queryset(queryset)
        self.touched(*page)
        return self.get_paginated_response(_records(page, schema.export_structure))


class ServiceListCreate(PartnerAPIMixin, mixins.ListModelMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.OFFRE_READ, "POST": Scope.OFFRE_WRITE}
    pagination_class = ParDateDeCreation

    @extend_schema(
        summary="Services de l'offre d'insertion (data·inclusion v1)",
        description="Les services publiés du catalogue du département, au format data·inclusion v1 exactement "
        "(enregistrements validés par le paquet `data-inclusion-schema`, comme l'export du catalogue).",
        parameters=[FiltresOffre],
        responses={200: v1.Service, 400: FILTRE_INVALIDE, **erreurs_communes(Scope.OFFRE_READ, objet=False)},
        examples=[OpenApiExample("Un service", value=EXEMPLE_SERVICE, response_only=True)],
    )
    def get(self, request):
        criteres = _criteres(request)
        queryset = _services_filtres(services_exportes(), criteres)
        if "modifie_depuis" in criteres:
            queryset = queryset.filter(updated_at__gte=criteres["modifie_depuis"])
        page = self.paginate_queryset(queryset)
        self.touched(*page)
        return self.get_paginated_response(_records(page, schema.export_service))

    @extend_schema(
        summary="Publier un service de votre structure",
        description="Un enregistrement `Service` data·inclusion v1, contrôlé comme un import de fichier : schéma du "
        "paquet en mode strict (ses avertissements sont des erreurs), codes de commune et de zone du Code officiel "
        "géographique, longueurs. `source`, `id` et `date_maj` sont fixés par la plateforme, le service est rattaché "
        "à la structure du jeton. Il est enregistré « à valider » : il entre dans le catalogue (et dans la liste "
        "ci-dessus) quand le Département le publie. Réponse 201 : l'enregistrement écrit, son adresse (Location) et "
        "son ETag.",
        parameters=[IDEMPOTENCY_KEY, ETAG_REPONSE, REJEU],
        request=ServiceEcriture,
        responses={
            201: v1.Service,
            400: SERVICE_INVALIDE,
            422: CLE_REUTILISEE,
            **erreurs_communes(Scope.OFFRE_WRITE, objet=False),
        },
        examples=[
            OpenApiExample("Nouveau service", value=EXEMPLE_ECRITURE, request_only=True),
            OpenApiExample("Service enregistré", value=EXEMPLE_SERVICE, response_only=True, status_codes=["201"]),
        ],
    )
    def post(self, request):
        return self.idempotent_create(request, lambda: self._create(request))

    def _create(self, request):
        structure = request.auth.structure
        source = request.auth.departement.source_slug
        values = _valeurs(request.data, source=source, di_id=f"{source}--nouveau", structure=structure)
        service = services.service_create(structure=structure, data=values, auteur=None, publier=False)
        self.touched(service)
        response = Response(schema.export_service(service), status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api:offre_service", kwargs={"uid": service.uid}))
        return self.with_etag(response, service)


class ServiceDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.OFFRE_READ, "PUT": Scope.OFFRE_WRITE}
    http_method_names = ["get", "put", "head", "options"]

    def get_object(self):
        service = get_object_or_404(Service.objects.select_related("structure"), uid=self.kwargs["uid"])
        own = service.structure_id == self.request.auth.structure_id
        if self.request.method == "PUT" and not own:
            raise exceptions.PermissionDenied(
                "Ce service appartient à une autre structure : vous ne modifiez que les vôtres."
            )
        if service.statut != "publie" and not own:
            raise exceptions.PermissionDenied("Ce service n'est pas publié dans le catalogue du département.")
        self.touched(service)
        return service

    @extend_schema(
        summary="Lire un service (data·inclusion v1)",
        description="Un service publié du catalogue, ou un service de votre structure quel que soit son statut "
        "(en attente de validation, suspendu). L'ETag sert à le modifier (PUT).",
        parameters=[ETAG_REPONSE],
        responses={200: v1.Service, **erreurs_communes(Scope.OFFRE_READ)},
        examples=[OpenApiExample("Un service", value=EXEMPLE_SERVICE, response_only=True)],
    )
    def get(self, request, uid):
        service = self.get_object()
        return self.with_etag(Response(schema.export_service(service)), service)

    @extend_schema(
        summary="Remplacer un service de votre structure",
        description="Remplace tout l'enregistrement (un champ absent est vidé), contrôlé comme à la création. "
        "If-Match (ETag lu) est obligatoire : 428 sans, 412 s'il est périmé. Un service suspendu par le Département "
        "repasse « à valider » ; un service publié le reste. `source`, `id` et `structure_id` ne changent pas, "
        "`date_maj` devient la date du jour.",
        parameters=[IF_MATCH, ETAG_REPONSE],
        request=ServiceEcriture,
        responses={
            200: v1.Service,
            400: SERVICE_INVALIDE,
            412: PRECONDITION_ECHOUEE,
            428: PRECONDITION_REQUISE,
            **erreurs_communes(Scope.OFFRE_WRITE),
        },
        examples=[
            OpenApiExample("Service modifié", value=EXEMPLE_ECRITURE, request_only=True),
            OpenApiExample("Enregistrement écrit", value=EXEMPLE_SERVICE, response_only=True),
        ],
    )
    def put(self, request, uid):
        service = self.get_object()
        self.check_if_match(request, service)
        values = _valeurs(request.data, source=service.source, di_id=service.di_id, structure=service.structure)
        try:
            services.service_update(service=service, data=values, version=service.version, auteur=None)
        except VersionConflict as error:
            raise PreconditionFailed() from error
        return self.with_etag(Response(schema.export_service(service)), service)


# --- Writing ----------------------------------------------------------------------------------------------


def _json_type_errors(data):
    """[(field, message)] for the JSON values whose type is not the schema's, and the repeated values of its sets.
    The package's validation coerces (lax mode: `"volume_horaire_hebdomadaire": "2"` would pass as 2.0), as it
    must for file imports; a JSON body must have what the published schema declares, as JSON (dates are strings
    there)."""
    # `date_maj` is set by the platform (null is allowed): the package's own check of it must see a date.
    checked = {**data}
    if checked.get("date_maj") is None:
        checked["date_maj"] = schema.today().isoformat()
    try:
        ServiceEcriture.model_validate_json(json.dumps(checked), strict=True)
    except pydantic.ValidationError as exc:
        errors = schema.translate_errors(
            [e for e in exc.errors() if e["type"].endswith(("_type", "_parsing")) and e["loc"]]
        )
    else:
        errors = []
    # The sets of the record (`uniqueItems` in the schema): pydantic drops a repeated value without a word.
    for name in _ENSEMBLES & data.keys():
        values = data[name]
        if isinstance(values, list) and len({json.dumps(v, sort_keys=True) for v in values}) < len(values):
            errors.append((name, "Valeur en double dans la liste."))
    return errors


_ENSEMBLES = {
    name
    for name, field in ServiceEcriture.model_json_schema()["properties"].items()
    if field.get("uniqueItems") or any(variant.get("uniqueItems") for variant in field.get("anyOf", []))
}


def _valeurs(data, *, source, di_id, structure):
    """The model values of a partner's record, the platform's fields set; 400 with French messages otherwise."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError(
            {"non_field_errors": ["Un objet JSON (un service data·inclusion) est attendu."]}
        )
    if data.get("structure_id") not in (None, structure.di_id):
        raise exceptions.ValidationError(
            {"structure_id": [f"Vous ne publiez que les services de votre structure : « {structure.di_id} »."]}
        )
    record = {
        **data,
        "source": source,
        "id": di_id,
        "structure_id": structure.di_id,
        "date_maj": schema.today().isoformat(),
    }
    values, errors = services.service_values(record)
    errors = list(dict.fromkeys(_json_type_errors(data) + errors))
    if errors:
        messages = {}
        for champ, message in errors:
            messages.setdefault(champ or "non_field_errors", []).append(message)
        raise exceptions.ValidationError(messages)
    return {name: value for name, value in values.items() if name not in ("di_id", "source", "date_maj")}
