"""Test settings: real PostgreSQL and Redis (never SQLite), fast hashing, eager Celery."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdefghij")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SPIE_BASE_URL", "http://testserver")

from spie.settings.base import *  # noqa: E402,F403

# Each xdist worker gets its own Redis database so that clearing the cache (rate limits) between
# tests never touches another worker's keys. SPIE_TEST_REDIS_OFFSET shifts the numbers, for a second
# test run on the same machine (it would otherwise flush the first run's sessions).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_redis_db = 1 + (int(_worker.removeprefix("gw") or 0) + int(os.environ.get("SPIE_TEST_REDIS_OFFSET", "0"))) % 15
_redis_base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.rsplit("/", 1)[-1].isdigit() else REDIS_URL  # noqa: F405
CACHES["default"]["LOCATION"] = f"{_redis_base}/{_redis_db}"  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = f"spie-test-{_worker}"  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STORAGES["default"]["OPTIONS"]["location"] = os.environ.get(  # noqa: F405
    "SPIE_TEST_PRIVATE_ROOT", os.path.join("/tmp", f"spie-test-private-{_worker}")
)
# The fault tests (tests/resilience/test_pannes_postgres.py) run a real worker and web server with these settings,
# not eager and keeping their connections as production does.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("SPIE_TEST_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SPIE_TEST_CONN_MAX_AGE", "0"))  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = True
SPIE_SMS_BACKEND = "suivi.sms.LocmemBackend"
SPIE_DEMO_DATA_ALLOWED = True  # manage.py charger_demo, with --je-sais-ce-que-je-fais (pytest turns DEBUG off)
# No daemon unless a test asks for the real one (fixture `clamd`, tests/clamav/server.py): uploads then wait.
SPIE_CLAMD = "/nonexistent/spie-tests/clamd.sock"
