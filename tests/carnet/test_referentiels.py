"""Each département admin extends the national referentials with its own rows."""

from django.urls import reverse

from carnet.models import Situation, Theme


def test_admin_adds_a_local_situation_visible_only_in_its_departement(client_admin_a, client_admin_b, dep_a, dep_b):
    logement = Theme.objects.get(code="logement")
    response = client_admin_a.post(
        reverse("carnet:referentiels"), {"type": "situation", "theme": logement.pk, "libelle": "Logement en caravane"}
    )
    assert response.status_code == 302
    situation = Situation.objects.get(libelle="Logement en caravane")
    assert situation.departement == dep_a
    assert situation in Situation.objects.disponibles(dep_a)
    assert situation not in Situation.objects.disponibles(dep_b)
    assert "Logement en caravane" not in client_admin_b.get(reverse("carnet:referentiels")).content.decode()


def test_duplicate_of_a_national_label_is_refused(client_admin_a):
    emploi = Theme.objects.get(code="emploi")
    response = client_admin_a.post(
        reverse("carnet:referentiels"), {"type": "situation", "theme": emploi.pk, "libelle": "en recherche d'emploi"}
    )
    assert response.status_code == 200
    assert "existe déjà" in response.content.decode()


def test_local_rows_can_be_deactivated_but_national_ones_are_not_the_departements(client_admin_a, dep_a):
    logement = Theme.objects.get(code="logement")
    local = Situation.objects.create(theme=logement, libelle="Squat", departement=dep_a)
    national = Situation.objects.filter(departement=None).first()
    assert client_admin_a.post(reverse("carnet:situation_basculer", kwargs={"uid": local.uid})).status_code == 302
    local.refresh_from_db()
    assert local.actif is False and local not in Situation.objects.disponibles(dep_a)
    assert client_admin_a.post(reverse("carnet:situation_basculer", kwargs={"uid": national.uid})).status_code == 404


def test_professionals_cannot_edit_referentials(client_agent_a):
    assert client_agent_a.get(reverse("carnet:referentiels")).status_code == 403
