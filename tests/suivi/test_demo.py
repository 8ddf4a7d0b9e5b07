"""The demo loader of the follow-up is idempotent and makes the evaluation aggregates visible."""

import pytest

from spie.tenancy import departement_scope
from suivi.dev import demo
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


def test_after_the_demo_load_the_dashboard_has_data_in_every_chart():
    """The run command loads the demo: an administrator must see charts with data right away."""
    from io import StringIO

    from django.core.management import call_command
    from django.urls import reverse

    from spie.models import Departement, User
    from suivi.indicateurs.definitions import INDICATEURS
    from suivi.models import Perimetre, ValeurIndicateur
    from tests.conftest import logged_client

    call_command("charger_referentiels", stdout=StringIO())
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    departement = Departement.objects.get(code="76")
    with departement_scope(departement):
        series = ValeurIndicateur.objects.filter(perimetre=Perimetre.DEPARTEMENT, valeur__gt=0)
        codes_avec_donnees = set(series.values_list("code", flat=True))
        mois_avec_entrants = series.filter(code="nouveaux_entrants").count()
        territoires = ValeurIndicateur.objects.filter(perimetre=Perimetre.TERRITOIRE).values("territoire").distinct()
        assert territoires.count() >= 3
    assert codes_avec_donnees == {i.code for i in INDICATEURS} and mois_avec_entrants >= 12
    page = logged_client(User.objects.get(email="admin.76@demo.spie.fr")).get(reverse("suivi:tableau_de_bord"))
    assert page.status_code == 200 and page.content.decode().count("<polyline") >= len(INDICATEURS)
