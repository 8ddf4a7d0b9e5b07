"""The one DRF base of the partner API: token authentication, scopes, tenant scope, ETag, idempotency.

The tenant scope is entered by `partenaires.middleware.PartnerTokenMiddleware` from the token, so querysets
of the views are the ordinary scoped managers: another département's object is a 404.
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.metadata import SimpleMetadata
from rest_framework.throttling import SimpleRateThrottle

from partenaires.api.schema import documented_query_parameters, schema_path
from partenaires.auth import TokenProblem
from partenaires.models import CleIdempotence
from spie.idempotency import idempotent_create

TOKEN_MESSAGES = {
    TokenProblem.MISSING: "Authentification requise : envoyez « Authorization: Bearer <jeton> ».",
    TokenProblem.INVALID: "Jeton d'API inconnu.",
    TokenProblem.EXPIRED: "Ce jeton d'API a expiré : demandez-en un nouveau à l'administrateur du département.",
    TokenProblem.REVOKED: "Ce jeton d'API a été révoqué.",
}


class PartenaireUser:
    """The identity of a token for DRF: authenticated, not a person."""

    is_authenticated = True
    is_anonymous = False
    pk = None

    def __init__(self, token):
        self.token = token

    def __str__(self):
        return f"jeton {self.token.prefixe}"


class JetonAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = getattr(request._request, "api_token", None)
        if token is None:
            problem = getattr(request._request, "api_token_problem", TokenProblem.MISSING)
            raise exceptions.AuthenticationFailed(TOKEN_MESSAGES[problem])
        return PartenaireUser(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class HasScope(permissions.BasePermission):
    """The token must hold the scope the view declares for the method (`required_scopes`)."""

    message = "Ce jeton n'a pas le droit nécessaire pour cette opération."

    def has_permission(self, request, view):
        scope = view.required_scope(request)
        if scope and not request.auth.a_le_droit(scope):
            self.message = f"Ce jeton n'a pas le droit « {scope} » nécessaire pour cette opération."
            return False
        return True


class JetonRateThrottle(SimpleRateThrottle):
    """Per token; the answer carries Retry-After."""

    scope = "jeton"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        return f"throttle_jeton_{token.pk}" if token is not None else None


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    # An entity tag as RFC 9110 writes it (optionally weak, always quoted): `*` (any version) is refused.
    pattern='^(W/)?"[^"]*"$',
    description="ETag de la version lue (réponse du GET). Sans lui ou avec `*` : 428 ; périmé : 412.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Clé choisie par le client pour rejouer un POST sans effet double (même corps : même réponse, "
    "rien de nouveau créé ; autre corps : 422).",
)


class PartnerMetadata(SimpleMetadata):
    """OPTIONS: the resource's name, formats and the address of the documentation. DRF's default would describe
    the fields of a serializer, which not every view has (the offer is described by the data·inclusion package's
    models): the published schema is where fields are documented."""

    def determine_metadata(self, request, view):
        return {**super().determine_metadata(request, view), "documentation": "/api/v1/docs/"}

    def determine_actions(self, request, view):
        return {}


class PartnerAPIMixin:
    """Shared behaviour of every partner view. `scopes` maps HTTP methods to the scope they need."""

    authentication_classes = [JetonAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasScope]
    throttle_classes = [JetonRateThrottle]
    metadata_class = PartnerMetadata
    scopes: dict = {}

    def required_scope(self, request):
        # HEAD runs the GET handler (DRF): it needs the GET scope, else it would answer without any.
        method = "GET" if request.method == "HEAD" else request.method
        return self.scopes.get(method, self.scopes.get("*"))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL refuses NUL characters in text: a filter holding one is a bad request, not a server error.
        invalides = sorted(name for name, value in request.query_params.items() if "\x00" in value)
        if invalides:
            raise exceptions.ValidationError(
                {name: ["Le paramètre contient un caractère nul, refusé."] for name in invalides}
            )
        # A parameter the operation does not document is refused, not ignored: a misspelt filter would otherwise
        # return everything (HEAD and OPTIONS, not in the schema, are not checked).
        documentes = documented_query_parameters().get((request.method, schema_path(request.resolver_match.route)))
        if documentes is not None:
            inconnus = sorted(set(request.query_params) - documentes)
            if inconnus:
                raise exceptions.ValidationError(
                    {
                        name: ["Paramètre inconnu de cette opération (voir la documentation de l'API)."]
                        for name in inconnus
                    }
                )

    def touched(self, *objects):
        """Record the objects a call reads or writes in the call log (by uid only)."""
        self.request._request.api_objects.extend(str(getattr(o, "uid", o)) for o in objects if o is not None)

    # --- ETag and If-Match (no lost update) -------------------------------------------------

    @staticmethod
    def etag_of(obj):
        return f'"{obj.uid}-{obj.version}"'

    def check_if_match(self, request, obj):
        header = request.headers.get("If-Match")
        if not header:
            raise PreconditionRequired()
        if header.strip() == "*":
            # "Any version" would skip the check that prevents lost updates: the version read is required.
            raise PreconditionRequired(
                "If-Match: * n'est pas accepté : renvoyez l'ETag de la version que vous avez lue."
            )
        if header.strip().removeprefix("W/") != self.etag_of(obj):
            raise PreconditionFailed()

    def with_etag(self, response, obj):
        response["ETag"] = self.etag_of(obj)
        return response

    # --- Idempotency-Key (safe retries) -----------------------------------------------------

    def idempotent_create(self, request, create, *, fingerprint=None):
        """Run `create()` (returning a Response) once per Idempotency-Key of the token (`spie.idempotency`)."""
        return idempotent_create(
            request, create, records=CleIdempotence, owner={"jeton": request.auth}, fingerprint=fingerprint
        )


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "En-tête If-Match obligatoire : renvoyez l'ETag de la version que vous avez lue."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "La ressource a changé depuis votre lecture : relisez-la avant de la modifier."
    default_code = "precondition_failed"
