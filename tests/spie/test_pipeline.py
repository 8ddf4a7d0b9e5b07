"""spie.pipeline.en_avance: items produced in a thread, in order, a bounded number ahead; errors and early stops."""

import threading

import pytest

from spie.pipeline import en_avance


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
