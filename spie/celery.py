"""Celery application: follow-up reminders, imports, indicator reports.

Tasks are thin wrappers over services; they receive ids and re-enter the tenant scope themselves.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spie.settings.dev")

app = Celery("spie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
