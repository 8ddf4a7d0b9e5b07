"""Errors as application/problem+json (RFC 9457), in French."""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Ressource introuvable",
    405: "Méthode non autorisée",
    406: "Format non disponible",
    409: "Conflit",
    412: "Précondition non remplie",
    415: "Type de contenu non pris en charge",
    422: "Requête impossible à traiter",
    428: "Précondition requise",
    429: "Trop de requêtes",
}


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"
    format = "problem"


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Aucune ressource ne correspond à cet identifiant.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    body = {
        "type": "about:blank",
        "title": TITLES.get(code, "Erreur"),
        "status": code,
        "instance": context["request"].path if context.get("request") else None,
    }
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = "Certaines données sont invalides : voir « errors »."
        body["errors"] = data
    if code == status.HTTP_429_TOO_MANY_REQUESTS:
        body["detail"] = (
            f"Limite de requêtes atteinte pour ce jeton. Réessayez dans {response.get('Retry-After', '?')} s."
        )
    response.data = body
    response.content_type = "application/problem+json"
    return response
