"""Measure what a session costs per request with each session engine (the figures of the README).

Each "request" does what SessionMiddleware does with SESSION_SAVE_EVERY_REQUEST: load the session by its key,
then save it (the idle timeout renewed). Against the configured PostgreSQL and Redis:

    python manage.py mesurer_sessions --requetes 2000
"""

import statistics
import time
from importlib import import_module

from django.core.management.base import BaseCommand

ENGINES = [
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.db",
]


class Command(BaseCommand):
    help = "Coût par requête de la session (lecture + enregistrement) pour chaque moteur de session."

    def add_arguments(self, parser):
        parser.add_argument("--requetes", type=int, default=2000)

    def handle(self, *args, requetes, **options):
        self.stdout.write(f"{requetes} requêtes par moteur (lecture puis enregistrement de la session)")
        for engine in ENGINES:
            store_class = import_module(engine).SessionStore
            store = store_class()
            store.update({"_auth_user_id": "1", "spie_structure": "00000000-0000-0000-0000-000000000000"})
            store.save()
            key = store.session_key
            timings = []
            for _ in range(requetes):
                started = time.perf_counter()
                session = store_class(key)
                session.load()
                session.modified = True
                session.save()
                timings.append((time.perf_counter() - started) * 1000)
            store_class(key).delete()
            timings.sort()
            self.stdout.write(
                f"{engine.rsplit('.', 1)[-1]:>10} : médiane {statistics.median(timings):.3f} ms, "
                f"p95 {timings[int(len(timings) * 0.95)]:.3f} ms"
            )
