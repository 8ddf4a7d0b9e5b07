"""PostgreSQL advisory locks: the one way to serialise work that no row lock can cover.

`transaction_lock(name)` holds until the end of the current transaction (beat jobs per département, the first
use of an idempotency key); `session_lock(namespace, key)` holds until released, across transactions (a flux
run that commits in batches).
"""

from contextlib import contextmanager

from django.db import connection


def transaction_lock(name: str) -> None:
    """Wait for, then hold until the end of the transaction, the lock named `name` (inside `atomic()`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


@contextmanager
def session_lock(namespace: int, key: int):
    """Hold the lock (namespace, key) for the block, whatever the transactions inside it commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [namespace, key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])
