"""The platform as production runs it, for the browser journeys: gunicorn, a Celery worker, PostgreSQL, Redis.

`Platform` creates its own database (`<DATABASE_URL's database>_e2e`, plus the xdist worker's name when there
is one) and uses its own Redis database (15, or SPIE_E2E_REDIS_URL), so that it never touches the unit tests'
data (nor their Redis databases, 1 + the worker's number); it migrates, loads the referentials and the demo,
collects the static files into a temporary folder (served by WhiteNoise, as in the image), then starts

- gunicorn serving `spie.wsgi` with `spie.settings.base` (DEBUG off, the production settings) on a free port;
- a real Celery worker (not eager): tasks go through Redis as in production.

E-mails are written by Django's file-based backend into a temporary folder, where the journeys read them.
The only settings that differ from a deployment are those a plain-HTTP loopback server needs (no TLS
redirect, cookies without the Secure flag) and the harness's folders.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings

from spie.devservices import die_with_parent

ROOT = Path(settings.BASE_DIR)
STARTUP_TIMEOUT = 60


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_path(url, path):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=path))


class PlatformError(RuntimeError):
    pass


class Platform:
    def __init__(self, *, database_url, redis_url, worker_id="", extra_env=None):
        parts = urlsplit(database_url)
        base_name = parts.path.lstrip("/") or "spie"
        suffix = f"_{worker_id}" if worker_id else ""
        self.db_name = f"{base_name}_e2e{suffix}"
        self.database_url = _with_path(database_url, f"/{self.db_name}")
        self.admin_database_url = database_url
        # The unit tests use Redis databases 1 + the xdist worker's number (test settings): count down from 15.
        number = int(worker_id.removeprefix("gw") or 0) if worker_id.startswith("gw") else 0
        self.redis_url = os.environ.get("SPIE_E2E_REDIS_URL") or _with_path(redis_url, f"/{15 - number % 7}")
        self.dir = Path(tempfile.mkdtemp(prefix="spie-e2e-"))
        self.mail_dir = self.dir / "courriels"
        self.logs_dir = self.dir / "logs"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.processes = {}
        self.kept_logs = False
        # Settings of the journeys' own services (the fake FranceConnect provider).
        self.extra_env = dict(extra_env or {})

    # --- Environment ------------------------------------------------------------------------------------

    def env(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST_", "SECURE_", "SESSION_", "CSRF_", "EMAIL_", "SPIE_"))
            and not key.startswith("CELERY_")
            and key not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SECRET_KEY"}
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "spie.settings.base",
                "SECRET_KEY": "e2e-only-secret-key-not-for-production-9f8e7d6c5b4a3210abcdefghijklmnop",
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CACHE_KEY_PREFIX": "spie-e2e",
                # Plain HTTP on the loopback: no TLS in front to redirect to or to carry Secure cookies.
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "SECURE_HSTS_SECONDS": "0",
                "SPIE_BASE_URL": self.base_url,
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                "STATIC_ROOT": str(self.dir / "static"),
                "PRIVATE_MEDIA_ROOT": str(self.dir / "private"),
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                **self.extra_env,
            }
        )
        return env

    # --- Database -----------------------------------------------------------------------------------------

    def _admin_connection(self):
        """A connection to the server's maintenance database (or, failing that, the configured one)."""
        try:
            return psycopg.connect(_with_path(self.admin_database_url, "/postgres"), autocommit=True)
        except psycopg.OperationalError:
            return psycopg.connect(self.admin_database_url, autocommit=True)

    def create_database(self):
        with self._admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.db_name}"')

    def drop_database(self):
        with self._admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def flush_redis(self):
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    # --- Processes ------------------------------------------------------------------------------------------

    def _log(self, name):
        return open(self.logs_dir / f"{name}.log", "ab")

    def _spawn(self, name, *command):
        with self._log(name) as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=die_with_parent,  # a killed test run leaves no server behind
            )

    def log_tail(self, name, lines=40):
        path = self.logs_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start(self):
        self.mail_dir.mkdir()
        self.logs_dir.mkdir()
        started = time.monotonic()
        self.create_database()
        self.flush_redis()
        manage = (sys.executable, "manage.py")
        # The static files do not need the database: collect them while the database is prepared.
        with self._log("collectstatic") as log:
            collectstatic = subprocess.Popen(
                (*manage, "collectstatic", "--noinput", "-v", "0"), cwd=ROOT, env=self.env(), stdout=log, stderr=log
            )
        # The demo (published password, TOTP secret and API token) is never loaded with the production settings
        # (manage.py charger_demo refuses them): it is loaded with the dev settings, as `tasks.py run` does.
        demo_env = {**self.env(), "DJANGO_SETTINGS_MODULE": "spie.settings.dev"}
        for step, env in (
            (("migrate", "--noinput", "-v", "0"), self.env()),
            (("charger_referentiels", "--si-vide"), self.env()),
            (("charger_demo",), demo_env),
        ):
            with self._log("preparation") as log:
                if subprocess.run((*manage, *step), cwd=ROOT, env=env, stdout=log, stderr=log).returncode:
                    collectstatic.kill()
                    raise PlatformError(f"manage.py {step[0]} failed:\n{self.log_tail('preparation')}")
        self.timings = {"database": time.monotonic() - started}
        celery = (sys.executable, "-m", "celery", "-A", "spie", "worker", "-l", "info", "--concurrency", "1")
        self._spawn("celery", *celery, "--hostname", f"e2e-{self.port}@%h", "--without-gossip", "--without-mingle")
        if collectstatic.wait(timeout=300):
            raise PlatformError(f"collectstatic failed:\n{self.log_tail('collectstatic')}")
        self.timings["static files"] = time.monotonic() - started
        # WhiteNoise indexes the static files when the application loads: gunicorn starts once they are collected.
        gunicorn = (sys.executable, "-m", "gunicorn", "spie.wsgi:application", "--workers", "2")
        self._spawn("gunicorn", *gunicorn, "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "-")
        self._wait_until_ready()
        self.startup_seconds = time.monotonic() - started

    def describe_startup(self):
        steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.timings.items())
        return f"{self.startup_seconds:.1f} s ({steps}, both at once)"

    def _wait_until_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        web_ready = worker_ready = False
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise PlatformError(f"{name} exited with code {process.returncode}:\n{self.log_tail(name)}")
            if not web_ready:
                try:
                    with urllib.request.urlopen(f"{self.base_url}/sante/", timeout=2) as response:
                        web_ready = response.status == 200
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            if not worker_ready:
                worker_ready = " ready." in self.log_tail("celery", lines=200)
            if web_ready and worker_ready:
                return
            time.sleep(0.2)
        raise PlatformError(
            f"The platform did not start within {STARTUP_TIMEOUT} s.\n"
            f"gunicorn:\n{self.log_tail('gunicorn')}\ncelery:\n{self.log_tail('celery')}"
        )

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the process and any child left in its group
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        self.processes = {}
        try:
            self.drop_database()
        finally:
            self.flush_redis()

    def keep_logs(self, destination):
        destination.mkdir(parents=True, exist_ok=True)
        for log in self.logs_dir.glob("*.log"):
            shutil.copy(log, destination / log.name)

    def cleanup(self):
        """Remove the temporary folder without waiting: its thousands of static files take seconds to delete."""
        if shutil.which("sh"):
            # `sh` returns at once and leaves `rm` running on its own.
            subprocess.run(["sh", "-c", 'rm -rf "$1" &', "sh", str(self.dir)], check=False)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- E-mails --------------------------------------------------------------------------------------------

    def mails(self):
        """The messages written so far (`email.message.EmailMessage`), oldest first."""
        import email
        import email.policy

        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            # The file backend writes each message followed by a line of 79 dashes; a last piece without that
            # line is a message still being written.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[:-1]:
                messages.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default))
        return messages

    def wait_for_mail(self, *, to, timeout=20):
        """The last message sent to `to`, waiting for it (a Celery task may send it)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [message for message in self.mails() if to in message.get("To", "")]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {to} within {timeout} s")
            time.sleep(0.2)
