"""The access log's lifecycle: purge past the retention period, no TRUNCATE, list pages logged, reasons."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spie.audit import log_access, purger_journal
from spie.models import AccessLog, Action, Canal, MotifAcces
from spie.tasks import purger_journal_acces
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.offre.factories import PrescriptionFactory, ServiceFactory
from tests.spie.factories import MembershipFactory, StructureFactory


def _row_aged(days, *, database_clock=False):
    """A log row `days` old by the suite's clock (or by the database server's, which its triggers read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO spie_accesslog (created_at, action, canal, object_type, details, object_uids, motif) "
            "VALUES (COALESCE(%s::timestamptz, now()) - make_interval(days => %s), "
            "'consultation', 'web', 'carnet.carnet', '{}', '{}', '') "
            "RETURNING id",
            [timezone.now(), days] if not database_clock else [None, days],
        )
        return cursor.fetchone()[0]


def test_purge_deletes_rows_past_the_retention_setting_only(db, settings):
    settings.SPIE_ACCESS_LOG_RETENTION_DAYS = 200
    old, kept = _row_aged(210), _row_aged(190)
    assert purger_journal(dry_run=True).lignes == 1
    assert AccessLog.objects.filter(pk=old).exists()
    assert purger_journal_acces() == {"partitions": 0, "lignes": 1}
    assert list(AccessLog.objects.filter(pk__in=[old, kept]).values_list("pk", flat=True)) == [kept]
    # Idempotent: the second run finds nothing.
    assert purger_journal_acces() == {"partitions": 0, "lignes": 0}


def test_purge_refuses_a_retention_outside_the_legal_bounds(db, settings):
    _row_aged(100)
    for days in (30, 400):
        settings.SPIE_ACCESS_LOG_RETENTION_DAYS = days
        with pytest.raises(ImproperlyConfigured, match="entre 183 et 366 jours"):
            purger_journal()
    assert AccessLog.objects.count() == 1


def test_database_refuses_to_delete_rows_younger_than_the_floor(db):
    recent = _row_aged(150, database_clock=True)
    with pytest.raises(DatabaseError, match="conservation"), transaction.atomic():
        AccessLog.objects.filter(pk=recent).delete()
    assert AccessLog.objects.filter(pk=recent).exists()


def test_purge_task_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "spie.tasks.purger_journal_acces" in tasks


@pytest.mark.parametrize("table", ["spie_accesslog", "carnet_evenement"])
def test_append_only_tables_cannot_be_truncated(db, table):
    _row_aged(1)
    with pytest.raises(DatabaseError, match="TRUNCATE interdit"), transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL spie.vidage_autorise = 'off'")  # as the application's sessions (the suite's are on)
        c.execute(f"TRUNCATE {table}")
    assert AccessLog.objects.exists()


def test_rows_carry_the_reason_given(db, dep_a):
    entry = log_access(
        action=Action.CONSULTATION, departement=dep_a, canal=Canal.WEB, object_type="carnet.carnet", motif="urgence"
    )
    entry.refresh_from_db()
    assert entry.motif == MotifAcces.URGENCE


def _logged_pages(page):
    return list(AccessLog.objects.filter(details__page=page))


def test_portfolio_view_is_logged_once_with_the_carnets_shown(dep_a, structure_a, agent_a, client_agent_a, unscoped):
    carnets = [CarnetFactory(departement=dep_a) for _ in range(3)]
    for carnet in carnets:
        MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    outside = CarnetFactory(departement=dep_a)
    client_agent_a.get(reverse("carnet:portefeuille"))
    (row,) = _logged_pages("portefeuille")
    assert set(row.object_uids) == {c.uid for c in carnets}
    assert outside.uid not in row.object_uids
    assert (row.user_id, row.structure_id, row.departement_id) == (agent_a.pk, structure_a.pk, dep_a.pk)
    assert row.details == {"page": "portefeuille", "nombre": 3}
    # The access report of one person finds the page (GIN index on the array).
    assert AccessLog.objects.filter(object_uids__contains=[carnets[0].uid]).count() == 1


def test_structure_portfolio_is_logged(dep_a, structure_a, agent_a, unscoped):
    manager = MembershipFactory(structure=structure_a, role="responsable_structure").user
    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    logged_client(manager).get(reverse("carnet:portefeuille_structure"))
    (row,) = _logged_pages("portefeuille_structure")
    assert row.object_uids == [carnet.uid]


def test_orientation_queue_is_logged(dep_a, structure_a, unscoped):
    charge = MembershipFactory(structure=structure_a, role="charge_orientation").user
    carnets = [CarnetFactory(departement=dep_a) for _ in range(3)]
    client = logged_client(charge)
    response = client.get(reverse("orientation:file"), {"territoire": "tous"})
    shown = {row.uid for row in response.context["rows"]}
    assert shown == {c.uid for c in carnets}
    (row,) = _logged_pages("file_orientation")
    assert set(row.object_uids) == shown


def test_prescriptions_received_are_logged_at_constant_cost(dep_a, unscoped):
    association = StructureFactory(departement=dep_a, type="association")
    receveur = MembershipFactory(structure=association, role="professionnel").user
    service = ServiceFactory(structure=association)
    client = logged_client(receveur)
    url = reverse("offre:prescriptions_recues")

    def add(n):
        return [PrescriptionFactory(service=service).carnet for _ in range(n)]

    first = add(3)
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    add(3)
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(three) == len(six)
    rows = _logged_pages("prescriptions_recues")
    assert len(rows) == 3
    assert {c.uid for c in first} <= set(rows[-1].object_uids)
    assert len(rows[0].object_uids) == 6
