"""The access log is append-only at the database level, whatever the application code does."""

import pytest
from django.db import DatabaseError, connection, transaction

from spie.audit import log_access
from spie.models import AccessLog, Action, Canal
from tests.spie.factories import DepartementFactory, UserFactory


@pytest.fixture
def entry(db):
    return log_access(
        action=Action.CONSULTATION,
        user=UserFactory(),
        departement=DepartementFactory(),
        canal=Canal.WEB,
        object_type="carnet.carnet",
    )


def test_access_log_rows_cannot_be_updated(entry):
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(action=Action.SUPPRESSION)
    entry.refresh_from_db()
    assert entry.action == Action.CONSULTATION


def test_access_log_rows_cannot_be_updated_with_raw_sql(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE spie_accesslog SET user_id = NULL WHERE id = %s", [entry.pk])


def test_recent_access_log_rows_cannot_be_deleted(entry):
    with pytest.raises(DatabaseError, match="conservation"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()
    assert AccessLog.objects.filter(pk=entry.pk).exists()


def test_rows_past_retention_can_be_purged(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO spie_accesslog (created_at, action, canal, object_type, details) "
            "VALUES (now() - interval '400 days', 'consultation', 'web', 'carnet.carnet', '{}') RETURNING id"
        )
        old_id = cursor.fetchone()[0]
    AccessLog.objects.filter(pk=old_id).delete()
    assert not AccessLog.objects.filter(pk=old_id).exists()


def test_server_time_is_set_by_the_database(entry):
    entry.refresh_from_db()
    assert entry.created_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT now() - created_at < interval '1 minute' FROM spie_accesslog WHERE id = %s", [entry.pk])
        assert cursor.fetchone()[0] is True
