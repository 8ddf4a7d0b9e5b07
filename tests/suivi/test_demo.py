"""The demo loader of the follow-up is idempotent and makes the evaluation aggregates visible."""

import pytest

from spie.tenancy import departement_scope
from suivi import demo
from suivi.models import ReglesRappel, ReponseQuestionnaire
from suivi.services import agregats_evaluations
from tests.carnet.factories import CarnetFactory
from tests.spie.factories import StructureFactory

pytestmark = pytest.mark.django_db


def test_demo_loads_rules_and_answers_once(dep_a):
    StructureFactory(departement=dep_a, france_travail=True)
    StructureFactory(departement=dep_a, type="mission_locale")
    CarnetFactory.create_batch(3, departement=dep_a)
    with departement_scope(dep_a):
        demo.load(dep_a)
        demo.load(dep_a)
        assert ReglesRappel.objects.count() == 1
        assert ReponseQuestionnaire.objects.count() == 8
        agregats = agregats_evaluations(dep_a, None)
    assert [g.visible for g in agregats.structures] == [True, False]
