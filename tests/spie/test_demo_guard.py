"""`manage.py charger_demo` creates accounts with a published password, TOTP secret and API token.

Rule: never with production settings (those that do not set SPIE_DEMO_DATA_ALLOWED, i.e. all but the dev and test
modules), even with --je-sais-ce-que-je-fais; elsewhere only with DEBUG on or that flag. A refusal writes nothing.
"""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from spie.models import Departement, Structure, User

pytestmark = pytest.mark.django_db

FLAG = "--je-sais-ce-que-je-fais"


def _counts():
    return Departement.objects.count(), Structure.unscoped_objects.count(), User.objects.count()


def test_refused_without_the_flag_when_debug_is_off():
    assert settings.DEBUG is False  # the test settings under pytest: not a development server
    before = _counts()
    with pytest.raises(CommandError, match=f"DEBUG est désactivé.*{FLAG}"):
        call_command("charger_demo", stdout=StringIO())
    assert _counts() == before


def test_accepted_with_debug_on_without_the_flag(settings):
    """With DEBUG on the guard lets it through: the command goes on to its next check (the empty reference data).

    The whole demo load, with the flag and DEBUG off, is run by tests/suivi/test_demo.py and
    tests/orientation/test_parcours_demo.py.
    """
    settings.DEBUG = True
    with pytest.raises(CommandError, match="Le référentiel géographique est vide"):
        call_command("charger_demo", stdout=StringIO())


def test_accepted_with_the_flag_when_debug_is_off():
    with pytest.raises(CommandError, match="Le référentiel géographique est vide"):
        call_command("charger_demo", FLAG, stdout=StringIO())


def test_refused_with_production_settings_even_with_debug_and_the_flag(settings):
    settings.SPIE_DEMO_DATA_ALLOWED = False
    settings.DEBUG = True
    before = _counts()
    with pytest.raises(CommandError, match="sont ceux de la production.*même avec --je-sais-ce-que-je-fais"):
        call_command("charger_demo", FLAG, stdout=StringIO())
    assert _counts() == before


def test_the_production_settings_module_refuses_before_touching_the_database():
    """spie.settings.base for real, in a process of its own, with DEBUG=true in the environment and the flag.

    The database of DATABASE_URL does not exist: the refusal must come before any connection attempt.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "spie.settings.base",
            "DEBUG": "true",
            "SECRET_KEY": "k7#vQ!9zR2@mW5$pL8^tY3&nB6*cX1(hJ4)fG0_dS-eA+uI=oP",
            "DATABASE_URL": "postgresql://spie@db.example.invalid:5432/spie",
            "REDIS_URL": "redis://cache.example.invalid:6379/0",
            "ALLOWED_HOSTS": "spie.example.fr",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "charger_demo", FLAG],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Refusé : les réglages « spie.settings.base » sont ceux de la production" in result.stderr
    assert "Rien n'a été écrit." in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
