"""Errors as application/problem+json (RFC 9457), in French: the one place that writes the API's error format.

`problem_exception_handler` (DRF's EXCEPTION_HANDLER) writes the errors of the views; `not_found` (Django's
handler404, spie/urls.py) writes the 404 of a path under /api/ that no view answers (an unknown route, a malformed
identifier that the `<uuid:…>` converter does not match), so that a partner never receives an HTML page.
"""

from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler

from carnet.services.base import CarnetClos
from partenaires.auth import API_PREFIX

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


PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status_code, detail, *, instance=None, errors=None):
    body = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Erreur"),
        "status": status_code,
        "instance": instance,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(request, status_code, detail, *, errors=None):
    """A problem+json answer written outside DRF (Django's error handlers)."""
    return JsonResponse(
        problem_body(status_code, detail, instance=request.path, errors=errors),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def not_found(request, exception=None):
    """handler404: a problem+json 404 under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return problem_response(request, 404, "Aucune ressource ne correspond à cette adresse.")
    return page_not_found(request, exception)


class CarnetCloseConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "carnet_clos"


def problem_exception_handler(exc, context):
    if isinstance(exc, CarnetClos):
        exc = CarnetCloseConflict(str(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Aucune ressource ne correspond à cet identifiant.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    instance = context["request"].path if context.get("request") else None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        body = problem_body(code, str(data["detail"]), instance=instance)
    else:
        body = problem_body(
            code, "Certaines données sont invalides : voir « errors ».", instance=instance, errors=data
        )
    if code == status.HTTP_429_TOO_MANY_REQUESTS:
        body["detail"] = (
            f"Limite de requêtes atteinte pour ce jeton. Réessayez dans {response.get('Retry-After', '?')} s."
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
