"""Finding the API token of a request, before any tenant scope exists.

Called by `partenaires.middleware.PartnerTokenMiddleware` for /api/ paths, so that the token's
département becomes the request's scope exactly like a logged-in user's acting structure.
"""

from django.utils import timezone

from partenaires.models import JetonApi, hash_token

API_PREFIX = "/api/"


class TokenProblem:
    MISSING = "absent"
    INVALID = "invalide"
    EXPIRED = "expire"
    REVOKED = "revoque"


def token_from_request(request):
    """Return (token or None, problem or None). Revocation and expiry take effect at the next call."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None, TokenProblem.MISSING
    token = (
        JetonApi.unscoped_objects.select_related("departement", "structure")
        .filter(hash=hash_token(value.strip()))
        .first()
    )
    if token is None:
        return None, TokenProblem.INVALID
    if token.revoque_le is not None:
        return None, TokenProblem.REVOKED
    if token.expire_le is not None and token.expire_le <= timezone.now():
        return None, TokenProblem.EXPIRED
    if not token.departement.actif or not token.structure.actif:
        return None, TokenProblem.REVOKED
    return token, None


def mark_used(token):
    JetonApi.unscoped_objects.filter(pk=token.pk).update(dernier_usage_le=timezone.now())
