"""spie.pipeline: items produced in a thread (en_avance) or a child process (en_processus), in order, a bounded
number ahead; errors and early stops."""

import multiprocessing
import os
import threading

import pytest

from spie.pipeline import en_avance, en_processus, processus_possible


def test_items_come_in_order_from_another_thread():
    threads = set()

    def items():
        for number in range(50):
            threads.add(threading.current_thread().name)
            yield number

    assert list(en_avance(items(), nom="essai")) == list(range(50))
    assert threads == {"essai"}


def test_the_producer_stays_a_bounded_number_of_items_ahead():
    produced = []
    ready = threading.Event()

    def items():
        for number in range(100):
            produced.append(number)
            if len(produced) >= 4:
                ready.set()
            yield number

    iterator = en_avance(items(), profondeur=2)
    assert next(iterator) == 0
    ready.wait(timeout=5)
    threading.Event().wait(0.3)  # time for the producer to run ahead, were it unbounded
    # One item taken, two waiting in the queue, one produced and waiting for room.
    assert len(produced) <= 4
    iterator.close()


def test_an_error_of_the_producer_is_raised_in_the_caller_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("fichier abîmé")

    received = []
    with pytest.raises(ValueError, match="fichier abîmé"):
        for item in en_avance(items()):
            received.append(item)
    assert received == [1, 2]


def test_a_caller_that_stops_early_stops_the_producer_and_closes_its_items():
    closed = threading.Event()

    def items():
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    for item in en_avance(items(), profondeur=1):
        if item == 3:
            break
    assert closed.wait(timeout=5)
    assert not any(thread.name == "en-avance" for thread in threading.enumerate())


# --- en_processus: the same in a child process ---------------------------------------------------------------------
# The producers are module-level functions: the child imports them by name.


def numeros_et_processus(count):
    for number in range(count):
        yield os.getpid(), number


def deux_puis_erreur():
    yield 1
    yield 2
    raise ValueError("fichier abîmé")


class _NonSerialisable(Exception):
    def __reduce__(self):
        raise TypeError("ne se sérialise pas")


def erreur_non_serialisable():
    yield 1
    raise _NonSerialisable("motif lisible")


def reglage(name):
    from django.conf import settings

    yield getattr(settings, name)


def sans_fin():
    number = 0
    while True:
        yield number
        number += 1


def test_items_come_in_order_from_a_child_process():
    received = list(en_processus(numeros_et_processus, 30, nom="essai"))
    assert [number for _, number in received] == list(range(30))
    assert {pid for pid, _ in received} != {os.getpid()} and len({pid for pid, _ in received}) == 1
    assert not multiprocessing.active_children()


def test_an_error_of_the_child_is_raised_in_the_caller_after_the_items_before_it():
    received = []
    with pytest.raises(ValueError, match="fichier abîmé"):
        for item in en_processus(deux_puis_erreur):
            received.append(item)
    assert received == [1, 2]


def test_an_error_that_does_not_pickle_arrives_as_its_text():
    with pytest.raises(RuntimeError, match="_NonSerialisable: motif lisible"):
        list(en_processus(erreur_non_serialisable))


def test_the_child_gets_the_settings_the_caller_passes():
    assert list(en_processus(reglage, "FIELD_ENCRYPTION_KEY", reglages={"FIELD_ENCRYPTION_KEY": "clé-du-test"})) == [
        "clé-du-test"
    ]


def test_a_caller_that_stops_early_stops_the_child():
    for item in en_processus(sans_fin, profondeur=1):
        if item == 3:
            break
    assert not multiprocessing.active_children()


def test_a_daemonic_process_may_not_start_a_child(monkeypatch):
    assert processus_possible()
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert not processus_possible()


def test_a_child_closed_before_its_first_item_stops():
    with en_processus(sans_fin, profondeur=1):
        pass  # the caller's check failed: never iterated
    assert not multiprocessing.active_children()
