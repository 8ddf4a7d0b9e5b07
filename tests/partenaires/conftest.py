import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partenaires.flux.services import flux_deposer
from spie.tenancy import departement_scope
from tests.sanctions.outils import monde  # noqa: F401 (fixture of the sanction API tests)


def upload(content, name="flux.xml"):
    return SimpleUploadedFile(name, content, content_type="text/xml")


@pytest.fixture
def deposer(dep_a, django_capture_on_commit_callbacks):
    """Deposit a file as the UI does and run the task (eager) when the deposit commits."""

    def run(content, **kwargs):
        # The département's first file sets the start of its orientation queue: far back here, so that the
        # people of the test files are new entrants (tests/orientation/test_file.py tests the default).
        kwargs.setdefault("debut_file", datetime.date(2000, 1, 1))
        with departement_scope(dep_a), django_capture_on_commit_callbacks(execute=True):
            row = flux_deposer(departement=dep_a, fichier=upload(content), **kwargs)
        row.refresh_from_db()
        return row

    return run
