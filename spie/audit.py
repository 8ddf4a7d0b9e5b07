"""Writing the access log: every read of a person's data and every change of accounts goes here."""

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from spie.models import AccessLog, Action, Canal
from spie.models.audit import ACCESS_LOG_MAX_RETENTION_DAYS, ACCESS_LOG_MIN_RETENTION_DAYS


def _object_type(obj):
    return obj._meta.label_lower


def log_access(
    *,
    action,
    obj=None,
    request=None,
    user=None,
    departement=None,
    structure=None,
    canal=None,
    object_type=None,
    details=None,
    api_token_id=None,
    motif="",
):
    """Append one row to the access log.

    With a request, the user, département and acting structure come from it; `obj` gives the
    object type and uid; `motif` is the reason code the user gave (`MotifAcces`), if any. `details` must never
    contain personal data (field names, counts only).
    """
    if request is not None:
        user = user or (request.user if request.user.is_authenticated else None)
        departement = departement or getattr(request, "departement", None)
        structure = structure or getattr(request, "structure", None)
        if canal is None:
            canal = Canal.ADMIN if request.path.startswith("/admin-nationale/") else Canal.WEB
    if departement is None and obj is not None:
        departement_id = getattr(obj, "departement_id", None)
    else:
        departement_id = departement.pk if departement is not None else None
    return AccessLog.objects.create(
        user=user,
        departement_id=departement_id,
        structure=structure,
        api_token_id=api_token_id,
        action=action,
        canal=canal or Canal.COMMANDE,
        object_type=object_type or (_object_type(obj) if obj is not None else ""),
        object_uid=getattr(obj, "uid", None),
        motif=motif,
        details=details or {},
    )


def _log_uids(request, *, action, uids, object_type, details):
    """One row for a set of objects a page showed or a file carried (by uid), from the request's context."""
    user = request.user if request.user.is_authenticated else None
    departement = getattr(request, "departement", None)
    return AccessLog.objects.create(
        user=user,
        departement_id=getattr(departement, "pk", None),
        structure=getattr(request, "structure", None),
        action=action,
        canal=Canal.WEB,
        object_type=object_type,
        object_uids=[uid for uid in uids if uid is not None],
        details=details,
    )


def log_list_view(request, *, page, uids, object_type="carnet.carnet"):
    """A list page (portfolio, orientation queue, prescriptions received) revealed these carnets: one row for the
    page view, with the uids shown, so that a person's access report finds the pages that listed them and the
    cost of a page does not grow with its length."""
    details = {"page": page, "nombre": len(uids)}
    return _log_uids(request, action=Action.CONSULTATION, uids=uids, object_type=object_type, details=details)


def log_export(request, *, page, uids, format, object_type="carnet.carnet"):
    """A file of a list left the platform: one row with the uids it holds, its format and its row count."""
    details = {"page": page, "format": format, "lignes": len(uids)}
    return _log_uids(request, action=Action.EXPORT, uids=uids, object_type=object_type, details=details)


def log_access_many(*, action, objects, departement, structure=None, canal, api_token_id=None, details=None):
    """`log_access` for every object of a list page, in one INSERT: one row per object, so that the log of
    a person's file shows the page that revealed it, and the query count of a list does not grow with it."""
    rows = [
        AccessLog(
            user=None,
            departement_id=departement.pk,
            structure=structure,
            api_token_id=api_token_id,
            action=action,
            canal=canal,
            object_type=_object_type(obj),
            object_uid=obj.uid,
            details=details or {},
        )
        for obj in objects
    ]
    return AccessLog.objects.bulk_create(rows) if rows else []


def retention_days():
    days = settings.SPIE_ACCESS_LOG_RETENTION_DAYS
    if not ACCESS_LOG_MIN_RETENTION_DAYS <= days <= ACCESS_LOG_MAX_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"SPIE_ACCESS_LOG_RETENTION_DAYS vaut {days} : la durée de conservation du journal des accès doit être "
            f"comprise entre {ACCESS_LOG_MIN_RETENTION_DAYS} et {ACCESS_LOG_MAX_RETENTION_DAYS} jours."
        )
    return days


def preparer_partitions(mois=3):
    """Create the access log's partitions of this month and the `mois` next ones; returns how many were created.

    Idempotent. The database function is SECURITY DEFINER: the application's role may run it without DDL rights.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT spie_journal_partitions(%s)", [mois])
        return cursor.fetchone()[0]


class Purge(NamedTuple):
    partitions: int  # whole months dropped (their rows are not counted: a count would cost as much as a DELETE)
    lignes: int  # rows deleted one by one (the month that straddles the limit, the default partition)


def purger_journal(*, dry_run=False):
    """Remove the access-log rows older than the retention period; returns a `Purge`.

    Whole months go by dropping their partition, the rest row by row (`spie_journal_purger`, migration spie.0011).
    The dry run counts what would go: the partitions, and every row (those of the partitions included). Idempotent:
    a second run removes nothing. The database refuses any limit younger than the legal floor, so a wrong setting
    cannot empty the recent log.
    """
    limite = timezone.now() - timedelta(days=retention_days())
    with transaction.atomic(), connection.cursor() as cursor:
        if dry_run:
            cursor.execute(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'spie_accesslog'::regclass AND c.relname ~ '^spie_accesslog_p[0-9]{6}$' "
                "AND to_date(substr(c.relname, 17), 'YYYYMM')::timestamp AT TIME ZONE 'UTC' "
                "+ interval '1 month' <= %s",
                [limite],
            )
            return Purge(cursor.fetchone()[0], AccessLog.objects.filter(created_at__lt=limite).count())
        cursor.execute("SELECT partitions, lignes FROM spie_journal_purger(%s)", [limite])
        return Purge(*cursor.fetchone())
