"""Fault tests with PostgreSQL itself: a throwaway cluster (Debian's PostgreSQL 15 tools, spie/backup.py) holding a
copy of the migrated test database, a real Celery worker and a real web server (gunicorn) on it, a redis-server of
the test's own as broker and cache.

- PostgreSQL stopped and started while a flux runs: the task retries with backoff and finishes the run, a page
  asked during the outage is the clean 503 page, the web server reconnects by itself afterwards.
- The worker killed (SIGKILL, pool and main process) in the middle of a flux: a new worker and the sweep take the
  run up again, and it ends "terminé".

Each time the end state is exact: every household counted once, one person per NIR, nothing left "en cours".
"""

import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from partenaires.dev.generation_flux import flux_bytes, generer_foyers
from partenaires.flux.integration import ETATS_A_CREER
from partenaires.flux.services import LOT
from partenaires.models import ImportFlux, StatutTraitement
from partenaires.tasks import reprendre_traitements, traiter_flux
from spie import backup
from spie.devservices import _free_port
from spie.tenancy import departement_scope
from tests.partenaires.test_flux import upload
from tests.resilience.test_pannes import broker, redis_server  # noqa: F401 (fixtures)
from tests.spie.test_backup import copy_test_database

pytestmark = [pytest.mark.pannes, pytest.mark.django_db(transaction=True)]

FOYERS = 3 * LOT
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster():
    """The throwaway PostgreSQL (pytest's tmp_path is private to root: the postgres user must reach it)."""
    workdir = Path(tempfile.mkdtemp(prefix="spie-test-pannes-"))
    workdir.chmod(0o755)
    server = backup.ScratchCluster.initdb(workdir / "pgdata", options=["-c fsync=off"]).start()
    with server.connect() as admin:
        admin.execute("CREATE DATABASE spie")
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def flux(dep_a, admin_a, client_agent_a):
    """A deposited flux of FOYERS generated households (waiting for its run), an agent's session cookie, and the
    number of people (applicants and spouses) the file holds."""
    foyers = list(generer_foyers(FOYERS, seed=19))
    with departement_scope(dep_a):
        run = ImportFlux.objects.create(
            departement=dep_a, fichier=upload(flux_bytes(foyers)), nom_fichier="flux.xml", depose_par=admin_a
        )
    # Into an empty base: a household whose right is not to be followed (ETATS_A_CREER) creates nobody.
    crees = [foyer for foyer in foyers if foyer.etat in ETATS_A_CREER]
    personnes = sum(1 for foyer in crees for p in foyer.personnes if p.role in ("DEM", "CJT"))
    return run, client_agent_a.cookies[settings.SESSION_COOKIE_NAME].value, (personnes, FOYERS - len(crees))


def _env(cluster, redis_server):  # noqa: F811
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "spie.settings.test",
        "DATABASE_URL": cluster.url("spie"),
        "REDIS_URL": redis_server.url,
        "SPIE_TEST_CELERY_EAGER": "0",
        "SPIE_TEST_CONN_MAX_AGE": "60",
        "SPIE_TEST_PRIVATE_ROOT": str(default_storage.location),
    }


class Worker:
    """`celery worker` (prefork, one process) in its own process group, its log in a file."""

    def __init__(self, env, log):
        self.log = log
        command = [sys.executable, "-m", "celery", "-A", "spie", "worker", "--pool=prefork", "--concurrency=1"]
        command += ["--without-gossip", "--without-mingle", "--loglevel=INFO", f"--logfile={log}"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    def kill(self):
        """SIGKILL the whole worker, pool process included, as a crash or `docker kill` does."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.kill()


class WebServer:
    """gunicorn serving the project on a free port."""

    def __init__(self, env):
        self.port = _free_port()
        command = [sys.executable, "-m", "gunicorn", "spie.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        _wait_for(lambda: self._answers(), "gunicorn did not start", timeout=30)

    def _answers(self):
        try:
            self.get("/sante/")
            return True
        except OSError:
            return False

    def get(self, path, cookie=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = {"Host": "127.0.0.1"}
        if cookie:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Retry-After"), response.read().decode()

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def _wait_for(condition, message, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def _state(cluster, run):
    with cluster.connect("spie") as db:
        return db.execute(
            "SELECT statut, traites, total, crees, mis_a_jour, inchanges, rejetes, ignores FROM partenaires_importflux"
            " WHERE id = %s",
            [run.pk],
        ).fetchone()


def _people(cluster):
    with cluster.connect("spie") as db:
        return db.execute("SELECT count(*), count(DISTINCT nir_hash) FROM carnet_beneficiaire").fetchone()


def _assert_complete(cluster, run, attendus):
    personnes, ignores_attendus = attendus
    statut, traites, total, crees, mis_a_jour, inchanges, rejetes, ignores = _state(cluster, run)
    assert (statut, traites, total, rejetes) == (StatutTraitement.TERMINE, FOYERS, FOYERS, 0)
    assert ignores == ignores_attendus > 0
    # The run went over the file again from its start: the people committed before the fault are found unchanged.
    assert crees + inchanges == personnes and mis_a_jour == 0
    assert _people(cluster) == (personnes, personnes)


def test_postgresql_restart_during_a_flux_run(cluster, redis_server, broker, flux, tmp_path):  # noqa: F811
    run, cookie, personnes = flux
    copy_test_database(cluster)
    env = _env(cluster, redis_server)
    worker, web = Worker(env, tmp_path / "worker.log"), WebServer(env)
    page = "/"
    try:
        assert web.get(page, cookie)[0] == 200
        traiter_flux.apply_async(args=[run.pk, run.departement_id])
        _wait_for(lambda: _state(cluster, run)[1] >= LOT, "the run did not start", timeout=60)

        cluster.stop()
        # A page during the outage: the clean French 503 page, never a 500.
        status, retry_after, body = web.get(page, cookie)
        assert (status, retry_after) == (503, "30")
        assert "La base de données ne répond pas en ce moment" in body
        time.sleep(1)
        cluster.start()

        # The web server reconnects by itself; the task retried with backoff and finished the run.
        _wait_for(lambda: web.get(page, cookie)[0] == 200, "the web server did not reconnect", timeout=20)
        _wait_for(lambda: _state(cluster, run)[0] == StatutTraitement.TERMINE, "the run did not finish", timeout=60)
        log = (tmp_path / "worker.log").read_text()
        assert "partenaires.tasks.traiter_flux" in log and "retry: Retry in" in log
        _assert_complete(cluster, run, personnes)
    finally:
        worker.stop()
        web.stop()


def test_worker_killed_in_the_middle_of_a_flux(cluster, redis_server, broker, flux, tmp_path):  # noqa: F811
    run, _cookie, personnes = flux
    copy_test_database(cluster)
    env = _env(cluster, redis_server)
    worker = Worker(env, tmp_path / "worker-1.log")
    try:
        traiter_flux.apply_async(args=[run.pk, run.departement_id])
        _wait_for(lambda: _state(cluster, run)[1] >= LOT, "the run did not start", timeout=60)
        worker.kill()
        statut, traites = _state(cluster, run)[:2]
        assert statut == StatutTraitement.EN_COURS and LOT <= traites < FOYERS

        worker = Worker(env, tmp_path / "worker-2.log")
        # Ten minutes without a heartbeat (HEARTBEAT_LOST) go by: the killed worker's run is seen as lost.
        with cluster.connect("spie") as db:
            db.execute(
                "UPDATE partenaires_importflux SET updated_at = updated_at - interval '11 minutes' WHERE id = %s",
                [run.pk],
            )
        # The beat's sweep, run by the new worker: it takes the run up again.
        reprendre_traitements.apply_async()
        _wait_for(lambda: _state(cluster, run)[0] == StatutTraitement.TERMINE, "the run did not finish", timeout=60)
        _assert_complete(cluster, run, personnes)
        # Taken up once, by the sweep (the killed worker's message is not redelivered before its visibility
        # timeout; when it is, the run is finished and the task exits).
        log = (tmp_path / "worker-2.log").read_text()
        assert "{'reprises': 1, 'echecs': 0}" in log
    finally:
        worker.stop()
