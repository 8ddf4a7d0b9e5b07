"""Development settings: the run command (`python3 tasks.py run`) uses these.

Only the values that make a laptop work are relaxed; everything else is `base`.
"""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-secret-key-not-for-production-0123456789abcdefghij")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("SPIE_BASE_URL", "http://localhost:8000")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("SPIE_SMS_BACKEND", "suivi.sms.ConsoleBackend")

from spie.settings.base import *  # noqa: E402,F403

DEBUG = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = True
SPIE_DEMO_DATA_ALLOWED = True  # manage.py charger_demo (DEBUG is on: no flag needed)
