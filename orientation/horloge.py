"""The legal orientation clock (D.262-65-2 CASF, décret 2024-1244): six weeks at most from the day the
département received the information that the person's right was opened or transferred into it; past the
deadline France Travail orients the person.

One rule, used by the queue (SQL), the dossier page, the daily takeover task and the 4- and 5-week alerts:

- the clock starts on the dossier's `date_reception_information` when someone recorded it (the flux, the API
  or an agent: a transfer restarts it); without it, on the day the platform learned of the person's right:
  the carnet's creation day, never before the RSA entry date;
- the deadline is that day + the département's `delai_orientation_legal_jours` (42 at most), frozen on the
  dossier when the clock is recorded so that a later change of the setting does not move a running clock;
- the last day to orient is the deadline itself; from the next day the dossier is "orientation par France
  Travail".
"""

import datetime

from django.db.models import DateField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

DELAI_LEGAL_MAXIMUM = 42
ALERTES_SEMAINES = (4, 5)


def delai_legal(departement) -> int:
    if departement is None:
        return DELAI_LEGAL_MAXIMUM
    return min(departement.delai_orientation_legal_jours or DELAI_LEGAL_MAXIMUM, DELAI_LEGAL_MAXIMUM)


def date_limite(date_reception: datetime.date, departement) -> datetime.date:
    return date_reception + datetime.timedelta(days=delai_legal(departement))


def reception_par_defaut(carnet) -> datetime.date:
    """The day the platform learned of the right, for a carnet whose dossier has no recorded date."""
    cree = timezone.localdate(carnet.created_at)
    entree = carnet.beneficiaire.date_entree_rsa
    return max(cree, entree) if entree else cree


def annoter(queryset, departement, *, carnet_prefix=""):
    """Annotate carnets (already annotated with the FilteredRelation `dossier`, see `orientation.queue`) with
    `date_reception` and `date_limite` of their clock."""
    p = carnet_prefix
    queryset = queryset.annotate(
        date_reception=Coalesce(
            F("dossier__date_reception_information"),
            # GREATEST ignores NULLs in PostgreSQL: the creation day when the entry date is unknown.
            Greatest(F(f"{p}beneficiaire__date_entree_rsa"), TruncDate(f"{p}created_at")),
            output_field=DateField(),
        )
    )
    # date + integer is a date in PostgreSQL.
    return queryset.annotate(
        date_limite=Coalesce(
            F("dossier__date_limite_orientation"),
            ExpressionWrapper(F("date_reception") + Value(delai_legal(departement)), output_field=DateField()),
            output_field=DateField(),
        )
    )


def jours_restants(limite: datetime.date | None, today=None) -> int | None:
    """Days left before the deadline: 0 on the last day, negative once past."""
    if limite is None:
        return None
    return (limite - (today or timezone.localdate())).days


def jour_france_travail(limite: datetime.date) -> datetime.date:
    """The first day France Travail orients: the day after the deadline."""
    return limite + datetime.timedelta(days=1)
