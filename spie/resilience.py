"""What the user sees when PostgreSQL or Redis is out of reach: a clean 503 page in French, never a 500.

- `server_error` (handler500): an uncaught database connection error (PostgreSQL restarting, failing over) or
  Redis error becomes a 503 page with `Retry-After`; the request's transaction was rolled back (ATOMIC_REQUESTS),
  so nothing is half-written, and Django opens a new connection for the next request (the broken one is closed at
  the end of the request; `CONN_HEALTH_CHECKS` checks a kept one before use).
- `AccountsNeedCacheMiddleware`: the login and the other account forms are rate-limited in Redis (allauth); with
  Redis down they would run unlimited (the cache answers as empty, spie/cache.py). They fail closed instead: a
  POST under /comptes/ is refused with a 503 page that says why.
"""

import logging
import sys

import redis
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.template import loader
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
INDISPONIBLE = "Service momentanément indisponible"
MESSAGE_BASE = (
    "La base de données ne répond pas en ce moment (redémarrage ou bascule en cours). Votre dernière action n'a "
    "pas été enregistrée."
)
MESSAGE_CONNEXION = (
    "La connexion est momentanément impossible : le service qui protège les comptes contre les essais de mots de "
    "passe ne répond pas. Réessayez dans quelques minutes."
)


def unavailable(request, *, titre, message, status=503):
    from django.http import HttpResponse

    template = loader.get_template("503.html")
    retour = request.get_full_path() if request.method == "GET" else "/"
    body = template.render({"titre": titre, "message": message, "retour": retour})
    response = HttpResponse(body, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_outage(exc) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError))


def server_error(request, template_name="500.html"):
    exc = sys.exc_info()[1]
    if is_outage(exc):
        logger.warning("Panne d'une dépendance pendant %s : %s", request.path, type(exc).__name__)
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            response = JsonResponse({"detail": INDISPONIBLE + ". " + MESSAGE_BASE}, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return unavailable(request, titre=INDISPONIBLE, message=MESSAGE_BASE)
    return django_server_error(request, template_name)


class AccountsNeedCacheMiddleware:
    PREFIX = "/comptes/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path.startswith(self.PREFIX) and not _cache_answers():
            logger.warning("Formulaire de compte refusé : cache indisponible (%s).", request.path)
            return unavailable(request, titre="Connexion momentanément impossible", message=MESSAGE_CONNEXION)
        return self.get_response(request)


def _cache_answers() -> bool:
    ping = getattr(cache, "ping", None)
    return ping() if ping is not None else True
