from django.conf import settings

from spie.navigation import nav_items


def spie(request):
    acting = getattr(request, "acting", None)
    return {
        "site_name": settings.SPIE_SITE_NAME,
        "acting": acting,
        "departement_actif": getattr(request, "departement", None),
        "structure_active": getattr(request, "structure", None),
        "nav_items": nav_items(request),
    }
