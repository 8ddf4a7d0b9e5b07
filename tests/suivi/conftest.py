"""Fixtures of the follow-up tests: an empty SMS outbox, and a way to run a task twice after commit."""

import pytest

from suivi.sms import LocmemBackend


@pytest.fixture(autouse=True)
def sms_outbox():
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture
def run_twice(django_capture_on_commit_callbacks):
    """Run a periodic task twice, each time with its after-commit callbacks (the sending tasks) executed."""

    def run(task):
        results = []
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                results.append(task())
        return results

    return run
