"""Reminders of the check-ins after an exit into work: on the due day, to the référent (the admins when nobody is
référent), each check-in once however often the task runs; nothing for a check-in recorded or a closed carnet."""

import datetime
import zoneinfo

import pytest
from django.core import mail

from carnet import services
from carnet.models import Carnet, PointDeSuivi
from spie.models import Notification
from spie.tenancy import all_departements, departement_scope
from suivi import tasks
from suivi.models import Alerte, TypeAlerte
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D = datetime.date


def at(jour, heure=8):
    return datetime.datetime.combine(jour, datetime.time(heure), tzinfo=PARIS)


def sortie_emploi(dep, nom, jour, auteur, structure, referent=True):
    carnet = CarnetFactory(departement=dep, beneficiaire__nom_usage=nom, beneficiaire__prenoms="Alex")
    MembreGroupeFactory(carnet=carnet, user=auteur, structure=structure, est_referent=referent)
    with departement_scope(dep):
        services.sortie_create(
            carnet=carnet, data={"date_sortie": jour, "motif": "emploi"}, auteur=auteur, structure=structure
        )
    return carnet


def titres(user):
    return list(Notification.objects.filter(user=user).order_by("created_at").values_list("titre", flat=True))


def test_referent_reminded_once_on_the_due_day(dep_a, structure_a, agent_a, admin_a, run_twice, _clock, unscoped):
    _clock.move_to(at(D(2026, 1, 31)))
    carnet = sortie_emploi(dep_a, "Travail", D(2026, 1, 31), agent_a, structure_a)
    _clock.move_to(at(D(2026, 2, 27)))
    run_twice(tasks.alertes_suivi_sortie)
    assert titres(agent_a) == []
    _clock.move_to(at(D(2026, 2, 28)))  # 31 January + 1 month
    run_twice(tasks.alertes_suivi_sortie)
    assert titres(agent_a) == ["1 point de suivi à faire après une sortie vers l'emploi"]
    assert len(mail.outbox) == 1 and "Alex TRAVAIL" in mail.outbox[0].body
    # The next days: nothing more for this check-in.
    _clock.move_to(at(D(2026, 3, 2)))
    run_twice(tasks.alertes_suivi_sortie)
    assert len(titres(agent_a)) == 1
    # Recorded late, the 1-month check-in; the 3-month one is reminded on its own day.
    with departement_scope(dep_a):
        premier = PointDeSuivi.objects.get(carnet=carnet, mois=1)
        services.point_de_suivi_enregistrer(
            point=premier,
            data={"realise_le": D(2026, 3, 2), "toujours_en_emploi": True, "note": ""},
            auteur=agent_a,
            structure=structure_a,
        )
    _clock.move_to(at(D(2026, 4, 30)))
    run_twice(tasks.alertes_suivi_sortie)
    assert len(titres(agent_a)) == 2
    assert titres(admin_a) == []
    assert Alerte.objects.filter(type=TypeAlerte.SUIVI_SORTIE).count() == 2


def test_nobody_referent_tells_the_admins_and_a_closed_carnet_is_not_reminded(
    dep_a, structure_a, agent_a, admin_a, run_twice, _clock, unscoped
):
    _clock.move_to(at(D(2026, 10, 1)))
    sortie_emploi(dep_a, "Sansref", D(2026, 10, 1), agent_a, structure_a, referent=False)
    clos = sortie_emploi(dep_a, "Close", D(2026, 10, 1), agent_a, structure_a)
    Carnet.unscoped_objects.filter(pk=clos.pk).update(cloture_le=at(D(2026, 10, 20)))
    _clock.move_to(at(D(2026, 11, 2)))
    run_twice(tasks.alertes_suivi_sortie)
    assert titres(agent_a) == []
    assert titres(admin_a) == ["1 point de suivi à faire après une sortie vers l'emploi"]
    with all_departements():
        assert list(Alerte.objects.values_list("carnet__beneficiaire__nom_usage", flat=True)) == ["Sansref"]
