"""A real clamd for the tests, with the project's own signature database (tests/clamav/spie-test.ndb).

freshclam cannot reach ClamAV's mirrors from CI, and the official databases weigh hundreds of megabytes: the
daemon is Debian's clamav-daemon (installed by `python3 tasks.py test`), the signatures are one line that
detects the EICAR test string. One daemon per test process, on a Unix socket in a temporary directory.
"""

import shutil
import subprocess
import time
from pathlib import Path

import pytest

CLAMD = Path("/usr/sbin/clamd")
SIGNATURES = Path(__file__).with_name("spie-test.ndb")
# The EICAR test file, which every antivirus reports and which harms nothing (built here, not stored as a file).
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _ping(socket_path):
    import socket

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(socket_path))
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory):
    if not CLAMD.exists():
        pytest.fail(
            f"{CLAMD} est introuvable : `python3 tasks.py test` l'installe (apt-get install clamav-daemon).",
            pytrace=False,
        )
    root = tmp_path_factory.mktemp("clamd")
    database = root / "db"
    database.mkdir()
    shutil.copy(SIGNATURES, database / SIGNATURES.name)
    socket_path = root / "clamd.sock"
    config = root / "clamd.conf"
    config.write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {database}\nForeground yes\nLogFile {root / 'clamd.log'}\n"
        f"PidFile {root / 'clamd.pid'}\nTemporaryDirectory {root}\nBytecode no\n"
    )
    process = subprocess.Popen([str(CLAMD), f"--config-file={config}"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _ping(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "clamd.log").read_text() if (root / "clamd.log").exists() else ""
                pytest.fail(f"clamd did not start (exit {process.poll()}):\n{log[-2000:]}", pytrace=False)
            time.sleep(0.1)
        yield str(socket_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def clamd(clamd_socket, settings):
    """Uploads scanned by the real daemon for this test."""
    settings.SPIE_CLAMD = clamd_socket
    return clamd_socket
