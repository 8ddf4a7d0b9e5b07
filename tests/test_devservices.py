"""The embedded servers that `tasks.py` starts when DATABASE_URL / REDIS_URL are not set."""

import os
import signal
import socket
import time

import dj_database_url
import psycopg
import pytest
import redis

from spie.devservices import start_postgres, start_redis


def test_start_redis_answers_and_stops(tmp_path):
    url, stop = start_redis(tmp_path)
    port = int(url.removeprefix("redis://127.0.0.1:").split("/")[0])
    client = redis.Redis.from_url(url)
    try:
        assert client.ping()
        client.set("clef", "valeur")
        assert client.get("clef") == b"valeur"
    finally:
        client.close()
        stop()
    stop()  # idempotent

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_start_postgres_creates_the_database_and_stops(pg_dir):
    url, stop = start_postgres(pg_dir)
    try:
        assert dj_database_url.parse(url)["HOST"] == str(pg_dir / "pgdata")  # Django reads the socket dir
        with psycopg.connect(url) as connection:
            # Superuser: pytest-django creates the test databases on this server.
            sql = "SELECT 1, current_database(), rolsuper FROM pg_roles WHERE rolname = current_user"
            assert connection.execute(sql).fetchone() == (1, "spie", True)
    finally:
        stop()
    stop()  # idempotent

    assert not (pg_dir / "pgdata" / "postmaster.pid").exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2).close()


def test_start_postgres_after_a_killed_run(pg_dir):
    """A postmaster.pid left by a killed server, whose pid now belongs to another process, does not block."""
    url, stop = start_postgres(pg_dir)
    pid_file = pg_dir / "pgdata" / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    os.kill(int(lines[0]), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # its children notice the postmaster's death and leave
        try:
            psycopg.connect(url, connect_timeout=1).close()
        except psycopg.OperationalError:
            break
        time.sleep(0.1)
    lines[0] = str(os.getpid())  # the dead postmaster's pid, reused by a live process
    pid_file.write_text("\n".join(lines) + "\n")

    url, stop = start_postgres(pg_dir)
    try:
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    finally:
        stop()
