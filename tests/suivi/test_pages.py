"""Pages of the follow-up: who may open them, what they change, what they show."""

import pytest
from django.test import Client
from django.urls import reverse

from spie.tenancy import all_departements
from suivi.models import FrequenceCourriel, PreferenceNotification, ReglesRappel
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory, TotpFactory
from tests.suivi.factories import ReponseFactory, regles

pytestmark = pytest.mark.django_db

ROLES = ["admin_departement", "charge_orientation", "validateur_orientation", "professionnel", "responsable_structure"]

# Expected status of a GET per role (table-driven permission matrix).
MATRIX = {
    "suivi:regles": {"admin_departement": 200},
    "suivi:evaluations": {"admin_departement": 200, "responsable_structure": 200},
    "suivi:preferences": dict.fromkeys(ROLES, 200),
    "suivi:tableau_de_bord": {"admin_departement": 200, "responsable_structure": 200},
    "suivi:indicateurs_csv": {"admin_departement": 200, "responsable_structure": 200},
    "suivi:rapports": {"admin_departement": 200},
}


def _client_for(structure, role):
    user = MembershipFactory(structure=structure, role=role).user
    TotpFactory(user=user)
    return logged_client(user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, role, structure_a):
    response = _client_for(structure_a, role).get(reverse(name))
    assert response.status_code == MATRIX[name].get(role, 403)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")


# --- Rules ----------------------------------------------------------------------------------


def _form(**values):
    data = {
        "rappel_rdv_actif": "on",
        "rappel_rdv_jours": "3",
        "digest_actif": "on",
        "digest_jour_semaine": "4",
        "digest_sans_rdv_jours": "45",
        "alerte_orientation_active": "on",
        "evaluations_actives": "on",
        "fenetre_indicateurs_jours": "30",
        "version": "1",
    }
    data.update(values)
    return data


def test_get_shows_the_defaults_without_creating_the_rules(client_admin_a):
    response = client_admin_a.get(reverse("suivi:regles"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rappels et alertes" in page and 'value="60"' in page
    with all_departements():
        assert not ReglesRappel.objects.exists()


def test_admin_edits_the_rules_of_their_departement_only(client_admin_a, dep_a, dep_b):
    regles(dep_b, rappel_rdv_jours=7)
    response = client_admin_a.post(reverse("suivi:regles"), _form())
    assert response.status_code == 302
    with all_departements():
        mine = ReglesRappel.objects.get(departement=dep_a)
        other = ReglesRappel.objects.get(departement=dep_b)
    assert (mine.rappel_rdv_jours, mine.digest_jour_semaine, mine.digest_sans_rdv_jours) == (3, 4, 45)
    assert mine.alerte_sans_referent_active is False and mine.version == 2
    assert (other.rappel_rdv_jours, other.version) == (7, 1)


def test_stale_rules_form_is_refused_and_keeps_the_input(client_admin_a, dep_a):
    regles(dep_a, version=3)
    response = client_admin_a.post(reverse("suivi:regles"), _form(version="1", rappel_rdv_jours="9"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in page and 'value="9"' in page
    with all_departements():
        assert ReglesRappel.objects.get(departement=dep_a).rappel_rdv_jours == 2


def test_invalid_rules_are_explained(client_admin_a):
    response = client_admin_a.post(reverse("suivi:regles"), _form(rappel_rdv_jours="40"))
    assert response.status_code == 200
    assert "inférieure ou égale à 14" in response.content.decode()


def test_rules_page_is_in_the_admin_menu(client_admin_a):
    page = client_admin_a.get(reverse("spie:admin_tableau_de_bord")).content.decode()
    assert reverse("suivi:regles") in page and reverse("suivi:evaluations") in page


# --- Preferences ----------------------------------------------------------------------------


def test_every_user_chooses_their_email_frequency(client_agent_a, agent_a):
    page = client_agent_a.get(reverse("suivi:preferences")).content.decode()
    assert "<legend" in page and 'value="hebdomadaire"' in page
    assert not PreferenceNotification.objects.filter(user=agent_a).exists()
    response = client_agent_a.post(reverse("suivi:preferences"), {"frequence_courriel": "jamais"})
    assert response.status_code == 302
    assert PreferenceNotification.objects.get(user=agent_a).frequence_courriel == FrequenceCourriel.JAMAIS
    client_agent_a.post(reverse("suivi:preferences"), {"frequence_courriel": "quotidien"})
    assert PreferenceNotification.objects.get(user=agent_a).frequence_courriel == FrequenceCourriel.QUOTIDIEN


def test_preferences_are_in_the_menu(client_agent_a):
    assert reverse("suivi:preferences") in client_agent_a.get(reverse("spie:accueil")).content.decode()


# --- Evaluations ----------------------------------------------------------------------------


@pytest.fixture
def answers(dep_a, structure_a):
    """Three structures of A above the threshold, one below; département B's answers."""
    structures = [structure_a] + [StructureFactory(departement=dep_a, nom=f"Structure évaluée {i}") for i in range(3)]
    for structure in structures[:3]:
        ReponseFactory.create_batch(5, departement=dep_a, structure=structure, commentaire=f"Avis sur {structure.nom}")
    ReponseFactory.create_batch(2, departement=dep_a, structure=structures[3], commentaire="Rare")
    return structures


def test_admin_sees_every_structure_aggregated_with_constant_queries(
    client_admin_a, answers, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = client_admin_a.get(reverse("suivi:evaluations"))
    page = response.content.decode()
    for structure in answers:
        assert structure.nom in page
    assert "Moins de 5 réponses" in page
    # Individual answers never appear: no comment on the overview.
    assert "Avis sur" not in page
    ReponseFactory.create_batch(
        5, departement=answers[0].departement, structure=StructureFactory(departement=answers[0].departement)
    )
    with django_assert_max_num_queries(25):
        client_admin_a.get(reverse("suivi:evaluations"))


def test_admin_reads_comments_of_a_structure_above_the_threshold_only(client_admin_a, answers):
    page = client_admin_a.get(reverse("suivi:evaluations"), {"structure": answers[1].uid}).content.decode()
    assert f"Avis sur {answers[1].nom}" in page and f"Avis sur {answers[0].nom}" not in page
    page = client_admin_a.get(reverse("suivi:evaluations"), {"structure": answers[3].uid}).content.decode()
    assert "Rare" not in page


def test_structure_of_another_departement_gets_404(client_admin_b, answers):
    response = client_admin_b.get(reverse("suivi:evaluations"), {"structure": answers[0].uid})
    assert response.status_code == 404


def test_manager_sees_only_their_structure(answers):
    client = _client_for(answers[0], "responsable_structure")
    page = client.get(reverse("suivi:evaluations"), {"structure": answers[1].uid}).content.decode()
    assert answers[0].nom in page
    assert answers[1].nom not in page and answers[3].nom not in page
    assert "Avis sur" not in page and "par territoire" not in page


def test_manager_of_a_small_structure_sees_no_scores(answers):
    client = _client_for(answers[3], "responsable_structure")
    page = client.get(reverse("suivi:evaluations")).content.decode()
    assert "Moins de 5 réponses" in page and "/&nbsp;5" not in page


def test_changing_the_indicator_window_recomputes_the_series(
    client_admin_a, dep_a, django_capture_on_commit_callbacks
):
    from suivi.models import ValeurIndicateur

    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(reverse("suivi:regles"), _form(fenetre_indicateurs_jours="45"), follow=True)
    assert "recalculées avec la nouvelle fenêtre" in response.content.decode()
    with all_departements():
        fenetres = set(
            ValeurIndicateur.objects.filter(departement=dep_a, code="delai_orientation").values_list(
                "parametres__fenetre", flat=True
            )
        )
        assert fenetres == {45} and ValeurIndicateur.objects.filter(code="delai_orientation").count() >= 24
