"""Reads that may go to a streaming replica: reports, exports, indicators.

Set `DATABASE_REPLICA_URL` to a hot-standby replica of the primary and the database alias `replica` exists; the
router then sends to it the reads made inside `lecture_sur_replique()` (or a view decorated with
`sur_replique`), and nothing else. Everything else reads the primary, so that a page always sees its own writes
(the replica lags by the replication delay). Writes and migrations always go to the primary; a write attempted
on the replica is refused by PostgreSQL itself (read-only transaction). Without the setting, the context changes
nothing: one server serves everything.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_on_replica = ContextVar("spie_lecture_sur_replique", default=False)


def replica_configured():
    return REPLICA in settings.DATABASES


@contextmanager
def lecture_sur_replique():
    """Reads inside go to the replica when one is configured (reports, exports, indicators: no read-your-write)."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def sur_replique(view):
    """A view whose reads may all be served by the replica (it writes nothing the same request reads back)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with lecture_sur_replique():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _on_replica.get() and replica_configured():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both servers

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
