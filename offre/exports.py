"""What the catalogue publishes (the data·inclusion export, the partner API): published services and the
structures that carry them, in a stable order."""

from offre.models import Service
from spie.models import Structure


def services_exportes():
    return Service.objects.publies().select_related("structure").defer("mots", "zone_keys").order_by("di_id")


def structures_exportees():
    """Structures that carry at least one published service of the département."""
    return (
        Structure.objects.filter(actif=True, services__in=Service.objects.publies())
        .distinct()
        .select_related("commune")
        .order_by("di_id")
    )
