"""What a partner structure (API token, webhooks) may read: the carnets it follows, by need to know."""

from django.utils import timezone

from carnet.models import Carnet
from carnet.perms import can_partner_handle_rendez_vous, can_partner_read_carnet
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, RendezVousFactory
from tests.spie.factories import StructureFactory


def test_a_structure_follows_the_carnets_where_one_of_its_professionals_is_an_active_member(dep_a, scope_a):
    ft = StructureFactory(departement=dep_a, type="france_travail")
    suivi, quitte, autre = (CarnetFactory(departement=dep_a) for _ in range(3))
    MembreGroupeFactory(carnet=suivi, structure=ft)
    MembreGroupeFactory(carnet=quitte, structure=ft, fin=timezone.now())
    MembreGroupeFactory(carnet=autre)
    assert list(Carnet.objects.suivis_par_structure(ft)) == [suivi]
    assert [can_partner_read_carnet(ft, c) for c in (suivi, quitte, autre)] == [True, False, False]


def test_the_departements_own_services_follow_every_carnet_of_the_departement(dep_a, dep_b, unscoped):
    service = StructureFactory(departement=dep_a, type="departement")
    carnets = {CarnetFactory(departement=dep_a), CarnetFactory(departement=dep_a)}
    CarnetFactory(departement=dep_b)  # another département: out of the scope, never listed
    with departement_scope(dep_a):
        assert set(Carnet.objects.suivis_par_structure(service)) == carnets
        assert all(can_partner_read_carnet(service, carnet) for carnet in carnets)


def test_a_structure_handles_only_its_own_appointments(dep_a, scope_a):
    ft, mission_locale = (StructureFactory(departement=dep_a) for _ in range(2))
    rendez_vous = RendezVousFactory(carnet=CarnetFactory(departement=dep_a), structure=ft)
    assert can_partner_handle_rendez_vous(ft, rendez_vous)
    assert not can_partner_handle_rendez_vous(mission_locale, rendez_vous)
