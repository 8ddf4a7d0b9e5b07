"""The tenant scope is the only way to tenant data; cross-tenant access is explicit and allow-listed."""

import pathlib
import re

import pytest
from django.apps import apps
from django.conf import settings

from spie.models import Membership, Structure
from spie.tenancy import ScopeError, TenantManager, TenantModel, all_departements, departement_scope
from tests.spie.factories import DepartementFactory, StructureFactory

# Modules allowed to use `unscoped_objects` (cross-tenant by nature), with the reason.
UNSCOPED_ALLOW_LIST = {
    "spie/tenancy.py": "defines the managers",
    "spie/middleware.py": "reads the user's memberships before any scope exists",
    "spie/services.py": "invitation links arrive without a logged-in user, hence without a scope",
    "spie/tasks.py": "housekeeping across départements",
    "partenaires/auth.py": "an API token is found before its département's scope can exist",
    "suivi/services/evaluations.py": "a questionnaire link arrives without a logged-in user, hence without a scope",
    "usager/connexion.py": "a FranceConnect identity or a one-time link arrives before any scope can exist",
    "carnet/services/transfert.py": "a transfer proposal is read by the receiving département while it lives with its "
    "carnet in the sending one",
}
PROJECT_DIRS = ["spie", "carnet", "orientation", "offre", "partenaires", "suivi", "usager", "sanctions"]


def test_tenant_query_without_scope_raises(db):
    with pytest.raises(ScopeError):
        list(Structure.objects.all())


def test_scope_filters_on_the_departement(db):
    dep_a, dep_b = DepartementFactory(code="76"), DepartementFactory(code="08")
    mine = StructureFactory(departement=dep_a)
    StructureFactory(departement=dep_b)
    with departement_scope(dep_a):
        assert list(Structure.objects.all()) == [mine]
    with all_departements():
        assert Structure.objects.count() == 2


def test_writing_into_another_departement_inside_a_scope_is_refused(db):
    dep_a, dep_b = DepartementFactory(code="76"), DepartementFactory(code="08")
    with departement_scope(dep_a), pytest.raises(ScopeError):
        Structure(departement=dep_b, nom="Intrus", type="autre").save()


def test_every_tenant_model_has_its_own_departement_and_a_scoped_default_manager():
    tenant_models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    assert Membership in tenant_models and Structure in tenant_models
    for model in tenant_models:
        assert isinstance(model._default_manager, TenantManager), model
        assert model._meta.get_field("departement").is_relation, model
        assert model._meta.get_field("departement").db_index, model


def test_unscoped_manager_is_only_used_by_allow_listed_modules():
    base = pathlib.Path(settings.BASE_DIR)
    offenders = []
    for directory in PROJECT_DIRS:
        for path in (base / directory).rglob("*.py"):
            relative = path.relative_to(base).as_posix()
            if "/migrations/" in relative or relative in UNSCOPED_ALLOW_LIST:
                continue
            if re.search(r"\bunscoped_objects\b", path.read_text()):
                offenders.append(relative)
    assert not offenders, f"unscoped_objects hors liste autorisée : {offenders}"
