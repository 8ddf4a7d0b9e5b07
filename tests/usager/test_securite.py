"""Security of the person's space: own record only (generated over the registry), no professional route with a
person's session, restricted/private sentinels never shown, every read in the access log (channel "usager"),
the export complete against a fixture carnet."""

import json

import pytest
from django.urls import reverse

from carnet.models import Contrat, Document, Evenement
from spie.models import AccessLog
from tests.carnet.factories import (
    ActionFactory,
    AxeFactory,
    CarnetFactory,
    DocumentFactory,
    NoteFactory,
    ObjectifFactory,
    theme,
)
from tests.security.registry import OBJECT_ROUTES, PARAM_ROUTES, PLAIN_ROUTES, PUBLIC, USAGER_ROUTES
from tests.security.world import build_world
from tests.usager.conftest import client_usager

SENTINELLE_RESTREINTE = "SENTINELLE-RESTREINTE-usager-4b1"
SENTINELLE_PRIVEE = "SENTINELLE-PRIVEE-usager-8d2"
SENTINELLE_NOTE = "SENTINELLE-NOTE-GENERALE-usager-2c7"


@pytest.fixture
def world(db):
    world = build_world("76", "Seine-Maritime")
    Document.unscoped_objects.filter(pk=world.document.pk).update(partage_avec_la_personne=True)
    return world


@pytest.mark.parametrize("name", sorted(name for name, builder in USAGER_ROUTES.items() if builder))
def test_une_autre_personne_recoit_404_sur_chaque_objet(name, world):
    url = reverse(name, kwargs=USAGER_ROUTES[name](world))
    autre = CarnetFactory(departement=world.departement)
    client = client_usager(autre)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in ({404, 405} if method == "get" else {404, 405}), f"{method} {url}"
    # The owner reaches the same URL (the 404 above comes from the own-record rule, not from a broken route).
    owner = client_usager(world.carnet)
    statuses = set()
    for method in ("get", "post"):
        response = getattr(owner, method)(url)
        if response.streaming:
            b"".join(response.streaming_content)
        statuses.add(response.status_code)
    assert statuses & {200, 302}, statuses


def test_aucune_route_professionnelle_avec_une_session_de_personne(world):
    client = client_usager(world.carnet)
    problems = []
    for name in sorted((PLAIN_ROUTES | set(OBJECT_ROUTES) | set(PARAM_ROUTES)) - set(PUBLIC)):
        if name.startswith("api:"):
            continue  # the API knows tokens, never sessions (tests/security/test_routes.py)
        builder = OBJECT_ROUTES.get(name) or PARAM_ROUTES.get(name)
        url = reverse(name, kwargs=builder(world) if builder else {})
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        if not (response.status_code == 302 and response["Location"].startswith("/comptes/login/")):
            problems.append(f"{url} : {response.status_code}")
    assert not problems, "\n".join(problems)


def _pages(world):
    return [reverse(name) for name, builder in USAGER_ROUTES.items() if builder is None]


def test_sentinelles_jamais_visibles_de_la_personne(world):
    carnet, auteur = world.carnet, world.membre.user
    NoteFactory(
        carnet=carnet, auteur=auteur, structure=world.structure, sensibilite="justice", texte=SENTINELLE_RESTREINTE
    )
    NoteFactory(carnet=carnet, auteur=auteur, structure=world.structure, sensibilite="privee", texte=SENTINELLE_PRIVEE)
    NoteFactory(carnet=carnet, auteur=auteur, structure=world.structure, sensibilite="generale", texte=SENTINELLE_NOTE)
    for sensibilite, nom in (("justice", SENTINELLE_RESTREINTE), ("privee", SENTINELLE_PRIVEE)):
        DocumentFactory(carnet=carnet, auteur=auteur, structure=world.structure, sensibilite=sensibilite, nom=nom)
    DocumentFactory(carnet=carnet, auteur=auteur, structure=world.structure, nom=SENTINELLE_NOTE)  # not shared
    # The plan on a protected theme (health) is restricted, and so is the reason for reduced contract hours.
    objectif_sante = ObjectifFactory(
        axe=AxeFactory(carnet=carnet, created_by=auteur, theme=theme("sante")), libelle=SENTINELLE_RESTREINTE
    )
    ActionFactory(objectif=objectif_sante, libelle=SENTINELLE_RESTREINTE)
    world.contrat.objectifs.add(objectif_sante)
    Contrat.unscoped_objects.filter(pk=world.contrat.pk).update(
        motif_reduction_heures="sante", precision_reduction_heures=SENTINELLE_RESTREINTE
    )
    Evenement.unscoped_objects.create(
        departement=world.departement,
        carnet=carnet,
        type="note",
        resume=SENTINELLE_RESTREINTE,
        sensibilite="justice",
    )
    client = client_usager(carnet)
    seen = ""
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".pdf"):
            import io

            from pypdf import PdfReader

            seen += "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        else:
            seen += response.content.decode()
    for sentinel in (SENTINELLE_RESTREINTE, SENTINELLE_PRIVEE, SENTINELLE_NOTE):
        assert sentinel not in seen
    assert world.document.nom in seen  # the shared general document is there
    assert world.objectif.libelle in seen  # and the general plan


def test_chaque_lecture_est_journalisee_canal_usager(world):
    client = client_usager(world.carnet)
    before = AccessLog.objects.filter(canal="usager").count()
    pages = _pages(world)
    for url in pages:
        assert client.get(url).status_code == 200
    rows = AccessLog.objects.filter(canal="usager").order_by("-id")[: len(pages)]
    assert AccessLog.objects.filter(canal="usager").count() == before + len(pages)
    assert {row.details["carnet"] for row in rows} == {str(world.carnet.uid)}


def test_export_complet(world):
    from spie.audit import log_access
    from spie.models import Action

    log_access(action=Action.CONSULTATION, obj=world.carnet, structure=world.structure, canal="web")
    world.contrat.objectifs.add(world.objectif)
    # The person's writes are carnet events; the world's partner webhook has no server to deliver to here.
    type(world.webhook).unscoped_objects.filter(pk=world.webhook.pk).update(actif=False)
    client = client_usager(world.carnet)
    client.post(
        reverse("usager:objectif_avis", kwargs={"uid": world.objectif.uid}),
        {"version": world.objectif.version, "accord": "non", "commentaire": "Pas maintenant"},
    )
    client.post(reverse("usager:observations"), {"texte": "Mon observation"})
    data = json.loads(client.get(reverse("usager:export_json")).content)
    assert data["objectifs"][0]["ce_que_j_en_dis"] == "Pas maintenant" and data["objectifs"][0]["desaccord_le"]
    assert [o["texte"] for o in data["mes_observations"]] == ["Mon observation"]
    assert data["contrats"][0]["objectifs"] == [world.objectif.libelle]
    assert data["identite"]["nom_usage"] == world.carnet.beneficiaire.nom_usage
    assert [m["structure"] for m in data["groupe_de_suivi"]] == [world.structure.nom]
    assert [o["objectif"] for o in data["objectifs"]] == [world.objectif.libelle]
    assert data["objectifs"][0]["actions"][0]["action"] == world.action.libelle
    assert len(data["rendez_vous"]) >= 1 and len(data["contrats"]) == 1
    assert [d["nom"] for d in data["documents"]] == [world.document.nom]
    assert any(c["titre"].startswith("Convocation") for c in data["courriers"])
    assert [row["structure"] for row in data["lectures_du_dossier"]] == [world.structure.nom]
    assert "nir" in data["identite"] and not any(ch.isdigit() for ch in data["identite"]["nir"])


def test_chaque_page_a_le_menu_de_l_espace(world):
    client = client_usager(world.carnet)
    for url in _pages(world):
        if url.endswith((".json", ".pdf")):
            continue
        assert 'aria-label="Menu de mon espace"' in client.get(url).content.decode(), url
