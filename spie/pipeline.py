"""Producing the next items in a background thread while the caller works on the current ones (machinery).

`en_avance(items, profondeur)` iterates `items` in a thread and hands them over through a bounded queue: at most
`profondeur` items wait, so memory stays flat whatever the number of items. A long import reads and prepares its
next batch while PostgreSQL writes the current one: the caller releases the GIL while it waits for the database, so
the thread computes meanwhile (the Python work of both threads does not run at once, only the waits overlap).

The thread must not use the database (Django's connections belong to their thread) nor the tenant scope: only
pure computation (parsing, normalising, hashing). An exception of the producer is raised in the caller, at the
item where it happened; a caller that stops early (exception, `break`) stops the thread and closes `items`.

`en_processus(fabrique, *args)` does the same in a second process (multiprocessing, 'spawn' context): the Python
work of the producer then runs on another core, not under the caller's GIL. `fabrique` is a module-level generator
function (the child imports it by name) and its items must pickle. The child sets Django up from the environment
(DJANGO_SETTINGS_MODULE) and applies `reglages` (settings the caller may have overridden, e.g. the hashing key);
it never uses the database. Starting the child costs about a second of CPU (a fresh interpreter importing Django):
for long runs only. A daemonic process (a Celery prefork worker) may not start children: `processus_possible()`
says whether this one may.
"""

import multiprocessing
import pickle  # nosec B403
import queue
import threading

# pickle: only this program's own child process writes to the queue it reads.

_FIN = object()
_ATTENTE = 0.1  # seconds between two checks of the caller's stop while the queue is full


def en_avance(items, profondeur=2, *, nom="en-avance"):
    """Iterate `items` (produced in a thread, `profondeur` ahead at most)."""
    file = queue.Queue(maxsize=profondeur)
    arret = threading.Event()

    def deposer(element):
        while not arret.is_set():
            try:
                file.put(element, timeout=_ATTENTE)
                return True
            except queue.Full:
                continue
        return False

    def produire():
        iterator = iter(items)
        try:
            for item in iterator:
                if not deposer((item, None)):
                    return
            deposer((_FIN, None))
        except BaseException as exc:  # handed to the caller, which raises it
            deposer((_FIN, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produire, name=nom, daemon=True)
    thread.start()
    try:
        while True:
            item, exc = file.get()
            if exc is not None:
                raise exc
            if item is _FIN:
                return
            yield item
    finally:
        arret.set()
        thread.join()


def processus_possible() -> bool:
    """Whether this process may start a child process (a daemonic one, such as a Celery prefork worker, may not)."""
    return not multiprocessing.current_process().daemon


def _produire_en_processus(file, arret, chemin, args, reglages):
    """The child's side of `en_processus`: set Django up, import the producer ("module:name": importing it before
    the setup would fail on its models), then put the items of `fabrique(*args)` in `file`."""
    import importlib

    import django
    from django.conf import settings

    django.setup()
    for name, value in reglages.items():
        setattr(settings, name, value)
    module, name = chemin.split(":")
    fabrique = getattr(importlib.import_module(module), name)

    def deposer(element):
        while not arret.is_set():
            try:
                file.put(element, timeout=_ATTENTE)
                return True
            except queue.Full:
                continue
        return False

    try:
        for item in fabrique(*args):
            if not deposer((item, None)):
                break
        else:
            deposer((_FIN_PROCESSUS, None))
    except BaseException as exc:  # handed to the parent, which raises it
        try:
            # The queue pickles in a thread of its own, where a failure is lost: try here (bytes made just now).
            pickle.loads(pickle.dumps(exc))  # nosec B301
        except Exception:  # an exception that does not pickle: its text
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        deposer((_FIN_PROCESSUS, exc))
    if arret.is_set():
        file.cancel_join_thread()  # the parent no longer reads: exit without flushing


# The end marker crosses the process boundary: a string, not an object's identity.
_FIN_PROCESSUS = "spie.pipeline:fin"
_ARRET_ENFANT = 10  # seconds the child has to stop by itself before it is terminated


class en_processus:  # noqa: N801 (used as a function: `for item in en_processus(...)`)
    """Iterate `fabrique(*args)`, produced in a child process (`profondeur` items ahead at most).

    The child starts at once, not at the first item: the caller may do other work first (check the file) while the
    child prepares the first items. `close()` (or leaving a `with` block, or the end of the items, or an error)
    stops the child; a caller that may never iterate must close."""

    def __init__(self, fabrique, *args, profondeur=2, nom="en-processus", reglages=None):
        context = multiprocessing.get_context("spawn")
        self._file = context.Queue(maxsize=profondeur)
        self._arret = context.Event()
        chemin = f"{fabrique.__module__}:{fabrique.__qualname__}"
        self._enfant = context.Process(
            target=_produire_en_processus,
            args=(self._file, self._arret, chemin, args, dict(reglages or {})),
            name=nom,
            daemon=True,
        )
        self._enfant.start()
        self._fini = False

    def __iter__(self):
        return self

    def __next__(self):
        if self._fini:
            raise StopIteration
        try:
            item, exc = self._recevoir()
            if exc is not None:
                raise exc
        except BaseException:
            self.close()
            raise
        if isinstance(item, str) and item == _FIN_PROCESSUS:
            self.close()
            raise StopIteration
        return item

    def _recevoir(self):
        while True:
            try:
                return self._file.get(timeout=1)
            except queue.Empty:
                if not self._enfant.is_alive():
                    try:
                        return self._file.get(timeout=1)
                    except queue.Empty:
                        raise RuntimeError(
                            f"Le processus de préparation s'est arrêté sans finir (code {self._enfant.exitcode})."
                        ) from None

    def close(self):
        if self._fini:
            return
        self._fini = True
        self._arret.set()
        self._enfant.join(_ARRET_ENFANT)
        if self._enfant.is_alive():
            self._enfant.terminate()
            self._enfant.join()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        self.close()
