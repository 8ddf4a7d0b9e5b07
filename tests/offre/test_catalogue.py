"""A structure maintains its services and sessions in the browser; the département admin moderates them and
follows their quality (the package's `score_qualite`)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offre import schema
from offre.models import Service, SessionService
from spie.models import AccessLog, Notification
from spie.tenancy import departement_scope
from tests.conftest import logged_client
from tests.offre.factories import ServiceFactory, SessionFactory, referentiel_geo
from tests.spie.factories import MembershipFactory, StructureFactory

DESCRIPTION = (
    "Deux demi-journées par semaine pour construire un CV clair et une lettre de motivation adaptée à chaque offre. "
    "Le groupe travaille sur ordinateur avec une conseillère ; chacun repart avec un CV imprimé et enregistré."
)


@pytest.fixture
def geo(db):
    return referentiel_geo()


def service_data(**overrides):
    data = {
        "nom": "Atelier CV",
        "description": DESCRIPTION,
        "type": "atelier",
        "thematiques": ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
        "publics": ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
        "frais": "gratuit",
        "zone_eligibilite": "76540, 200023414",
        "modes_accueil": ["en-presentiel"],
        "adresse": "1 rue de la République",
        "code_insee": "76540",
        "telephone": "02 35 00 00 00",
        "courriel": "atelier@association.example",
        "modes_mobilisation": ["telephoner"],
        "mobilisable_par": ["professionnels"],
        "volume_horaire_hebdomadaire": "6",
        "nombre_semaines": "2",
    }
    data.update(overrides)
    return data


def test_structure_member_adds_a_service_awaiting_moderation(client_agent_a, agent_a, structure_a, dep_a, geo):
    response = client_agent_a.post(reverse("offre:service_creer"), service_data())
    assert response.status_code == 302
    with departement_scope(dep_a):
        service = Service.objects.get()
    assert (service.statut, service.structure, service.created_by) == ("a_valider", structure_a, agent_a)
    assert (service.source, service.di_id) == ("spie-76", f"spie-76--{service.uid}")
    assert (service.commune, service.code_postal) == ("Rouen", "")  # Rouen has two postal codes
    assert service.zone_eligibilite == ["76540", "200023414"]
    assert service.zone_keys == ["commune:76540", "epci:200023414"]
    assert service.score_qualite == 1.0
    assert service.date_maj == schema.today()  # never after the server's date, which the package checks


def test_admin_adds_a_published_service_for_any_structure(client_admin_a, dep_a, geo):
    other = StructureFactory(departement=dep_a, nom="Centre social")
    response = client_admin_a.post(reverse("offre:service_creer"), service_data(structure=other.pk))
    assert response.status_code == 302
    with departement_scope(dep_a):
        service = Service.objects.get()
    assert (service.statut, service.structure) == ("publie", other)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"nom": "Atelier CV."}, "nom", "ne doit pas se terminer par un point"),
        ({"publics": ["tous-publics", "femmes"]}, "publics", "`tous-publics` ne peut pas être utilisé"),
        ({"zone_eligibilite": "76540, 99999"}, "zone_eligibilite", "Codes inconnus du Code officiel géographique"),
        ({"zone_eligibilite": ""}, "zone_eligibilite", "Ce champ est obligatoire"),
        ({"code_insee": "00000"}, "code_insee", "Code commune inconnu"),
        ({"thematiques": ["mobilite--voler"]}, "thematiques", "Sélectionnez un choix valide"),
        ({"description": "Bof"}, "description", "Texte trop court"),
    ],
)
def test_service_form_validates_with_the_package_and_the_referential(client_agent_a, geo, overrides, field, message):
    response = client_agent_a.post(reverse("offre:service_creer"), service_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not Service.unscoped_objects.exists()


def test_member_edits_a_service_with_optimistic_locking(client_agent_a, structure_a, geo, dep_a):
    service = ServiceFactory(structure=structure_a, nom="Ancien nom", suspendu=True)
    url = reverse("offre:service_modifier", args=[service.uid])
    assert client_agent_a.post(url, service_data(nom="Nouveau nom", version=1)).status_code == 302
    service.refresh_from_db()
    # A suspended service edited by its structure goes back to moderation.
    assert (service.nom, service.version, service.statut) == ("Nouveau nom", 2, "a_valider")
    response = client_agent_a.post(url, service_data(nom="Conflit", version=1))
    assert response.status_code == 200 and response.context["form"].conflict
    service.refresh_from_db()
    assert service.nom == "Nouveau nom"


def test_another_structure_cannot_edit_the_service(partner_a, structure_a, geo):
    service = ServiceFactory(structure=structure_a)
    client = logged_client(partner_a)
    assert client.post(reverse("offre:service_modifier", args=[service.uid]), service_data()).status_code == 403


def test_admin_moderates_and_the_structure_is_told(client_admin_a, structure_a, agent_a, dep_a):
    service = ServiceFactory(structure=structure_a, a_valider=True)
    page = client_admin_a.get(reverse("offre:moderation")).content.decode()
    assert service.nom in page
    url = reverse("offre:moderer", args=[service.uid])
    response = client_admin_a.post(url, {"decision": "suspendre", "motif": ""})
    assert response.status_code == 200 and "motif" in response.context["form"].errors
    assert client_admin_a.post(url, {"decision": "publier"}).status_code == 302
    service.refresh_from_db()
    assert service.statut == "publie"
    assert client_admin_a.post(url, {"decision": "suspendre", "motif": "Coordonnées à vérifier"}).status_code == 302
    service.refresh_from_db()
    assert (service.statut, service.motif_moderation) == ("suspendu", "Coordonnées à vérifier")
    titles = list(Notification.objects.filter(user=agent_a).order_by("pk").values_list("titre", flat=True))
    assert titles == ["Service publié par le Département", "Service suspendu par le Département"]


def test_sessions_are_added_edited_and_deleted(client_agent_a, structure_a, dep_a):
    service = ServiceFactory(structure=structure_a, type="formation")
    url = reverse("offre:sessions", args=[service.uid])
    start = timezone.localdate() + datetime.timedelta(days=20)
    data = {"date_debut": start, "date_fin": start + datetime.timedelta(days=5), "places_total": 12}
    assert client_agent_a.post(url, data).status_code == 302
    with departement_scope(dep_a):
        session = SessionService.objects.get()
    assert (session.places_total, session.places_restantes, session.ouverte) == (12, 12, True)
    response = client_agent_a.post(url, {**data, "date_fin": start - datetime.timedelta(days=1)})
    assert "date_fin" in response.context["form"].errors
    edit = reverse("offre:session_modifier", args=[service.uid, session.uid])
    assert client_agent_a.post(edit, {**data, "places_restantes": 0, "version": 1}).status_code == 302
    session.refresh_from_db()
    assert (session.places_restantes, session.ouverte) == (0, False)
    delete = reverse("offre:session_supprimer", args=[service.uid, session.uid])
    assert client_agent_a.post(delete).status_code == 302
    assert not SessionService.unscoped_objects.exists()


def test_a_session_of_another_service_is_not_found(client_agent_a, structure_a):
    service, other = ServiceFactory(structure=structure_a), ServiceFactory(structure=structure_a)
    session = SessionFactory(service=other)
    assert client_agent_a.get(reverse("offre:session_modifier", args=[service.uid, session.uid])).status_code == 404


def test_structure_manager_keeps_the_public_card(dep_a, structure_a, geo):
    responsable = MembershipFactory(structure=structure_a, role="responsable_structure").user
    client = logged_client(responsable)
    url = reverse("offre:structure_fiche", args=[structure_a.uid])
    data = {
        "description": "Association d'insertion par l'activité économique.",
        "code_postal": "76000",
        "horaires_accueil": "Mo-Fr 09:00-12:00",
        "accessibilite_lieu": "https://acceslibre.beta.gouv.fr/app/lieu/",
        "reseaux_porteurs": ["aci", "inae"],
        "version": 1,
    }
    assert client.post(url, data).status_code == 302
    structure_a.refresh_from_db()
    assert (structure_a.reseaux_porteurs, structure_a.version) == (["aci", "inae"], 2)
    assert AccessLog.objects.filter(action="modification", object_uid=structure_a.uid).exists()
    response = client.post(url, {**data, "reseaux_porteurs": ["inconnu"], "version": 2})
    assert "reseaux_porteurs" in response.context["form"].errors


def test_quality_page_lists_the_weakest_services_first(client_admin_a, structure_a):
    ServiceFactory(structure=structure_a, nom="Complet")
    ServiceFactory(structure=structure_a, nom="Pauvre", description="Court", publics=[], frais="", telephone="",
                   courriel="", modes_mobilisation=[], mobilisable_par=[])  # fmt: skip
    response = client_admin_a.get(reverse("offre:qualite"))
    page = response.content.decode()
    assert page.index("Pauvre") < page.index("Complet")
    pauvre = next(s for s in response.context["page"] if s.nom == "Pauvre")
    assert "Au moins un public" in pauvre.criteres_manques
    assert "Description de 200 à 2 000 caractères" in pauvre.criteres_manques


def test_service_page_shows_the_package_score_and_the_zone(client_agent_a, structure_a, geo):
    service = ServiceFactory(structure=structure_a, zone_eligibilite=["76540", "200023414", "france"])
    page = client_agent_a.get(reverse("offre:service_detail", args=[service.uid])).content.decode()
    assert "Rouen (76540)" in page and "Métropole Rouen Normandie (200023414)" in page and "France entière" in page
    assert "Qualité de la fiche" in page


def test_unpublished_service_is_visible_to_its_structure_only(client_agent_a, partner_a, structure_a):
    service = ServiceFactory(structure=structure_a, a_valider=True)
    url = reverse("offre:service_detail", args=[service.uid])
    assert client_agent_a.get(url).status_code == 200
    assert logged_client(partner_a).get(url).status_code == 403


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("route", ["offre:catalogue", "offre:moderation", "offre:qualite", "offre:imports"])
def test_list_query_counts_do_not_depend_on_the_number_of_rows(client_admin_a, admin_a, structure_a, route):
    def add(n):
        for _ in range(n):
            service = ServiceFactory(
                structure=structure_a, statut="a_valider" if route == "offre:moderation" else "publie"
            )
            SessionFactory(service=service)
            from offre.models import ImportCatalogue

            ImportCatalogue.unscoped_objects.create(
                departement=structure_a.departement,
                format="json",
                fichier="x",
                noms_fichiers="x.json",
                created_by=admin_a,
            )

    add(3)
    few = _count(client_admin_a, reverse(route))
    add(4)
    assert _count(client_admin_a, reverse(route)) == few


def test_quality_scores_are_refreshed_as_cards_age(structure_a):
    from offre.tasks import recalculer_scores_qualite

    service = ServiceFactory(structure=structure_a)
    expected = service.score_qualite
    Service.unscoped_objects.filter(pk=service.pk).update(score_qualite=0.1)
    assert recalculer_scores_qualite() == 1
    assert recalculer_scores_qualite() == 0
    service.refresh_from_db()
    assert service.score_qualite == expected


def test_beat_runs_the_reminders_expiries_and_scores(settings):
    from celery import current_app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    wanted = {
        "offre.tasks.relancer_prescriptions",
        "offre.tasks.expirer_prescriptions",
        "offre.tasks.recalculer_scores_qualite",
    }
    assert wanted <= tasks
    import offre.tasks  # noqa: F401 - registers the tasks

    assert wanted <= set(current_app.tasks)
