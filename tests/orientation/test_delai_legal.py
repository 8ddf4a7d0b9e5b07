"""The legal orientation clock (D.262-65-2 CASF): deadline from the day the information was received, days
left in the queue sorted by urgency, France Travail's takeover past the deadline (edge days, idempotent), a
transfer restarting the clock, the bounded setting."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carnet.services import RegleMetier
from orientation import services, tasks
from orientation.models import DossierOrientation, Orientation, StatutDossier, StatutOrientation
from orientation.queue import file_queryset
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory
from tests.orientation.factories import DossierFactory, OrientationFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D0 = datetime.date(2026, 10, 5)
# The fixtures (logins included) run after every day these tests move to: moving the clock back never ends a
# session, whatever SPIE_TEST_NOW says.
pytestmark = pytest.mark.clock("2026-12-07T09:30:00+01:00")


def _at(clock, day, hour=9):
    clock.move_to(datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=PARIS))


def _jour(n):
    return D0 + datetime.timedelta(days=n)


def _entrant(dep, nom, entree=None):
    return CarnetFactory(
        departement=dep,
        beneficiaire__nom_usage=nom,
        beneficiaire__date_entree_rsa=entree or D0 - datetime.timedelta(days=3),
    )


def _file(dep):
    with departement_scope(dep):
        return {c.beneficiaire.nom_usage: c for c in file_queryset(dep)}


def _takeover(dep, day):
    with departement_scope(dep):
        return services.orientations_france_travail_enregistrer(departement=dep, jour=day)


def test_clock_starts_the_day_the_carnet_came_not_before_rsa_entry(dep_a, _clock):
    _at(_clock, D0)
    arrive = _entrant(dep_a, "Arrive")
    tardif = _entrant(dep_a, "Tardif", entree=D0 + datetime.timedelta(days=2))
    rows = _file(dep_a)
    assert rows["Arrive"].date_reception == D0 and rows["Arrive"].date_limite == _jour(42)
    # A right opened after the carnet existed: the clock starts with the right.
    assert rows["Tardif"].date_reception == _jour(2) and rows["Tardif"].date_limite == _jour(44)
    assert arrive and tardif


def test_queue_shows_days_left_and_puts_the_most_urgent_first(client_charge, dep_a, _clock):
    _at(_clock, D0)
    _entrant(dep_a, "Ancien")
    _at(_clock, _jour(10))
    _entrant(dep_a, "Recent")
    _at(_clock, _jour(30))
    response = client_charge.get(reverse("orientation:file"))
    rows = response.context["rows"]
    assert [r.beneficiaire.nom_usage for r in rows] == ["Ancien", "Recent"]
    assert [r.jours_restants for r in rows] == [12, 22]
    assert rows[0].alerte_legale and not rows[1].alerte_legale
    content = response.content.decode()
    assert "12 jours restants" in content and "avant le 16/11/2026" in content


def test_last_day_belongs_to_the_departement_the_next_day_to_france_travail(dep_a, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Limite")
    _at(_clock, _jour(42))
    assert _takeover(dep_a, _jour(42)) == 0
    assert _file(dep_a)["Limite"].date_limite == _jour(42)
    _at(_clock, _jour(43))
    assert _takeover(dep_a, _jour(43)) == 1
    assert _takeover(dep_a, _jour(43)) == 0  # run twice: recorded once
    with departement_scope(dep_a):
        dossier = DossierOrientation.objects.get(carnet=carnet)
        assert dossier.statut == StatutDossier.ORIENTE_FRANCE_TRAVAIL
        assert dossier.date_orientation_france_travail == _jour(43)
        assert dossier.date_limite_orientation == _jour(42)
        assert dossier.date_reception_information == D0
        assert carnet.evenements.filter(resume__contains="France Travail oriente").count() == 1
    assert "Limite" not in _file(dep_a)


def test_a_late_task_records_the_legal_date_not_the_run_date(dep_a, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Oublie")
    _at(_clock, _jour(50))
    assert _takeover(dep_a, _jour(50)) == 1
    with departement_scope(dep_a):
        assert DossierOrientation.objects.get(carnet=carnet).date_orientation_france_travail == _jour(43)


def test_open_dossier_passes_to_france_travail_and_its_pending_proposal_lapses(dep_a, charge, _clock, client_charge):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Propose")
    with departement_scope(dep_a):
        dossier = services.dossier_open(carnet=carnet, charge=charge, auteur=charge, structure=None)
    assert dossier.date_reception_information == D0 and dossier.date_limite_orientation == _jour(42)
    DossierOrientation.unscoped_objects.filter(pk=dossier.pk).update(statut=StatutDossier.ORIENTATION_PROPOSEE)
    proposition = OrientationFactory(dossier=dossier)
    _at(_clock, _jour(43))
    assert _takeover(dep_a, _jour(43)) == 1
    with departement_scope(dep_a):
        dossier.refresh_from_db()
        assert dossier.statut == StatutDossier.ORIENTE_FRANCE_TRAVAIL
        assert Orientation.objects.get(pk=proposition.pk).statut == StatutOrientation.CADUQUE
    page = client_charge.get(reverse("orientation:dossier", kwargs={"uid": dossier.uid})).content.decode()
    assert "France Travail oriente la personne depuis le 17/11/2026" in page
    # The lapsed proposal can no longer be validated.
    with departement_scope(dep_a), pytest.raises(RegleMetier):
        services.orientation_validate(orientation=proposition, auteur=charge, auteur_structure=None)


def test_clock_recorded_at_opening_does_not_move_with_the_setting(dep_a, charge, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Fige")
    with departement_scope(dep_a):
        dossier = services.dossier_open(carnet=carnet, charge=charge, auteur=charge, structure=None)
    type(dep_a).objects.filter(pk=dep_a.pk).update(delai_orientation_legal_jours=30)
    dep_a.refresh_from_db()
    assert _file(dep_a)["Fige"].date_limite == _jour(42)
    autre = _entrant(dep_a, "Nouveau")
    assert _file(dep_a)["Nouveau"].date_limite == _jour(30)
    assert dossier and autre


def test_transfer_restarts_the_clock(dep_a, charge, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Demenage")
    with departement_scope(dep_a):
        services.dossier_open(carnet=carnet, charge=charge, auteur=charge, structure=None)
    _at(_clock, _jour(40))
    with departement_scope(dep_a):
        dossier = services.information_recevoir(
            carnet=carnet, departement=dep_a, date_reception=_jour(39), origine="transfert", source="saisie"
        )
    assert dossier.date_limite_orientation == _jour(81)
    _at(_clock, _jour(43))
    assert _takeover(dep_a, _jour(43)) == 0
    assert _file(dep_a)["Demenage"].date_limite == _jour(81)


def test_transfer_after_france_travail_took_over_opens_a_new_clock(dep_a, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Revenu")
    _at(_clock, _jour(60))
    _takeover(dep_a, _jour(60))
    with departement_scope(dep_a):
        with pytest.raises(RegleMetier, match="Seul un transfert"):
            services.information_recevoir(
                carnet=carnet, departement=dep_a, date_reception=_jour(59), origine="ouverture", source="api"
            )
        nouveau = services.information_recevoir(
            carnet=carnet, departement=dep_a, date_reception=_jour(59), origine="transfert", source="api"
        )
        assert DossierOrientation.objects.filter(carnet=carnet).count() == 2
    assert nouveau.statut == StatutDossier.A_CONVOQUER and nouveau.date_limite_orientation == _jour(101)
    assert _file(dep_a)["Revenu"].date_limite == _jour(101)


def test_reception_in_the_future_is_refused_and_nothing_written(dep_a, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Futur")
    with departement_scope(dep_a):
        with pytest.raises(RegleMetier, match="dans le futur"):
            services.information_recevoir(
                carnet=carnet, departement=dep_a, date_reception=_jour(1), origine="ouverture", source="saisie"
            )
        assert not DossierOrientation.objects.exists()


def test_legal_delay_setting_cannot_exceed_six_weeks(dep_a):
    dep_a.delai_orientation_legal_jours = 43
    with pytest.raises(ValidationError):
        dep_a.full_clean()
    dep_a.delai_orientation_legal_jours = 42
    dep_a.full_clean()


def test_charge_records_a_transfer_by_hand(client_charge, dep_a, charge, _clock):
    _at(_clock, D0)
    carnet = _entrant(dep_a, "Main")
    dossier = DossierFactory(carnet=carnet, charge_orientation=charge)
    _at(_clock, _jour(5))
    url = reverse("orientation:dossier_reception", kwargs={"uid": dossier.uid})
    assert client_charge.get(url).status_code == 200
    response = client_charge.post(url, {"date_reception": "2026-10-09", "origine": "transfert"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.date_reception_information, dossier.date_limite_orientation) == (_jour(4), _jour(46))
    assert dossier.source_information == "saisie" and dossier.origine_information == "transfert"
    page = client_charge.get(reverse("orientation:dossier", kwargs={"uid": dossier.uid})).content.decode()
    assert "au plus tard le <strong>20/11/2026</strong> (41 jours restants)" in page


def test_daily_task_runs_every_departement(dep_a, dep_b, _clock):
    _at(_clock, D0)
    _entrant(dep_a, "Un")
    _entrant(dep_b, "Deux")
    _at(_clock, _jour(43))
    assert tasks.orientations_france_travail() == {"76": 1, "08": 1}
    assert tasks.orientations_france_travail() == {"76": 0, "08": 0}
