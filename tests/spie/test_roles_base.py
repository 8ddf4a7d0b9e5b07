"""The application's database role, against the real PostgreSQL: it writes, but cannot rewrite history.

The role is created and granted inside the test's transaction (CREATE ROLE and GRANT are transactional), so the
rollback at the end leaves the cluster as it was; its name carries the test database's, so that parallel workers
do not share it.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from spie.audit import log_access, preparer_partitions, purger_journal
from spie.models import AccessLog, Action, Canal, Departement


@pytest.fixture
def role_application(db):
    role = f"app_{connection.settings_dict['NAME']}"[:60]
    call_command("configurer_roles", application=role, creer=True, stdout=StringIO())
    return role


def _as(role):
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')


def _refused(statement):
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    return str(refused.value)


def _partition_courante():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'spie_accesslog'::regclass AND c.relname ~ '_p[0-9]{6}$' ORDER BY 1 DESC LIMIT 1"
        )
        return cursor.fetchone()[0]


def test_application_role_writes_but_cannot_rewrite_the_access_log(role_application, dep_a):
    partition = _partition_courante()
    _as(role_application)
    entry = log_access(action=Action.CONSULTATION, departement=dep_a, canal=Canal.WEB, object_type="carnet.carnet")
    assert AccessLog.objects.filter(pk=entry.pk).exists()
    Departement.objects.filter(pk=dep_a.pk).update(nom="Seine-Maritime (76)")  # ordinary tables: read and write

    for statement in (
        "UPDATE spie_accesslog SET motif = 'urgence'",
        "DELETE FROM spie_accesslog",
        "TRUNCATE spie_accesslog",
        f"TRUNCATE {partition}",
        f"DELETE FROM {partition}",
        "UPDATE carnet_evenement SET resume = ''",
        "TRUNCATE carnet_evenement",
    ):
        assert "permission denied" in _refused(statement), statement
    for statement in (
        "ALTER TABLE spie_accesslog DISABLE TRIGGER ALL",
        "DROP TRIGGER spie_accesslog_append_only ON spie_accesslog",
        f"DROP TABLE {partition}",
        "CREATE TABLE spie_porte_derobee (id int)",
    ):
        message = _refused(statement)
        assert "must be owner" in message or "permission denied" in message, statement


def test_application_role_runs_the_partitions_and_the_purge(role_application, settings):
    settings.SPIE_ACCESS_LOG_RETENTION_DAYS = 200
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO spie_accesslog (created_at, action, canal, object_type, details) "
            "VALUES (%s, 'consultation', 'web', 'carnet.carnet', '{}')",
            [timezone.now() - timedelta(days=400)],
        )
        # A month long past, in its own partition (as the migration makes for the months that hold rows).
        cursor.execute(
            "CREATE TABLE spie_accesslog_p202401 PARTITION OF spie_accesslog "
            "FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-02-01 00:00+00')"
        )
        cursor.execute(
            "INSERT INTO spie_accesslog (created_at, action, canal, object_type, details) "
            "VALUES ('2024-01-15 12:00+00', 'consultation', 'web', 'carnet.carnet', '{}')"
        )
    _as(role_application)
    preparer_partitions(6)
    assert preparer_partitions(6) == 0  # idempotent
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_char(now() AT TIME ZONE 'UTC' + interval '6 months', 'YYYYMM')")
        assert AccessLog.objects.exists() and _existe(f"spie_accesslog_p{cursor.fetchone()[0]}")
    assert purger_journal(dry_run=True) == (1, 2)  # a month, and every row to go (its own included)
    assert purger_journal() == (1, 1)  # the month dropped whole, one row deleted from the default partition
    assert not _existe("spie_accesslog_p202401")
    assert purger_journal() == (0, 0)


def _existe(relation):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [relation])
        return cursor.fetchone()[0]


def test_the_owner_and_the_application_must_differ(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="distinct du propriétaire"):
        call_command("configurer_roles", application=owner)


def test_an_unknown_role_is_refused_unless_created(db):
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("configurer_roles", application="role_qui_n_existe_pas")


def test_application_role_anonymises_a_timeline_only_through_its_function(role_application, dep_a):
    """The timeline's one exception: `carnet_evenement_anonymiser` (one carnet); setting the flag by hand gives the
    application's role nothing, since it has no UPDATE or DELETE on the table."""
    from carnet.models import Evenement
    from tests.carnet.factories import CarnetFactory

    carnet, autre = CarnetFactory(departement=dep_a), CarnetFactory(departement=dep_a)
    for c in (carnet, autre):
        Evenement.unscoped_objects.create(departement=dep_a, carnet=c, type="carnet_cree", resume="Carnet créé")
    _as(role_application)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL spie.anonymisation = 'on'")
    assert "permission denied" in _refused("UPDATE carnet_evenement SET resume = ''")
    with connection.cursor() as cursor:
        cursor.execute("SELECT carnet_evenement_anonymiser(%s, false)", [carnet.pk])
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT current_setting('spie.anonymisation', true)")
        assert cursor.fetchone()[0] == "off"
    assert list(Evenement.unscoped_objects.filter(carnet=carnet).values_list("resume", flat=True)) == [""]
    assert list(Evenement.unscoped_objects.filter(carnet=autre).values_list("resume", flat=True)) == ["Carnet créé"]
