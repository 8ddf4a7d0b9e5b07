from django.conf import settings
from django.core.cache import cache

from spie.models import Notification
from spie.navigation import nav_items


def spie(request):
    acting = getattr(request, "acting", None)
    return {
        "site_name": settings.SPIE_SITE_NAME,
        "acting": acting,
        "departement_actif": getattr(request, "departement", None),
        "structure_active": getattr(request, "structure", None),
        "nav_items": nav_items(request),
        "notifications_non_lues": _unread(request),
    }


def _unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    # Cached: every page shows the bell; notify() and the "read" views drop the key.
    return cache.get_or_set(
        unread_cache_key(user.pk), lambda: Notification.objects.filter(user=user, lue_le=None).count(), 300
    )


def unread_cache_key(user_id):
    return f"spie:notifications-non-lues:{user_id}"
