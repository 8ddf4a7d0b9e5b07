"""A small client of clamd (ClamAV's daemon): the INSTREAM command over its Unix or TCP socket.

`settings.SPIE_CLAMD` names the daemon: a socket path (Debian's clamav-daemon listens on
/run/clamav/clamd.ctl) or `tcp://host:port` (the `clamav` service of docker-compose, port 3310).

Protocol (clamd(8)): `zINSTREAM\\0`, then chunks each prefixed by its length (4 bytes, big-endian), then a
zero length; clamd answers `stream: OK\\0` or `stream: <signature> FOUND\\0`. Anything else (no daemon, a
timeout, `... ERROR`) is `ScannerUnavailable`: the caller keeps the file waiting, never passes it unscanned.

The PyPI `clamd` package does the same but has not been released since 2014: these forty lines are ours.
"""

import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings

CHUNK_BYTES = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not give a verdict (down, overloaded, stream too long): scan again later."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""


def _connect():
    target = settings.SPIE_CLAMD
    timeout = settings.SPIE_CLAMD_TIMEOUT
    if target.startswith("tcp://"):
        parsed = urlparse(target)
        return socket.create_connection((parsed.hostname, parsed.port or 3310), timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(target)
    except OSError:
        sock.close()
        raise
    return sock


def _command(sock, command: bytes) -> str:
    sock.sendall(command)
    answer = b""
    while not answer.endswith(b"\0"):
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    return answer.rstrip(b"\0").decode("utf-8", "replace").strip()


def ping() -> bool:
    try:
        with _connect() as sock:
            return _command(sock, b"zPING\0") == "PONG"
    except OSError:
        return False


def scan(fichier) -> Verdict:
    """Scan a file object (read from its start; left at its start)."""
    fichier.seek(0)
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := fichier.read(CHUNK_BYTES):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            answer = _command(sock, struct.pack("!L", 0))
    except OSError as error:
        raise ScannerUnavailable(f"clamd injoignable ({type(error).__name__})") from error
    finally:
        fichier.seek(0)
    if answer == "stream: OK":
        return Verdict(clean=True)
    if answer.startswith("stream: ") and answer.endswith(" FOUND"):
        return Verdict(clean=False, signature=answer.removeprefix("stream: ").removesuffix(" FOUND"))
    raise ScannerUnavailable(f"réponse de clamd inattendue : {answer[:200]}")
