"""Strict test set-up: real PostgreSQL and Redis, three personas, tenant scope explicit.

Personas (CONVENTIONS.md): an agent of the département A, a partner agent of the same département
with limited rights, an agent of another département B.
"""

import datetime
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.test import Client

from spie.tenancy import all_departements, departement_scope
from tests.clamav.server import clamd, clamd_socket  # noqa: F401 (fixtures)
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory, TotpFactory

# Every unit test runs at this instant (then the clock ticks on), whatever the day the suite runs: an expectation
# built from "today" holds or fails the same way on every day of the month. SPIE_TEST_NOW runs the suite at
# another instant (ISO 8601 with its offset), to look for tests that only pass on some days:
#   SPIE_TEST_NOW=2027-01-01T00:10:00+01:00 python3 tasks.py test
# A test whose expectations are written out for one instant (a literal date in a message) says so with
# @pytest.mark.clock("2026-12-07T09:30:00+01:00"): it runs there whatever SPIE_TEST_NOW says.
# The browser journeys (marker e2e) drive servers in other processes, on the machine's clock: not frozen.
TEST_NOW = datetime.datetime.fromisoformat(os.environ.get("SPIE_TEST_NOW") or "2026-12-07T09:30:00+01:00")


@receiver(connection_created)
def _allow_the_flush_of_append_only_tables(sender, connection, **kwargs):
    """Transactional tests end with a flush (TRUNCATE of every table): the append-only tables refuse it unless the
    session allows it (`spie_refuse_truncate`). Only the suite's sessions do; the test of the refusal turns it off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET spie.vidage_autorise = 'on'")


@pytest.fixture(autouse=True)
def _clock(request):
    if request.node.get_closest_marker("e2e"):
        yield None
        return
    marker = request.node.get_closest_marker("clock")
    instant = datetime.datetime.fromisoformat(marker.args[0]) if marker else TEST_NOW
    with time_machine.travel(instant, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and sessions live in Redis: each test starts clean (each xdist worker has its own db).
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }


@pytest.fixture
def unscoped():
    """Tests build data across départements: the explicit all-départements scope."""
    with all_departements():
        yield


@pytest.fixture
def dep_a(db):
    return DepartementFactory(code="76", nom="Seine-Maritime")


@pytest.fixture
def dep_b(db):
    return DepartementFactory(code="08", nom="Ardennes")


@pytest.fixture
def scope_a(dep_a):
    with departement_scope(dep_a):
        yield dep_a


@pytest.fixture
def structure_a(dep_a):
    with departement_scope(dep_a):
        return StructureFactory(departement=dep_a)


@pytest.fixture
def admin_a(structure_a):
    """Département admin of A, MFA enabled."""
    membership = MembershipFactory(structure=structure_a, role="admin_departement")
    TotpFactory(user=membership.user)
    return membership.user


@pytest.fixture
def agent_a(structure_a):
    return MembershipFactory(structure=structure_a, role="professionnel").user


@pytest.fixture
def partner_a(dep_a):
    """A partner agent of the same département with limited rights (another structure, professionnel)."""
    with departement_scope(dep_a):
        structure = StructureFactory(departement=dep_a, type="association")
    return MembershipFactory(structure=structure, role="professionnel").user


@pytest.fixture
def admin_b(dep_b):
    with departement_scope(dep_b):
        structure = StructureFactory(departement=dep_b)
    membership = MembershipFactory(structure=structure, role="admin_departement")
    TotpFactory(user=membership.user)
    return membership.user


def logged_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_admin_a(admin_a):
    return logged_client(admin_a)


@pytest.fixture
def client_agent_a(agent_a):
    return logged_client(agent_a)


@pytest.fixture
def client_admin_b(admin_b):
    return logged_client(admin_b)


@pytest.fixture
def pg_dir():
    """A directory for an embedded PostgreSQL, outside pytest's tmp_path: as root, the server runs as the user
    "pgserver", which must traverse the path, and pytest resets its base temp directory to 0700 when a worker starts.
    """
    path = Path(tempfile.mkdtemp(prefix="spie-devservices-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
