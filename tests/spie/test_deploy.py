"""Production settings pass Django's deployment checks; CSP, HSTS and cookies are set."""

import os
import subprocess
import sys

from django.conf import settings

from spie.celery import app as celery_app

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "spie.settings.base",
    "SECRET_KEY": "k7#vQ!9zR2@mW5$pL8^tY3&nB6*cX1(hJ4)fG0_dS-eA+uI=oP",
    "DATABASE_URL": "postgresql://spie@db.example.invalid:5432/spie",
    "REDIS_URL": "redis://cache.example.invalid:6379/0",
    "ALLOWED_HOSTS": "spie.example.fr",
}


def _run_manage(*args, extra_env=None):
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    for key in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        env.pop(key, None)
    env.update(PRODUCTION_ENV, **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def test_check_deploy_passes_with_production_settings():
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_with_a_weak_production_setting():
    """The test above can fail: turning HSTS off in the environment makes the check complain."""
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env={"SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env_without_key = {"SECRET_KEY": ""}
    result = _run_manage("check", extra_env=env_without_key)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_authenticated_pages_carry_security_headers(client_admin_a):
    response = client_admin_a.get("/departement/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_session_expires_after_idle_timeout():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
