"""The département admin's orientation settings: programmes seeded for every new département and edited
by its admin (an inactive one is no longer offered), and the chargés' sectors."""

import pytest
from django.urls import reverse

from orientation.forms import PropositionForm
from orientation.models import DISPOSITIFS_PAR_DEFAUT, Dispositif, Secteur
from spie.models import AccessLog
from tests.orientation.factories import SecteurFactory
from tests.spie.factories import DepartementFactory, TerritoireFactory

pytestmark = pytest.mark.usefixtures("scope_a")


def test_every_new_departement_gets_the_default_programmes(unscoped):
    departement = DepartementFactory(code="33")
    noms = set(Dispositif.objects.filter(departement=departement).values_list("nom", flat=True))
    assert noms == {nom for nom, _, _ in DISPOSITIFS_PAR_DEFAUT}
    assert set(Dispositif.objects.filter(departement=departement).values_list("type_orientation", flat=True)) == {
        "pro",
        "socio_pro",
        "social",
    }


def test_admin_creates_edits_and_deactivates_a_programme(client_admin_a, dep_a):
    response = client_admin_a.post(
        reverse("orientation:dispositif_creer"),
        {"nom": "Garantie d'activité départementale", "type_orientation": "socio_pro", "actif": "on"},
    )
    assert response.status_code == 302
    dispositif = Dispositif.objects.get(nom="Garantie d'activité départementale")
    assert dispositif.departement == dep_a
    assert AccessLog.objects.filter(object_uid=dispositif.uid, action="creation").exists()
    url = reverse("orientation:dispositif", kwargs={"uid": dispositif.uid})
    client_admin_a.post(url, {"nom": dispositif.nom, "type_orientation": "socio_pro", "version": 1})
    dispositif.refresh_from_db()
    assert (dispositif.actif, dispositif.version) == (False, 2)
    assert dispositif not in PropositionForm().fields["dispositif"].queryset
    # A stale form is refused, the input kept.
    response = client_admin_a.post(url, {"nom": "Autre nom", "type_orientation": "socio_pro", "version": 1})
    assert response.status_code == 200 and 'value="Autre nom"' in response.content.decode()
    assert Dispositif.objects.get(pk=dispositif.pk).nom == "Garantie d'activité départementale"


def test_two_programmes_cannot_share_a_name(client_admin_a, dep_a):
    response = client_admin_a.post(
        reverse("orientation:dispositif_creer"), {"nom": "accompagnement global", "type_orientation": "socio_pro"}
    )
    assert response.status_code == 200 and "porte déjà ce nom" in response.content.decode()


def test_admin_manages_sectors(client_admin_a, charge, dep_a):
    territoire = TerritoireFactory(departement=dep_a, nom="Boucles de Seine")
    client_admin_a.post(reverse("orientation:secteurs"), {"user": charge.pk, "territoire": territoire.pk})
    secteur = Secteur.objects.get(user=charge, territoire=territoire)
    response = client_admin_a.post(reverse("orientation:secteurs"), {"user": charge.pk, "territoire": territoire.pk})
    assert "déjà dans le secteur" in response.content.decode()
    client_admin_a.post(reverse("orientation:secteur_supprimer", kwargs={"uid": secteur.uid}))
    assert not Secteur.objects.exists()


def test_only_orientation_staff_can_be_given_a_sector(client_admin_a, agent_a, dep_a):
    territoire = TerritoireFactory(departement=dep_a)
    response = client_admin_a.post(reverse("orientation:secteurs"), {"user": agent_a.pk, "territoire": territoire.pk})
    assert response.status_code == 200 and not Secteur.objects.exists()


def test_sector_of_another_departement_is_a_404(client_admin_a, dep_b, unscoped):
    secteur = SecteurFactory(territoire=TerritoireFactory(departement=dep_b))
    response = client_admin_a.post(reverse("orientation:secteur_supprimer", kwargs={"uid": secteur.uid}))
    assert response.status_code == 404 and Secteur.objects.filter(pk=secteur.pk).exists()
