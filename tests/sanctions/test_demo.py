"""The demo has one sanction file at each stage, the notified one in the space of a demo person; idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from sanctions.dev.demo import ETAPES
from sanctions.models import DossierManquement
from spie.models import Departement
from spie.tenancy import departement_scope
from usager.dev import demo as usager_demo

pytestmark = pytest.mark.django_db


def test_demo_has_one_file_at_each_stage():
    call_command("charger_referentiels", stdout=StringIO())
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    departement = Departement.objects.get(code="76")
    with departement_scope(departement):
        etats = sorted(DossierManquement.objects.values_list("etat", flat=True))
        assert etats == sorted(ETAPES)
        notifie = DossierManquement.objects.get(etat="notifie")
        assert notifie.carnet.beneficiaire in usager_demo.beneficiaires(departement)
        assert notifie.date_certaine is None and notifie.notification_canal == "espace"
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    assert DossierManquement.unscoped_objects.count() == len(ETAPES)


def test_demo_has_one_team_with_a_convened_session():
    from sanctions.models import EquipePluridisciplinaire, SeanceEquipe

    call_command("charger_referentiels", stdout=StringIO())
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    with departement_scope(Departement.objects.get(code="76")):
        equipe = EquipePluridisciplinaire.objects.get()
        assert equipe.membres.filter(actif=True).count() >= 2
        seance = SeanceEquipe.objects.get()
        assert seance.etat == "convoquee" and seance.passages.count() == 2
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    assert SeanceEquipe.unscoped_objects.count() == 1
