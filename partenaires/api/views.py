"""Partner API v1: bénéficiaires, carnet summary, rendez-vous."""

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from carnet import services as carnet_services
from carnet.models import Beneficiaire, Carnet, MembreGroupe, OppositionPartage, RendezVous
from carnet.perms import can_partner_handle_rendez_vous, can_partner_read_carnet, partner_refusal
from carnet.search import search_text
from partenaires.api.base import IDEMPOTENCY_KEY, IF_MATCH, PartnerAPIMixin, PreconditionFailed
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.api.serializers import (
    BeneficiaireMinimalSerializer,
    BeneficiaireSerializer,
    CarnetResumeSerializer,
    RendezVousSerializer,
    carnet_summary,
)
from partenaires.models import Scope
from spie.audit import log_access, log_access_many
from spie.models import Action, Canal, Membership
from spie.versioning import VersionConflict

PROBLEM = OpenApiResponse(description="Erreur au format application/problem+json (RFC 9457).")
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 429: PROBLEM}
CARNET_CLOS = OpenApiResponse(
    description="Le carnet est clos : aucune écriture n'est acceptée, rien n'est enregistré."
)


def log_api_read(request, obj, action=Action.CONSULTATION, details=None):
    token = request.auth
    log_access(
        action=action,
        obj=obj,
        departement=token.departement,
        structure=token.structure,
        canal=Canal.API,
        api_token_id=token.pk,
        details=details,
    )


def log_api_reads(request, objects, details=None):
    """`log_api_read` for every object of a list page, in one INSERT (`log_access_many`)."""
    token = request.auth
    log_access_many(
        action=Action.CONSULTATION,
        objects=objects,
        departement=token.departement,
        structure=token.structure,
        canal=Canal.API,
        api_token_id=token.pk,
        details=details,
    )


CRITERES = ("nom", "date_naissance", "numero_allocataire", "identifiant_france_travail", "identifiant_departement")
# A criterion given must say something: only these spaces count as blank (the schema's pattern says the same).
BLANCS = " \t\n\r\f\v"
NON_VIDE = r"[^\x00 \t\n\r\f\v]"


def _critere(description, **schema):
    return {"type": "string", "pattern": NON_VIDE, "description": description, **schema}


# The criteria are one query object (OpenAPI `style: form, explode: true`: each criterion is its own query
# parameter, `?nom=martin&date_naissance=1990-05-17`), so that the schema can say "at least one" (minProperties).
CRITERES_RECHERCHE = OpenApiParameter(
    "criteres",
    {
        "type": "object",
        "properties": {
            "nom": _critere("Nom ou prénom (sans accents ni majuscules nécessaires)."),
            "date_naissance": {"type": "string", "format": "date", "description": "Date de naissance, AAAA-MM-JJ."},
            "numero_allocataire": _critere("Numéro d'allocataire CAF/MSA."),
            "identifiant_france_travail": _critere("Identifiant France Travail."),
            "identifiant_departement": _critere("Identifiant interne du département."),
        },
        "minProperties": 1,
        # The criteria are these: another query parameter is refused (partenaires.api.base, documented parameters).
        "additionalProperties": False,
    },
    OpenApiParameter.QUERY,
    required=True,
    style="form",
    explode=True,
    description="Critères de recherche, chacun en paramètre de requête : au moins un, non vide ; les personnes "
    "retenues correspondent à tous.",
)
FILTRES = [CRITERES_RECHERCHE]


class BeneficiaireListCreate(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.BENEFICIAIRES_READ, "POST": Scope.BENEFICIAIRES_WRITE}
    pagination_class = CursorPaginationSPIE
    serializer_class = BeneficiaireSerializer

    def get_queryset(self):
        members = MembreGroupe.objects.actifs().select_related("user", "structure")
        # A person who objected to sharing beyond their référent's structure is found by that structure only.
        oppositions = OppositionPartage.objects.exclude(structure=getattr(self.request.auth, "structure", None))
        return (
            Beneficiaire.objects.select_related("carnet")
            .exclude(carnet__in=oppositions.values("carnet_id"))
            .prefetch_related(Prefetch("carnet__membres", queryset=members, to_attr="membres_actifs"))
        )

    @extend_schema(
        summary="Rechercher des bénéficiaires",
        description="Renvoie la fiche minimale (identité, référent) des personnes du département qui "
        "correspondent à TOUS les critères donnés. Au moins un critère est obligatoire.",
        parameters=FILTRES,
        responses={200: BeneficiaireMinimalSerializer(many=True), 400: PROBLEM, **ERRORS},
    )
    def get(self, request):
        params = request.query_params
        vides = [name for name in CRITERES if name in params and not params[name].strip(BLANCS)]
        if vides:
            raise exceptions.ValidationError(
                {name: ["Critère vide : donnez une valeur ou retirez-le."] for name in vides}
            )
        criteria = {name: params.get(name, "").strip(BLANCS) for name in CRITERES}
        if not any(criteria.values()):
            raise exceptions.ValidationError({"criteres": "Donnez au moins un critère de recherche."})
        queryset = self.get_queryset()
        if criteria["nom"]:
            queryset = queryset.filter(nom_recherche__contains=search_text(criteria["nom"]))
        if criteria["date_naissance"]:
            from django.utils.dateparse import parse_date

            try:
                day = parse_date(criteria["date_naissance"])
            except ValueError:
                day = None
            if day is None:
                raise exceptions.ValidationError({"date_naissance": "Date attendue au format AAAA-MM-JJ."})
            queryset = queryset.filter(date_naissance=day)
        for field in ("numero_allocataire", "identifiant_france_travail", "identifiant_departement"):
            if criteria[field]:
                queryset = queryset.filter(**{field: criteria[field]})
        page = self.paginate_queryset(queryset)
        self.touched(*page)
        return self.get_paginated_response(BeneficiaireMinimalSerializer(page, many=True).data)

    @extend_schema(
        summary="Créer ou rapprocher un bénéficiaire",
        description="Cherche d'abord la personne (NIR, puis identifiant départemental, puis courriel + prénom, puis "
        "téléphone + prénom). Trouvée : 200 avec la fiche existante et la règle de rapprochement (en-tête "
        "`X-Rapprochement`). Sinon : 201, la personne est créée avec son carnet et entre dans la file "
        "d'orientation si elle a une date d'entrée au RSA. Un NIR en conflit avec la fiche trouvée : 409.",
        parameters=[IDEMPOTENCY_KEY],
        request=BeneficiaireSerializer,
        responses={
            200: BeneficiaireSerializer,
            201: BeneficiaireSerializer,
            400: PROBLEM,
            409: PROBLEM,
            422: PROBLEM,
            **ERRORS,
        },
        examples=[
            OpenApiExample(
                "Nouvelle personne",
                request_only=True,
                value={
                    "civilite": "mme",
                    "nom_usage": "Martin",
                    "prenoms": "Claire",
                    "date_naissance": "1990-05-17",
                    "courriel": "claire.martin@exemple.fr",
                    "numero_allocataire": "1234567",
                    "date_entree_rsa": "2026-10-01",
                },
            )
        ],
    )
    def post(self, request):
        return self.idempotent_create(request, lambda: self._create_or_match(request))

    def _create_or_match(self, request):
        serializer = BeneficiaireSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        nir = data.pop("nir", "")
        token = request.auth
        match = carnet_services.beneficiaire_match(
            departement=token.departement,
            nir=nir,
            identifiant_departement=data.get("identifiant_departement", ""),
            courriel=data.get("courriel", ""),
            telephone=data.get("telephone", ""),
            prenom=data.get("prenoms", ""),
        )
        if match.conflit:
            raise Conflict(match.conflit)
        if match.beneficiaire is not None:
            self.touched(match.beneficiaire)
            log_api_read(request, match.beneficiaire.carnet)
            response = Response(BeneficiaireSerializer(match.beneficiaire).data, status=status.HTTP_200_OK)
            response["X-Rapprochement"] = match.regle
            return self.with_etag(response, match.beneficiaire)
        try:
            with transaction.atomic():
                beneficiaire = carnet_services.beneficiaire_create(departement=token.departement, data=data, nir=nir)
        except (carnet_services.RegleMetier, IntegrityError) as error:
            raise Conflict(str(error) if isinstance(error, carnet_services.RegleMetier) else "Doublon.") from error
        self.touched(beneficiaire)
        log_api_read(request, beneficiaire.carnet, action=Action.CREATION)
        response = Response(BeneficiaireSerializer(beneficiaire).data, status=status.HTTP_201_CREATED)
        response["X-Rapprochement"] = "creation"
        return self.with_etag(response, beneficiaire)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflit avec une fiche existante."
    default_code = "conflict"


class BeneficiaireDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.BENEFICIAIRES_READ, "PATCH": Scope.BENEFICIAIRES_WRITE}
    serializer_class = BeneficiaireSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        beneficiaire = get_object_or_404(Beneficiaire.objects.select_related("carnet"), uid=self.kwargs["uid"])
        structure = self.request.auth.structure
        if not can_partner_read_carnet(structure, beneficiaire.carnet):
            raise exceptions.PermissionDenied(
                partner_refusal(structure, beneficiaire.carnet)
                or "Votre structure ne fait pas partie du groupe de suivi de cette personne."
            )
        self.touched(beneficiaire)
        return beneficiaire

    @extend_schema(summary="Lire un bénéficiaire", responses={200: BeneficiaireSerializer, **ERRORS})
    def get(self, request, uid):
        beneficiaire = self.get_object()
        log_api_read(request, beneficiaire.carnet)
        return self.with_etag(Response(BeneficiaireSerializer(beneficiaire).data), beneficiaire)

    @extend_schema(
        summary="Mettre à jour un bénéficiaire",
        description="Mise à jour partielle. L'en-tête If-Match (ETag lu) est obligatoire.",
        parameters=[IF_MATCH],
        request=BeneficiaireSerializer,
        responses={200: BeneficiaireSerializer, 400: PROBLEM, 409: PROBLEM, 412: PROBLEM, 428: PROBLEM, **ERRORS},
    )
    def patch(self, request, uid):
        beneficiaire = self.get_object()
        self.check_if_match(request, beneficiaire)
        serializer = BeneficiaireSerializer(beneficiaire, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        nir = data.pop("nir", None)
        try:
            carnet_services.beneficiaire_update(
                beneficiaire=beneficiaire, data=data, version=beneficiaire.version, nir=nir or None
            )
        except VersionConflict as error:
            raise PreconditionFailed() from error
        except carnet_services.RegleMetier as error:
            raise Conflict(str(error)) from error
        beneficiaire.refresh_from_db()
        return self.with_etag(Response(BeneficiaireSerializer(beneficiaire).data), beneficiaire)


def _carnet_for(request, uid):
    carnet = get_object_or_404(Carnet.objects.select_related("beneficiaire"), uid=uid)
    if not can_partner_read_carnet(request.auth.structure, carnet):
        raise exceptions.PermissionDenied(
            partner_refusal(request.auth.structure, carnet)
            or "Votre structure ne fait pas partie du groupe de suivi de cette personne."
        )
    return carnet


class CarnetResume(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.BENEFICIAIRES_READ}
    serializer_class = CarnetResumeSerializer

    @extend_schema(
        summary="Résumé du carnet de bord",
        description="Ce que votre structure peut connaître du parcours : identité, droits, groupe de suivi, contrat, "
        "prochains rendez-vous, et les situations et axes des thèmes autorisés pour votre type de structure. Jamais "
        "le NIR, les notes, les documents ni les informations de santé, de justice ou de famille.",
        responses={200: CarnetResumeSerializer, **ERRORS},
    )
    def get(self, request, uid):
        carnet = _carnet_for(request, uid)
        carnet = (
            Carnet.objects.select_related("beneficiaire")
            .prefetch_related(
                Prefetch("membres", queryset=MembreGroupe.objects.select_related("user", "structure")),
                "contrats",
                Prefetch("rendez_vous", queryset=RendezVous.objects.select_related("structure")),
                "situations__situation__theme",
                "axes__theme",
                "axes__objectifs__actions",
            )
            .get(pk=carnet.pk)
        )
        self.touched(carnet)
        log_api_read(request, carnet)
        return Response(CarnetResumeSerializer(carnet_summary(carnet, request.auth.structure)).data)


class RendezVousListCreate(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.BENEFICIAIRES_READ, "POST": Scope.RENDEZ_VOUS_WRITE}
    serializer_class = RendezVousSerializer
    pagination_class = CursorPaginationSPIE

    @extend_schema(summary="Rendez-vous d'un carnet", responses={200: RendezVousSerializer(many=True), **ERRORS})
    def get(self, request, uid):
        carnet = _carnet_for(request, uid)
        queryset = RendezVous.objects.filter(carnet=carnet).select_related("carnet", "professionnel")
        page = self.paginate_queryset(queryset)
        self.touched(carnet)
        log_api_read(request, carnet)
        return self.get_paginated_response(RendezVousSerializer(page, many=True).data)

    @extend_schema(
        summary="Créer un rendez-vous",
        description="Rendez-vous de votre structure avec la personne. `professionnel_courriel` désigne un "
        "professionnel de votre structure (par défaut : le premier membre du groupe de votre structure).",
        parameters=[IDEMPOTENCY_KEY],
        request=RendezVousSerializer,
        responses={201: RendezVousSerializer, 400: PROBLEM, 409: CARNET_CLOS, 422: PROBLEM, **ERRORS},
    )
    def post(self, request, uid):
        carnet = _carnet_for(request, uid)
        return self.idempotent_create(request, lambda: self._create(request, carnet))

    def _create(self, request, carnet):
        serializer = RendezVousSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        structure = request.auth.structure
        email = (data.pop("professionnel", None) or {}).get("email")
        # A structure acts, not a person: the event is the structure's, the appointment its professional's.
        rdv = carnet_services.rendez_vous_create(
            carnet=carnet,
            data={**data, "structure": structure, "professionnel": _professionnel(structure, carnet, email)},
            auteur=None,
            structure=structure,
        )
        self.touched(carnet, rdv)
        response = Response(RendezVousSerializer(rdv).data, status=status.HTTP_201_CREATED)
        return self.with_etag(response, rdv)


def _professionnel(structure, carnet, email):
    """The active professional of `structure` named by `email`; without one, its member of the carnet's
    group, else its first active professional."""
    memberships = Membership.objects.actifs().filter(structure=structure).select_related("user")
    membership = memberships.filter(user__email__iexact=email).first() if email else None
    if email and membership is None:
        raise exceptions.ValidationError({"professionnel_courriel": "Aucun professionnel actif de votre structure."})
    if membership is None:
        in_group = MembreGroupe.objects.actifs().filter(carnet=carnet, structure=structure).first()
        membership = memberships.filter(user_id=in_group.user_id).first() if in_group else memberships.first()
    if membership is None:
        raise exceptions.ValidationError({"professionnel_courriel": "Votre structure n'a aucun professionnel actif."})
    return membership.user


class RendezVousDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.BENEFICIAIRES_READ, "PATCH": Scope.RENDEZ_VOUS_WRITE}
    serializer_class = RendezVousSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        rdv = get_object_or_404(RendezVous.objects.select_related("carnet", "professionnel"), uid=self.kwargs["uid"])
        if not can_partner_handle_rendez_vous(self.request.auth.structure, rdv):
            raise exceptions.PermissionDenied("Ce rendez-vous n'est pas celui de votre structure.")
        self.touched(rdv)
        return rdv

    @extend_schema(summary="Lire un rendez-vous", responses={200: RendezVousSerializer, **ERRORS})
    def get(self, request, uid):
        rdv = self.get_object()
        return self.with_etag(Response(RendezVousSerializer(rdv).data), rdv)

    @extend_schema(
        summary="Saisir la présence ou déplacer un rendez-vous",
        parameters=[IF_MATCH],
        request=RendezVousSerializer,
        responses={
            200: RendezVousSerializer,
            400: PROBLEM,
            409: CARNET_CLOS,
            412: PROBLEM,
            428: PROBLEM,
            **ERRORS,
        },
    )
    def patch(self, request, uid):
        rdv = self.get_object()
        self.check_if_match(request, rdv)
        serializer = RendezVousSerializer(rdv, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("professionnel", None)
        try:
            carnet_services.rendez_vous_update(
                rendez_vous=rdv, data=data, version=rdv.version, auteur=None, structure=request.auth.structure
            )
        except VersionConflict as error:
            raise PreconditionFailed() from error
        return self.with_etag(Response(RendezVousSerializer(rdv).data), rdv)
