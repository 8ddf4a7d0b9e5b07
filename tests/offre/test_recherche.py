"""Search of the catalogue: criteria semantics, zone matching and order, the JSON endpoint, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offre import search
from offre.search import Criteres, search_page, search_services
from spie.tenancy import departement_scope
from tests.offre.factories import ServiceFactory, SessionFactory, referentiel_geo
from tests.spie.factories import StructureFactory

URL = reverse("offre:recherche")
URL_JSON = reverse("offre:recherche_json")


@pytest.fixture
def geo(db):
    return referentiel_geo()


def noms(services):
    return [s.nom for s in services]


def found(dep, **criteres):
    with departement_scope(dep):
        return noms(search_services(Criteres(**criteres)))


# --- Zones ----------------------------------------------------------------------------------------------


@pytest.fixture
def zones(structure_a, geo):
    """One service per kind of zone, and services whose zone does not cover Rouen."""
    return {
        "commune": ServiceFactory(structure=structure_a, nom="Rouen", zone_eligibilite=["76540"]),
        "epci": ServiceFactory(structure=structure_a, nom="Métropole", zone_eligibilite=["200023414"]),
        "departement": ServiceFactory(structure=structure_a, nom="Seine-Maritime", zone_eligibilite=["76"]),
        "france": ServiceFactory(structure=structure_a, nom="France", zone_eligibilite=["france"]),
        "pays": ServiceFactory(structure=structure_a, nom="France (code pays)", zone_eligibilite=["99100"]),
        "autre_commune": ServiceFactory(structure=structure_a, nom="Dieppe", zone_eligibilite=["76217"]),
        "autre_epci": ServiceFactory(structure=structure_a, nom="Dieppoise", zone_eligibilite=["247600786"]),
        "autre_departement": ServiceFactory(structure=structure_a, nom="Eure", zone_eligibilite=["27"]),
    }


def test_commune_matches_its_zone_its_epci_its_departement_and_france_most_local_first(dep_a, zones, geo):
    assert found(dep_a, commune=geo.rouen) == ["Rouen", "Métropole", "Seine-Maritime", "France", "France (code pays)"]
    # Sotteville is in the same EPCI, not in Rouen's commune list.
    assert found(dep_a, commune=geo.sotteville) == ["Métropole", "Seine-Maritime", "France", "France (code pays)"]
    assert found(dep_a, commune=geo.dieppe)[:3] == ["Dieppe", "Dieppoise", "Seine-Maritime"]
    assert found(dep_a, commune=geo.evreux) == ["Eure", "France", "France (code pays)"]


def test_a_service_matching_several_levels_ranks_at_its_most_local_one(dep_a, structure_a, geo):
    ServiceFactory(structure=structure_a, nom="Département", zone_eligibilite=["76"])
    ServiceFactory(structure=structure_a, nom="Rouen et département", zone_eligibilite=["76", "76540"])
    with departement_scope(dep_a):
        rows = list(search_services(Criteres(commune=geo.rouen)))
    assert [(s.nom, s.niveau_zone) for s in rows] == [("Rouen et département", 0), ("Département", 2)]


def test_within_a_level_better_cards_then_fresher_ones_come_first(dep_a, structure_a, geo):
    today = timezone.localdate()
    ServiceFactory(structure=structure_a, nom="Pauvre", description="Court", publics=[], thematiques=[])
    ServiceFactory(structure=structure_a, nom="Complet ancien", date_maj=today - datetime.timedelta(days=400))
    ServiceFactory(structure=structure_a, nom="Complet récent", date_maj=today - datetime.timedelta(days=2))
    assert found(dep_a, commune=geo.rouen) == ["Complet récent", "Complet ancien", "Pauvre"]
    assert found(dep_a) == ["Complet récent", "Complet ancien", "Pauvre"]


# --- Criteria -------------------------------------------------------------------------------------------


def test_a_category_selects_all_its_sub_themes_and_a_sub_theme_only_itself(dep_a, structure_a):
    ServiceFactory(structure=structure_a, nom="Permis", thematiques=["mobilite--preparer-un-permis"])
    ServiceFactory(structure=structure_a, nom="Véhicule", thematiques=["mobilite--acceder-a-un-vehicule"])
    ServiceFactory(structure=structure_a, nom="Numérique", thematiques=["numerique--acquerir-un-equipement"])
    assert sorted(found(dep_a, thematique="mobilite")) == ["Permis", "Véhicule"]
    assert found(dep_a, thematique="mobilite--preparer-un-permis") == ["Permis"]
    assert found(dep_a, thematique="inconnue") == []


def test_public_type_mode_and_open_sessions(dep_a, structure_a):
    jeunes = ServiceFactory(structure=structure_a, nom="Jeunes", publics=["jeunes"], type="formation")
    ServiceFactory(structure=structure_a, nom="Tous", publics=["tous-publics"], modes_accueil=["a-distance"])
    ServiceFactory(structure=structure_a, nom="Femmes", publics=["femmes"])
    pleine = ServiceFactory(structure=structure_a, nom="Complet", publics=["femmes"])
    SessionFactory(service=jeunes, places_restantes=2)
    SessionFactory(service=pleine, places_restantes=0)
    SessionFactory(service=pleine, date_debut=timezone.localdate() - datetime.timedelta(days=3))
    assert sorted(found(dep_a, public="jeunes")) == ["Jeunes", "Tous"]
    assert found(dep_a, type="formation") == ["Jeunes"]
    assert found(dep_a, mode_accueil="a-distance") == ["Tous"]
    assert found(dep_a, sessions_ouvertes=True) == ["Jeunes"]


def test_free_text_matches_prefixes_plurals_and_words_of_the_description(dep_a, structure_a):
    ServiceFactory(structure=structure_a, nom="Formation cariste", description="Conduite de chariots élévateurs.")
    ServiceFactory(structure=structure_a, nom="Atelier numérique", description="Apprendre la bureautique.")
    assert found(dep_a, texte="format") == ["Formation cariste"]
    assert found(dep_a, texte="formations CARISTES") == ["Formation cariste"]
    assert found(dep_a, texte="chariots") == ["Formation cariste"]
    assert found(dep_a, texte="numerique bureautique") == ["Atelier numérique"]
    assert found(dep_a, texte="cariste numérique") == []
    # The structure's name and the labels of the referentials are searched too.
    assert len(found(dep_a, texte="candidature")) == 2


def test_only_published_services_of_the_departement_are_found(dep_a, dep_b, structure_a):
    ServiceFactory(structure=structure_a, nom="Publié")
    ServiceFactory(structure=structure_a, nom="À valider", a_valider=True)
    ServiceFactory(structure=structure_a, nom="Suspendu", suspendu=True)
    ServiceFactory(structure=StructureFactory(departement=dep_b), nom="Ardennes")
    assert found(dep_a) == ["Publié"]


def test_dense_searches_are_read_level_by_level_in_the_same_order(dep_a, zones, geo, monkeypatch, structure_a):
    """Beyond PLAFOND matches, each zone level is read on its own: same rows, same order, any page."""
    for index in range(5):
        ServiceFactory(structure=structure_a, nom=f"Département {index}", zone_eligibilite=["76"])
    criteres = Criteres(commune=geo.rouen)
    with departement_scope(dep_a):
        expected = noms(search_services(criteres))
        monkeypatch.setattr(search, "PLAFOND", 3)
        pages = [search_page(criteres, page=page, par_page=2) for page in (1, 2, 3, 4, 5)]
    assert [total for _, total, _ in pages] == [3] * 5 and all(capped for _, _, capped in pages)
    assert [name for rows, _, _ in pages for name in noms(rows)] == expected
    assert pages[0][0][0].niveau_zone == 0


# --- Pages ----------------------------------------------------------------------------------------------


def test_search_page_resolves_the_commune_and_shows_the_zone_level(client_agent_a, zones, geo):
    response = client_agent_a.get(URL, {"commune": "Rouen"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "5 offres pour Rouen (76540)" in page
    assert page.index("Zone : Commune") < page.index("Zone : Intercommunalité") < page.index("Zone : France entière")
    assert client_agent_a.get(URL, {"commune": "76000"}).context["commune"] == geo.rouen
    response = client_agent_a.get(URL, {"commune": "Nulle-Part-sur-Mer"})
    assert "Commune introuvable" in response.content.decode()


def test_json_endpoint(client_agent_a, zones, geo):
    response = client_agent_a.get(URL_JSON, {"commune": "76540", "thematique": "preparer-sa-candidature"})
    data = response.json()
    assert response.status_code == 200
    assert data["commune"] == {"code_insee": "76540", "nom": "Rouen"}
    assert (data["total"], data["total_plafonne"], data["page"]) == (5, False, 1)
    first = data["resultats"][0]
    assert (first["nom"], first["niveau_zone"], first["zone_eligibilite"]) == ("Rouen", "Commune", ["76540"])
    assert first["url"] == reverse("offre:service_detail", args=[zones["commune"].uid])
    assert client_agent_a.get(URL_JSON, {"commune": "xx"}).status_code == 400


def test_json_endpoint_lists_open_sessions(client_agent_a, structure_a):
    service = ServiceFactory(structure=structure_a, type="formation")
    SessionFactory(service=service, places_restantes=3)
    data = client_agent_a.get(URL_JSON, {"sessions_ouvertes": "1"}).json()
    assert data["resultats"][0]["sessions_ouvertes"][0]["places_restantes"] == 3


def _count_queries(client, url, params):
    client.get(url, params)  # warm: per-session caches of the layout (unread notifications...)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [URL, URL_JSON])
def test_search_query_count_does_not_depend_on_the_number_of_results(client_agent_a, structure_a, geo, url):
    def add(n):
        for _ in range(n):
            service = ServiceFactory(structure=StructureFactory(departement=structure_a.departement))
            SessionFactory(service=service)

    add(3)
    few = _count_queries(client_agent_a, url, {"commune": "76540"})
    add(4)
    many = _count_queries(client_agent_a, url, {"commune": "76540"})
    assert few == many
