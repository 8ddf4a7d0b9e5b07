"""The portfolio's filters, as conditions on carnets: shared by the carnet and group-row querysets."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

# The portfolio's filters ("Mes bénéficiaires", the structure's portfolio, the weekly digest).
FILTRES_PORTEFEUILLE = ("sans_rdv", "fin_contrat", "sans_contrat", "nouveaux", "clos")


def filtre_portefeuille(filtre, jours=None, prefix=""):
    """The condition of a portfolio filter on carnets (`prefix` "carnet__" from a related row).

    The portfolio lists the people accompanied: closed carnets only appear under their own filter ("clos"). It
    reads the carnet's denormalised dates (kept by the services), so that every page costs the same few queries
    whatever the size of the portfolio."""
    if filtre == "clos":
        return Q(**{f"{prefix}cloture_le__isnull": False})
    condition = _filtre_actif(filtre, jours, prefix)
    ouverts = Q(**{f"{prefix}cloture_le__isnull": True})
    return ouverts if condition is None else ouverts & condition


def _filtre_actif(filtre, jours, prefix):
    now = timezone.now()
    today = timezone.localdate()
    field = lambda name: f"{prefix}{name}"  # noqa: E731
    if filtre == "sans_rdv":
        limite = now - timedelta(days=jours or 60)
        return (Q(**{field("dernier_rendez_vous__lt"): limite}) | Q(**{field("dernier_rendez_vous"): None})) & Q(
            **{field("prochain_rendez_vous"): None}
        )
    if filtre == "fin_contrat":
        return Q(
            **{
                field("fin_contrat_en_cours__gte"): today,
                field("fin_contrat_en_cours__lte"): today + timedelta(days=30),
            }
        )
    if filtre == "sans_contrat":
        return Q(**{field("fin_contrat_en_cours"): None})
    if filtre == "nouveaux":
        return Q(**{field("created_at__gte"): now.replace(day=1, hour=0, minute=0, second=0)})
    return None
