"""Fixed-window counters in the cache (Redis): login, codes and uploads of the person's space."""

import hashlib

from django.core.cache import cache

LIMITES = {
    # action: (number of attempts, window in seconds)
    "connexion": (20, 10 * 60),
    "code": (10, 10 * 60),
    "envoi_document": (10, 60 * 60),
    "lien": (20, 10 * 60),
}
MESSAGE = "Trop d'essais en peu de temps. Attendez quelques minutes, puis réessayez."


def _client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


def autorise(request, action, cle="") -> bool:
    """Count one attempt of `action` for this client (and `cle`); False once the window's limit is passed."""
    nombre, fenetre = LIMITES[action]
    ident = hashlib.sha256(f"{_client_ip(request)}|{cle}".encode()).hexdigest()[:32]
    key = f"usager-limite:{action}:{ident}"
    cache.add(key, 0, timeout=fenetre)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=fenetre)
        count = 1
    return count <= nombre
