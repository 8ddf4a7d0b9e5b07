"""Shared machinery of the anonymisation of a person (carnet/services/anonymisation.py orchestrates it).

Each app blanks its own tables with `effacer`, naming the fields it empties and the dates it keeps to their month:
the lists are explicit, so that a personal field added later is left holding its value and the completeness test
(tests/carnet/test_anonymisation.py, which finds the fields by introspection) fails until its app names it.
Dates are kept to the first day of their month (UTC) for the statistics; codes, counters, flags, identifiers and
foreign keys stay. Files are deleted from storage once the transaction commits (never before: a rollback keeps them).
"""

import datetime

from django.db import models, transaction
from django.db.models.functions import TruncMonth, TruncYear

UTC = datetime.UTC


def valeur_vide(field):
    """The empty value of a field: None when it may be null, else the empty string, list or dict."""
    if field.null:
        return None
    if field.get_internal_type() == "ArrayField":
        return []
    if field.get_internal_type() == "JSONField":
        return field.get_default() if isinstance(field.get_default(), list | dict) else {}
    return ""


def _tronquer(model, name, fonction=TruncMonth):
    field = model._meta.get_field(name)
    if isinstance(field, models.DateTimeField):
        return fonction(name, tzinfo=UTC)
    return fonction(name)


def effacer(queryset, *, vider=(), mois=(), annees=(), **valeurs) -> int:
    """Empty the fields `vider`, keep the dates `mois` to their month (and `annees` to their year), set the other
    given values; one UPDATE, returns the rows changed."""
    model = queryset.model
    updates = {name: valeur_vide(model._meta.get_field(name)) for name in vider}
    updates.update({name: _tronquer(model, name) for name in mois})
    updates.update({name: _tronquer(model, name, TruncYear) for name in annees})
    updates.update(valeurs)
    return queryset.update(**updates)


def au_mois(value) -> bool:
    """Whether a date or datetime was kept to its month (the first day, at midnight UTC)."""
    if value is None:
        return True
    if isinstance(value, datetime.datetime):
        value = value.astimezone(UTC)
        return value.day == 1 and value.time() == datetime.time(0)
    return value.day == 1


def supprimer_fichiers_apres_commit(fichiers):
    """Delete the stored files once the transaction commits; `fichiers` are FieldFile values (storage and name)."""
    a_supprimer = [(f.storage, f.name) for f in fichiers if f and f.name]

    def supprimer():
        for storage, name in a_supprimer:
            storage.delete(name)

    transaction.on_commit(supprimer)
    return len(a_supprimer)


def debut_du_mois(jour=None):
    """Midnight UTC on the first day of the current month (ended memberships are dated to their month)."""
    from django.utils import timezone

    now = jour or timezone.now()
    return datetime.datetime(now.year, now.month, 1, tzinfo=UTC)
