from django.conf import settings

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
    # One indexed COUNT (notification_non_lue_idx) per page.
    return Notification.objects.filter(user=user, lue_le=None).count()
