"""Retention of the carnets: the département's setting, the due dates, the warning sent once, the justification,
the daily cycle (idempotent, at frozen instants), the command (dry run unless --wet-run) and the admin's page."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet.models import Carnet, Evenement, JustificationConservation, MembreGroupe
from carnet.services.conservation import (
    ajouter_mois,
    carnets_bientot_echus,
    carnets_echus,
    conservation_appliquer,
    jamais_accompagnes_a_supprimer,
)
from spie.forms import DepartementSettingsForm
from spie.models import AccessLog, Action, Notification
from spie.tenancy import departement_scope
from suivi.models import Alerte, Message, TypeAlerte
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, NoteFactory, RendezVousFactory
from tests.conftest import logged_client


def _carnet_inactif(structure, referent, *, mois):
    """A carnet followed by `referent` whose last attended appointment was `mois` months ago."""
    carnet = CarnetFactory(departement=structure.departement)
    il_y_a = timezone.now() - datetime.timedelta(days=round(mois * 30.5))
    Carnet.unscoped_objects.filter(pk=carnet.pk).update(created_at=il_y_a - datetime.timedelta(days=60))
    MembreGroupeFactory(carnet=carnet, user=referent, structure=structure, est_referent=True)
    RendezVousFactory(carnet=carnet, professionnel=referent, structure=structure, statut="present", date_heure=il_y_a)
    return carnet


def _appliquer(dep, **kwargs):
    with departement_scope(dep):
        return conservation_appliquer(departement=dep, **kwargs)


@pytest.fixture
def referent(structure_a):
    from tests.spie.factories import MembershipFactory, TotpFactory

    user = MembershipFactory(structure=structure_a, role="professionnel").user
    TotpFactory(user=user)
    return user


def test_add_months_keeps_the_day_or_the_end_of_the_month():
    assert ajouter_mois(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert ajouter_mois(datetime.date(2026, 12, 7), -24) == datetime.date(2024, 12, 7)


@pytest.mark.parametrize("mois", [11, 37])
def test_a_retention_outside_the_legal_bounds_is_refused_with_a_clear_message(dep_a, mois):
    data = {
        "delai_orientation_cible": 30,
        "delai_orientation_legal_jours": 42,
        "heures_activite_cible": 15,
        "conservation_mois": mois,
        "suppression_sans_accompagnement_mois": 6,
        "version": dep_a.updated_at.isoformat(),
    }
    form = DepartementSettingsForm(data, instance=dep_a)
    assert not form.is_valid()
    assert "entre 12 et 36 mois" in form.errors["conservation_mois"][0]


def test_the_admin_sets_the_retention_within_the_bounds(dep_a, client_admin_a):
    data = {
        "delai_orientation_cible": 30,
        "delai_orientation_legal_jours": 42,
        "heures_activite_cible": 15,
        "conservation_mois": 30,
        "suppression_sans_accompagnement_mois": 4,
        "suivi_sortie_mois": "1,3,6",
        "version": dep_a.updated_at.isoformat(),
    }
    response = client_admin_a.post(reverse("spie:admin_parametres"), data)
    assert response.status_code == 302
    dep_a.refresh_from_db()
    assert (dep_a.conservation_mois, dep_a.suppression_sans_accompagnement_mois) == (30, 4)


def test_the_last_qualifying_activity_sets_the_due_date(dep_a, structure_a, referent):
    ancien = _carnet_inactif(structure_a, referent, mois=25)
    recent = _carnet_inactif(structure_a, referent, mois=25)
    NoteFactory(carnet=recent, auteur=referent, structure=structure_a)  # a note today: kept 24 more months
    bientot = _carnet_inactif(structure_a, referent, mois=23.5)
    with departement_scope(dep_a):
        assert list(carnets_echus(departement=dep_a)) == [ancien]
        assert list(carnets_bientot_echus(departement=dep_a)) == [bientot]


def test_the_cycle_warns_once_then_anonymises_after_the_notice_then_does_nothing(
    dep_a, structure_a, referent, _clock, django_capture_on_commit_callbacks
):
    carnet = _carnet_inactif(structure_a, referent, mois=25)
    with django_capture_on_commit_callbacks(execute=False):
        bilan = _appliquer(dep_a)
    assert (bilan.prevenus, bilan.anonymises) == (1, 0)
    assert Alerte.unscoped_objects.filter(carnet=carnet, type=TypeAlerte.CONSERVATION).count() == 1
    assert Notification.objects.filter(user=referent, titre__contains="bientôt anonymisé").count() == 1
    assert Message.unscoped_objects.filter(destinataire=referent.email).count() == 1

    again = _appliquer(dep_a)
    assert (again.prevenus, again.anonymises, again.supprimes) == (0, 0, 0)

    _clock.move_to(timezone.now() + datetime.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        bilan = _appliquer(dep_a)
    assert bilan.anonymises == 1
    carnet.refresh_from_db()
    assert carnet.anonymise_le == timezone.localdate()
    assert carnet.beneficiaire.nom_usage == ""
    # The warning named the person: it is emptied with the rest.
    assert not Notification.objects.filter(message__contains=carnet.uid.hex[:8]).exclude(message="").exists()

    last = _appliquer(dep_a)
    assert (last.prevenus, last.anonymises, last.supprimes) == (0, 0, 0)


def test_a_justification_postpones_the_anonymisation_and_is_logged(dep_a, structure_a, referent, _clock):
    carnet = _carnet_inactif(structure_a, referent, mois=25)
    _appliquer(dep_a)
    client = logged_client(referent)
    url = reverse("carnet:conservation_justifier", kwargs={"uid": carnet.uid})
    assert client.get(url).status_code == 200
    refused = client.post(url, {"motif": "court"})
    assert refused.status_code == 400
    assert not JustificationConservation.unscoped_objects.exists()
    response = client.post(url, {"motif": "Accompagnement repris avec un nouveau projet"})
    assert response.status_code == 302
    justification = JustificationConservation.unscoped_objects.get(carnet=carnet)
    assert justification.jusqu_au == ajouter_mois(timezone.localdate(), 24)
    assert Evenement.unscoped_objects.filter(carnet=carnet, type="conservation").exists()
    assert AccessLog.objects.filter(object_uid=justification.uid, action=Action.CREATION).exists()

    _clock.move_to(timezone.now() + datetime.timedelta(days=31))
    bilan = _appliquer(dep_a)
    assert (bilan.prevenus, bilan.anonymises) == (0, 0)
    carnet.refresh_from_db()
    assert carnet.anonymise_le is None


def test_people_never_accompanied_are_deleted_after_the_short_delay(dep_a, structure_a, _clock):
    jamais = CarnetFactory(departement=dep_a)
    Carnet.unscoped_objects.filter(pk=jamais.pk).update(created_at=timezone.now() - datetime.timedelta(days=150))
    with departement_scope(dep_a):
        assert not jamais_accompagnes_a_supprimer(departement=dep_a).exists()  # 5 months < 6
    _clock.move_to(timezone.now() + datetime.timedelta(days=40))
    bilan = _appliquer(dep_a)
    assert bilan.supprimes == 1
    assert not Carnet.unscoped_objects.filter(pk=jamais.pk).exists()
    assert _appliquer(dep_a).supprimes == 0


def test_the_command_is_a_dry_run_unless_wet_run(dep_a, structure_a, referent, _clock):
    carnet = _carnet_inactif(structure_a, referent, mois=25)
    out = StringIO()
    call_command("appliquer_conservation", stdout=out)
    assert "simulation" in out.getvalue() and "1 alerte(s) à envoyer" in out.getvalue()
    assert not Alerte.unscoped_objects.exists()
    call_command("appliquer_conservation", "--wet-run", stdout=out)
    assert Alerte.unscoped_objects.filter(carnet=carnet).exists()
    _clock.move_to(timezone.now() + datetime.timedelta(days=31))
    out = StringIO()
    call_command("appliquer_conservation", "--wet-run", stdout=out)
    assert "1 carnet(s) anonymisé(s)" in out.getvalue()
    assert Carnet.unscoped_objects.get(pk=carnet.pk).anonymise_le is not None


def test_the_admin_page_lists_the_carnets_due_in_constant_queries(
    dep_a, structure_a, referent, client_admin_a, client_agent_a
):
    for _ in range(3):
        _carnet_inactif(structure_a, referent, mois=25)
        _carnet_inactif(structure_a, referent, mois=23.5)
    url = reverse("carnet:conservation")
    with CaptureQueriesContext(connection) as queries:
        response = client_admin_a.get(url)
    assert response.status_code == 200
    assert len(queries) <= 20
    page = response.content.decode()
    assert "Carnets dont la durée de conservation est atteinte (3)" in page
    assert "Carnets bientôt échus (3)" in page
    assert AccessLog.objects.filter(details__page="conservation").count() == 1
    assert client_agent_a.get(url).status_code == 403


def test_an_anonymised_carnet_leaves_the_portfolio(dep_a, structure_a, referent, _clock):
    carnet = _carnet_inactif(structure_a, referent, mois=25)
    _appliquer(dep_a)
    _clock.move_to(timezone.now() + datetime.timedelta(days=31))
    _appliquer(dep_a)
    assert not MembreGroupe.unscoped_objects.filter(carnet=carnet, fin=None).exists()


def test_a_failure_on_one_carnet_does_not_stop_the_others(dep_a, structure_a, referent, _clock, monkeypatch):
    from carnet.services import anonymisation

    premier = _carnet_inactif(structure_a, referent, mois=25)
    second = _carnet_inactif(structure_a, referent, mois=26)
    _appliquer(dep_a)
    _clock.move_to(timezone.now() + datetime.timedelta(days=31))
    vrai = anonymisation.carnet_anonymiser

    def panne(*, carnet, **kwargs):
        if carnet.pk == premier.pk:
            raise RuntimeError("panne")
        return vrai(carnet=carnet, **kwargs)

    monkeypatch.setattr(anonymisation, "carnet_anonymiser", panne)
    bilan = _appliquer(dep_a)
    assert (bilan.anonymises, bilan.erreurs) == (1, [str(premier.uid)])
    assert Carnet.unscoped_objects.get(pk=second.pk).anonymise_le is not None
    assert Carnet.unscoped_objects.get(pk=premier.pk).anonymise_le is None
