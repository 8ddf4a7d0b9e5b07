"""The follow-up app reaches tenant data through the scope; its one cross-tenant lookup is allow-listed here.

(`tests/security/test_tenancy.py` scans the other apps; this test applies the same rule to `suivi/`.)
"""

import pathlib
import re

from django.conf import settings

from spie.tenancy import TenantManager
from suivi.models import Alerte, Message, Questionnaire, ReglesRappel, ReponseQuestionnaire

UNSCOPED_ALLOW_LIST = {
    "suivi/services/evaluations.py": "the public evaluation link arrives without a logged-in user, hence without a "
    "scope: the questionnaire is found by the hash of its token, then everything happens in its département",
}


def test_unscoped_manager_is_only_used_by_allow_listed_modules():
    base = pathlib.Path(settings.BASE_DIR)
    offenders = [
        path.relative_to(base).as_posix()
        for path in (base / "suivi").rglob("*.py")
        if "/migrations/" not in path.as_posix()
        and path.relative_to(base).as_posix() not in UNSCOPED_ALLOW_LIST
        and re.search(r"\bunscoped_objects\b", path.read_text())
    ]
    assert not offenders, f"unscoped_objects hors liste autorisée : {offenders}"


def test_tenant_tables_of_the_follow_up_are_scoped():
    for model in (ReglesRappel, Message, Alerte, Questionnaire, ReponseQuestionnaire):
        assert isinstance(model._default_manager, TenantManager), model
