"""OpenAPI documentation shared by the partner API resources: the problem+json body and its examples.

The errors themselves are written by `partenaires.api.errors.problem_exception_handler`; this module only
describes them, with one French example per status, so that a partner's developer sees what to expect.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from partenaires.api.base import TOKEN_MESSAGES
from partenaires.api.errors import TITLES
from partenaires.auth import TokenProblem


class ProblemeSerializer(serializers.Serializer):
    """An error, application/problem+json (RFC 9457)."""

    type = serializers.CharField(help_text="Toujours « about:blank » : le statut et « title » qualifient l'erreur.")
    title = serializers.CharField(help_text="Intitulé de l'erreur.")
    status = serializers.IntegerField(help_text="Statut HTTP de la réponse.")
    instance = serializers.CharField(allow_null=True, help_text="Chemin de la requête.")
    detail = serializers.CharField(help_text="Explication en français, à afficher telle quelle.")
    errors = serializers.JSONField(
        required=False, help_text="Requête invalide (400) : messages par champ (nom du champ → liste de messages)."
    )


def probleme(status, description, detail, *, chemin="/api/v1/…", errors=None, nom=None):
    """The documented error response `status`, with one example."""
    value = {"type": "about:blank", "title": TITLES[status], "status": status, "instance": chemin, "detail": detail}
    if errors is not None:
        value["errors"] = errors
    return OpenApiResponse(
        response=ProblemeSerializer,
        description=description,
        examples=[OpenApiExample(nom or TITLES[status], value=value, response_only=True, status_codes=[str(status)])],
    )


def erreurs_communes(scope, *, objet=True):
    """401, 403 (missing scope or another structure's object), 404 (unknown object, or another
    département's) and 429, documented for every operation of a resource needing `scope`."""
    responses = {
        401: probleme(
            401,
            "Jeton absent, inconnu, expiré ou révoqué.",
            TOKEN_MESSAGES[TokenProblem.MISSING],
        ),
        403: probleme(
            403,
            f"Le jeton n'a pas le droit « {scope} »"
            + (", ou l'objet ne concerne pas votre structure." if objet else "."),
            f"Ce jeton n'a pas le droit « {scope} » nécessaire pour cette opération.",
        ),
        404: probleme(
            404,
            "Aucun objet de votre département ne porte cet identifiant (un objet d'un autre département répond "
            "toujours 404), ou curseur de pagination invalide.",
            "Aucune ressource ne correspond à cet identifiant.",
        ),
        429: probleme(
            429,
            "Limite de requêtes du jeton atteinte : réessayez après le délai de l'en-tête Retry-After.",
            "Limite de requêtes atteinte pour ce jeton. Réessayez dans 12 s.",
        ),
    }
    return responses


def requete_invalide(
    champ, message, description="Paramètres ou corps invalides : messages par champ dans « errors »."
):
    return probleme(
        400,
        description,
        "Certaines données sont invalides : voir « errors ».",
        errors={champ: [message]},
    )


PRECONDITION_REQUISE = probleme(
    428,
    "En-tête If-Match absent : renvoyez l'ETag de votre lecture.",
    "En-tête If-Match obligatoire : renvoyez l'ETag de la version que vous avez lue.",
)
PRECONDITION_ECHOUEE = probleme(
    412,
    "L'objet a changé depuis votre lecture (ETag périmé) : relisez-le, puis réessayez.",
    "La ressource a changé depuis votre lecture : relisez-la avant de la modifier.",
)
CLE_REUTILISEE = probleme(
    422,
    "Cette clé d'idempotence a déjà servi pour une autre requête (autre corps ou autre adresse).",
    "Cette clé d'idempotence a déjà servi pour une autre requête.",
)

ETAG_REPONSE = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="Version de l'objet lu ou écrit, à renvoyer dans l'en-tête If-Match d'une modification.",
)
REJEU = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="« true » quand la réponse est celle, rejouée, d'une requête précédente de même Idempotency-Key.",
)
