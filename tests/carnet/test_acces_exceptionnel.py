"""Exceptional access ("bris de glace"): admins and orientation staff outside the group give a reason, for a time."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from carnet.models import AccesExceptionnel
from spie.models import AccessLog, Action, MotifAcces, Role
from tests.carnet.factories import CarnetFactory, DocumentFactory, MembreGroupeFactory, NoteFactory
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory, TotpFactory

GENERALE = "NOTE-GENERALE-DU-GROUPE-41b2"
RAISON = "La personne est en danger, son référent est absent."


@pytest.fixture
def carnet(dep_a, agent_a, structure_a, unscoped):
    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    NoteFactory(carnet=carnet, auteur=agent_a, structure=structure_a, texte=GENERALE)
    DocumentFactory(carnet=carnet, auteur=agent_a, structure=structure_a, nom=GENERALE)
    return carnet


def _url(name, carnet, **kwargs):
    return reverse(f"carnet:{name}", kwargs={"uid": carnet.uid, **kwargs})


def _ouvrir(client, carnet, **data):
    payload = {"motif": MotifAcces.URGENCE, "justification": RAISON, "suite": _url("documents", carnet), **data}
    return client.post(_url("acces_exceptionnel", carnet), payload)


@pytest.mark.parametrize("role", [Role.ADMIN_DEPARTEMENT, Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION])
def test_reader_outside_the_group_states_a_reason_before_notes_and_documents(role, carnet, structure_a, unscoped):
    user = MembershipFactory(structure=structure_a, role=role).user
    TotpFactory(user=user)
    client = logged_client(user)
    for page in ("notes", "documents"):
        response = client.get(_url(page, carnet))
        assert response.status_code == 302
        assert response["Location"].startswith(_url("acces_exceptionnel", carnet) + "?suite=")
    document = carnet.documents.get()
    assert client.get(_url("document_telecharger", carnet, document_uid=document.uid)).status_code == 302
    # The rest of what their role needs is unchanged.
    assert client.get(_url("plan", carnet)).status_code == 200

    response = _ouvrir(client, carnet)
    assert response.status_code == 302 and response["Location"] == _url("documents", carnet)
    assert GENERALE in client.get(_url("notes", carnet)).content.decode()
    assert GENERALE in client.get(_url("documents", carnet)).content.decode()
    response = client.get(_url("document_telecharger", carnet, document_uid=document.uid))
    assert response.status_code == 200
    b"".join(response.streaming_content)  # reading to the end closes the file

    acces = AccesExceptionnel.objects.get()
    assert (acces.user, acces.motif, acces.justification) == (user, MotifAcces.URGENCE, RAISON)
    opened = AccessLog.objects.get(action=Action.ACCES_EXCEPTIONNEL)
    assert (opened.object_uid, opened.motif, opened.user_id) == (carnet.uid, "urgence", user.pk)
    # Every read during the access carries its reason.
    reads = AccessLog.objects.filter(object_uid__in=[carnet.uid, document.uid], user=user, pk__gt=opened.pk)
    assert reads.count() == 3 and set(reads.values_list("motif", flat=True)) == {"urgence"}


def test_access_expires_after_the_configured_hours(carnet, admin_a, settings, unscoped):
    settings.SPIE_ACCES_EXCEPTIONNEL_HEURES = 24
    _ouvrir(logged_client(admin_a), carnet)
    assert logged_client(admin_a).get(_url("notes", carnet)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23)):
        assert logged_client(admin_a).get(_url("notes", carnet)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        response = logged_client(admin_a).get(_url("notes", carnet))
        assert response.status_code == 302 and "/acces-exceptionnel/" in response["Location"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"motif": ""}, "Ce champ est obligatoire"),
        ({"motif": "curiosite"}, "Sélectionnez un choix valide"),
        ({"justification": ""}, "Ce champ est obligatoire"),
        ({"justification": "pour voir"}, "au moins 15 caractères"),
    ],
)
def test_an_exceptional_access_without_a_reason_is_refused(data, message, carnet, admin_a, unscoped):
    client = logged_client(admin_a)
    response = _ouvrir(client, carnet, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccesExceptionnel.objects.exists()
    assert not AccessLog.objects.filter(action=Action.ACCES_EXCEPTIONNEL).exists()
    assert client.get(_url("notes", carnet)).status_code == 302


def test_the_group_reads_as_before_and_cannot_open_an_exceptional_access(carnet, agent_a, unscoped):
    client = logged_client(agent_a)
    assert GENERALE in client.get(_url("notes", carnet)).content.decode()
    assert client.get(_url("acces_exceptionnel", carnet)).status_code == 403
    assert _ouvrir(client, carnet).status_code == 403


def test_the_next_page_is_a_page_of_this_carnet_only(carnet, admin_a, dep_a, unscoped):
    other = CarnetFactory(departement=dep_a)
    client = logged_client(admin_a)
    for suite in ("https://exemple.org/", "//exemple.org" + _url("notes", carnet), _url("notes", other)):
        AccesExceptionnel.objects.all().delete()
        response = _ouvrir(client, carnet, suite=suite)
        assert response["Location"] == _url("notes", carnet)


def test_admin_lists_the_departements_exceptional_accesses_with_an_alert(
    carnet, admin_a, structure_a, dep_a, dep_b, admin_b, settings, unscoped
):
    settings.SPIE_ACCES_EXCEPTIONNEL_SEUIL = 2
    charge = MembershipFactory(structure=structure_a, role=Role.CHARGE_ORIENTATION, user__last_name="Curieux").user
    charge_client = logged_client(charge)
    for _ in range(3):
        _ouvrir(charge_client, CarnetFactory(departement=dep_a))
    _ouvrir(logged_client(admin_a), carnet)
    other = CarnetFactory(departement=dep_b, beneficiaire__nom_usage="Ailleurs")
    _ouvrir(logged_client(admin_b), other)
    assert AccesExceptionnel.objects.count() == 5

    url = reverse("carnet:acces_exceptionnels")
    page = logged_client(admin_a).get(url).content.decode()
    assert page.count(RAISON) == 4
    assert "Ailleurs" not in page
    assert "Au-delà de 2 accès exceptionnels en 30 jours" in page and "Curieux" in page
    assert charge_client.get(url).status_code == 403


def test_admin_list_query_count_does_not_grow(carnet, admin_a, dep_a, unscoped):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_client(admin_a)
    url = reverse("carnet:acces_exceptionnels")
    for _ in range(3):
        _ouvrir(client, CarnetFactory(departement=dep_a))
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    for _ in range(3):
        _ouvrir(client, CarnetFactory(departement=dep_a))
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(three) == len(six)


def test_other_structure_without_admin_role_is_refused(carnet, dep_a, unscoped):
    structure = StructureFactory(departement=dep_a, type="association")
    user = MembershipFactory(structure=structure, role=Role.PROFESSIONNEL).user
    assert logged_client(user).get(_url("acces_exceptionnel", carnet)).status_code == 403
