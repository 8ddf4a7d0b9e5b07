"""The subject-access report: complete (by introspection), produced by the admin only, logged, JSON and PDF."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from carnet.services.rapport_personne import NON_MONTRES, SECTIONS, lignes_de, modeles_lies, rapport
from spie.models import AccessLog, Action, Role
from spie.tenancy import departement_scope
from tests.carnet.personne import SENTINELLES, personne_complete
from tests.conftest import logged_client
from tests.security.world import build_world


@pytest.fixture
def monde(db):
    world = build_world("76", "Seine-Maritime")
    personne_complete(world)
    return world


def test_every_model_linked_to_the_person_is_in_the_report_or_set_aside_with_a_reason():
    labels = {model._meta.label_lower for model in modeles_lies()}
    assert labels - set(SECTIONS) - set(NON_MONTRES) == set(), "add the new model to SECTIONS or NON_MONTRES"
    assert set(SECTIONS) <= labels, "a section names a model no longer linked to the person"


def test_the_report_shows_every_row_held_about_the_fixture_person(monde):
    with departement_scope(monde.departement):
        data = rapport(monde.carnet)
        liens = modeles_lies()
        attendus = {
            model._meta.label_lower: lignes_de(model, monde.carnet, liens).count()
            for model in liens
            if model._meta.label_lower in SECTIONS
        }
    montres = {section["modele"]: len(section["lignes"]) for section in data["sections"]}
    assert montres == attendus
    vides = sorted(label for label, nombre in attendus.items() if nombre == 0)
    # The fixture person has a row in every section but the ones that cannot coexist with the others.
    assert vides == []


def test_the_report_never_writes_the_nir(monde):
    with departement_scope(monde.departement):
        texte = json.dumps(rapport(monde.carnet), ensure_ascii=False)
    assert "295109912611193" not in texte
    assert SENTINELLES["nom_usage"] in texte


def test_the_admin_downloads_the_json_and_the_reads_are_in_it(monde):
    admin = monde.users_by_role[Role.ADMIN_DEPARTEMENT]
    referent = monde.users_by_role[Role.PROFESSIONNEL]
    logged_client(referent).get(reverse("carnet:detail", kwargs={"uid": monde.carnet.uid}))
    response = logged_client(admin).get(reverse("carnet:rapport_personne_json", kwargs={"uid": monde.carnet.uid}))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert any(ligne["professionnel"] == referent.get_full_name() for ligne in data["lectures"])
    assert AccessLog.objects.filter(
        object_uid=monde.carnet.uid, action=Action.EXPORT, user=admin, details__format="json"
    ).exists()


def test_the_admin_downloads_a_readable_pdf(monde):
    admin = monde.users_by_role[Role.ADMIN_DEPARTEMENT]
    response = logged_client(admin).get(reverse("carnet:rapport_personne_pdf", kwargs={"uid": monde.carnet.uid}))
    assert response.status_code == 200
    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for titre in ("Identité et situation administrative", "Rendez-vous", "Orientations", "Qui a consulté le dossier"):
        assert titre in texte
    assert SENTINELLES["nom_usage"] in texte
    assert AccessLog.objects.filter(object_uid=monde.carnet.uid, details__format="pdf").exists()


def test_the_person_page_offers_the_report_to_the_admin_only(monde):
    url = reverse("carnet:detail", kwargs={"uid": monde.carnet.uid})
    lien = reverse("carnet:rapport_personne_pdf", kwargs={"uid": monde.carnet.uid})
    assert lien in logged_client(monde.users_by_role[Role.ADMIN_DEPARTEMENT]).get(url).content.decode()
    assert lien not in logged_client(monde.users_by_role[Role.PROFESSIONNEL]).get(url).content.decode()


def test_restricted_content_is_listed_without_its_text(monde):
    from tests.carnet.factories import NoteFactory

    NoteFactory(
        carnet=monde.carnet,
        auteur=monde.users_by_role[Role.PROFESSIONNEL],
        structure=monde.structure,
        sensibilite="justice",
        texte="Suivi psychiatrique confidentiel",
    )
    with departement_scope(monde.departement):
        texte = json.dumps(rapport(monde.carnet), ensure_ascii=False)
    assert "Suivi psychiatrique confidentiel" not in texte
    assert "contenu restreint" in texte
