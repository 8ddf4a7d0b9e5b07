"""Producing the next items in a background thread while the caller works on the current ones (machinery).

`en_avance(items, profondeur)` iterates `items` in a thread and hands them over through a bounded queue: at most
`profondeur` items wait, so memory stays flat whatever the number of items. A long import reads and prepares its
next batch while PostgreSQL writes the current one: the caller releases the GIL while it waits for the database, so
the thread computes meanwhile (the Python work of both threads does not run at once, only the waits overlap).

The thread must not use the database (Django's connections belong to their thread) nor the tenant scope: only
pure computation (parsing, normalising, hashing). An exception of the producer is raised in the caller, at the
item where it happened; a caller that stops early (exception, `break`) stops the thread and closes `items`.
"""

import queue
import threading

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
