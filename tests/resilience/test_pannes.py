"""Fault tests: a real Redis (cache and broker) stopped and started again around logins, pages, API calls and
task enqueues. Each test starts its own redis-server on a free port, so stopping it touches nobody else.

What the user sees is asserted (no 500, the French message), and that nothing is lost or duplicated afterwards.
"""

import subprocess
import time
from datetime import timedelta

import pytest
import redis
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from partenaires.models import ImportFlux
from spie.devservices import _free_port, _redis_answers
from spie.models import OutboxTask
from spie.outbox import republier
from spie.tenancy import departement_scope
from tests.partenaires.test_api import api, make_token
from tests.partenaires.test_flux import flux_bytes, foyer

pytestmark = pytest.mark.pannes


class RedisServer:
    """A redis-server of the test's own, without persistence, that can be stopped and started on its port."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly"]
        command += ["no", "--dir", str(self.dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _redis_answers(self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": server.url, "KEY_PREFIX": "pannes"},
    }
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server):
    """The Celery app of the web process publishing to the test's Redis (not eager), as in production."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = redis_server.url, False
    _reset_pools()
    yield redis_server
    _reset_pools()
    conf.broker_url, conf.task_always_eager = saved


def _reset_pools():
    """Forget the connections to the previous broker (the app's pool and kombu's global producer pools)."""
    from kombu import pools

    current_app._pool = None
    current_app.amqp._producer_pool = None
    pools.reset()


def queued_task_ids(server):
    """Task ids of the messages waiting in the broker's default queue."""
    import json

    client = redis.Redis(port=server.port)
    return [json.loads(raw)["headers"]["id"] for raw in client.lrange("celery", 0, -1)]


def test_redis_down_users_stay_logged_in_pages_and_api_answer_login_fails_closed(
    redis_server, client_agent_a, agent_a, structure_a
):
    _jeton, value = make_token(structure_a)
    assert client_agent_a.get("/").context["user"] == agent_a
    assert Client().get(reverse("spie:sante")).json()["cache"] == "ok"

    redis_server.stop()

    # Pages: the session lives in PostgreSQL, the user is still logged in.
    page = client_agent_a.get("/")
    assert page.status_code == 200 and page.context["user"] == agent_a
    # The API answers (its per-token throttling lets calls through while the cache is down).
    assert api(value).get("/api/v1/offre/structures/").status_code == 200
    # Login fails closed, with a clear French message, never a 500.
    started = time.monotonic()
    login = Client().post(reverse("account_login"), {"login": agent_a.email, "password": "mot-de-passe-solide-123"})
    assert time.monotonic() - started < 5
    assert login.status_code == 503 and login["Retry-After"]
    assert "La connexion est momentanément impossible" in login.content.decode()
    assert "_auth_user_id" not in login.client.session
    # The health check says which dependency is down.
    sante = Client().get(reverse("spie:sante"))
    assert sante.status_code == 503 and sante.json()["cache"] == "indisponible" and sante.json()["base"] == "ok"

    redis_server.start()

    assert client_agent_a.get("/").context["user"] == agent_a
    login = Client().post(reverse("account_login"), {"login": agent_a.email, "password": "mot-de-passe-solide-123"})
    assert login.status_code == 302
    assert Client().get(reverse("spie:sante")).status_code == 200


def test_broker_down_the_deposit_is_saved_and_its_run_published_once_by_the_sweep(
    broker, dep_a, client_admin_a, django_capture_on_commit_callbacks, _clock
):
    broker.stop()

    fichier = SimpleUploadedFile("flux.xml", flux_bytes([foyer(index=1)]), content_type="text/xml")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(reverse("partenaires:flux_liste"), {"fichier": fichier})
    # The request answers normally: its data was saved, the run is recorded in the outbox.
    assert response.status_code == 302
    with departement_scope(dep_a):
        run = ImportFlux.objects.get()
    task = OutboxTask.objects.get()
    assert (task.name, task.args, task.enqueued_at, task.started_at) == (
        "partenaires.tasks.traiter_flux",
        [run.pk, dep_a.pk],
        None,
        None,
    )

    # The sweep while the broker is still down: nothing published, nothing raised.
    _clock.shift(timedelta(minutes=2))
    assert republier() == 0

    broker.start()
    assert republier() == 1
    assert queued_task_ids(broker) == [str(task.uid)]
    task.refresh_from_db()
    assert task.enqueued_at is not None and task.publications == 3
    # Published once: a second sweep does not publish it again (not yet due).
    assert republier() == 0
    assert queued_task_ids(broker) == [str(task.uid)]


def test_broker_up_the_deposit_is_published_at_commit_once(
    broker, dep_a, client_admin_a, django_capture_on_commit_callbacks, _clock
):
    fichier = SimpleUploadedFile("flux.xml", flux_bytes([foyer(index=1)]), content_type="text/xml")
    with django_capture_on_commit_callbacks(execute=True):
        assert client_admin_a.post(reverse("partenaires:flux_liste"), {"fichier": fichier}).status_code == 302
    task = OutboxTask.objects.get()
    assert queued_task_ids(broker) == [str(task.uid)]
    _clock.shift(timedelta(minutes=5))
    assert republier() == 0
    # A queue lost with a Redis restart (no persistence): the task, never started, is published again later.
    broker.stop()
    broker.start()
    _clock.shift(timedelta(minutes=30))
    assert republier() == 1
    assert queued_task_ids(broker) == [str(task.uid)]
