"""One sensitivity rule for every channel (`carnet.sensibilite`): a marker per class on every channel.

For each class (générale, santé, famille, justice, protection de l'enfance, privée) the carnet holds a note, a
document, a timeline event and, for the classes a theme can have, a situation and an objective of the plan (tied to
the contract) on a theme of that class. Each reader then goes through every channel open to them: the carnet's
pages, the contract PDF, the partner API, the webhook payloads, the person's space with their export, the
subject-access report. Each marker must be present for the readers of its class and absent for the others.
"""

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from carnet import services
from carnet.models import Evenement, Situation, SituationConstatee, Theme
from partenaires.models import AbonnementWebhook, LivraisonWebhook
from spie.crypto import encrypt
from spie.tenancy import departement_scope
from tests.carnet.factories import (
    AxeFactory,
    CarnetFactory,
    ContratFactory,
    DocumentFactory,
    MembreGroupeFactory,
    NoteFactory,
    ObjectifFactory,
)
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory
from tests.usager.conftest import client_usager

CLASSES = ("generale", "sante", "famille", "justice", "protection_enfance", "privee")
THEMES = {"generale": "emploi", "sante": "sante", "famille": "contraintes_familiales"}

# Who reads each class (the table of carnet/sensibilite.py), for every reader of the test but the author.
LECTEURS = {
    # The référent acts for an association: health, family and justice (the référent's classes), not child
    # protection (the Département's services).
    "referent": {"generale", "sante", "famille", "justice"},
    # A member acting for a Département service: health, family and child protection, not justice.
    "membre_departement": {"generale", "sante", "famille", "protection_enfance"},
    # A member acting for France Travail: the general class only.
    "membre_france_travail": {"generale"},
    # A département admin outside the group, during an exceptional access: the general class only.
    "admin_acces_exceptionnel": {"generale"},
    "personne": {"generale"},
    "partenaire_api": {"generale"},
    "partenaire_webhook": {"generale"},
}


def marque(canal, classe):
    """A short marker (a PDF's text extraction never cuts it): channel letter and class index, e.g. "ZQO3W"."""
    return f"ZQ{canal[0].upper()}{CLASSES.index(classe)}W"


def contenu(response):
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode("utf-8", errors="replace")


def vus(texte, canaux):
    """{(canal, classe)} of the markers found in `texte`."""
    return {(canal, classe) for canal in canaux for classe in CLASSES if marque(canal, classe) in texte}


@pytest.fixture
def monde(db, django_capture_on_commit_callbacks):
    dep = DepartementFactory(code="76", nom="Seine-Maritime")
    association = StructureFactory(departement=dep, type="association")
    service = StructureFactory(departement=dep, type="departement")
    ft = StructureFactory(departement=dep, type="france_travail")
    ccas = StructureFactory(departement=dep, type="ccas")
    carnet = CarnetFactory(departement=dep)
    referent = MembershipFactory(structure=association).user
    membre_dep = MembershipFactory(structure=service).user
    membre_ft = MembershipFactory(structure=ft).user
    auteur = MembershipFactory(structure=ccas).user
    admin = MembershipFactory(structure=service, role="admin_departement").user
    MembreGroupeFactory(carnet=carnet, user=referent, structure=association, est_referent=True)
    for user, structure in ((membre_dep, service), (membre_ft, ft), (auteur, ccas)):
        MembreGroupeFactory(carnet=carnet, user=user, structure=structure)
    themes = {classe: Theme.objects.get(code=code) for classe, code in THEMES.items()}
    for classe in ("justice", "protection_enfance"):
        themes[classe] = Theme.objects.create(code=f"essai_{classe}", libelle=f"Essai {classe}", sensibilite=classe)
    contrat = ContratFactory(carnet=carnet, structure=association)
    _, jeton = make_token(ft)
    AbonnementWebhook.unscoped_objects.create(
        departement=dep,
        structure=ft,
        url="https://partenaire.example/hook",
        evenements=["carnet.modifie"],
        secret_chiffre=encrypt("secret"),
    )
    with django_capture_on_commit_callbacks(execute=False), departement_scope(dep):
        for classe in CLASSES:
            common = {"carnet": carnet, "auteur": auteur, "structure": ccas, "sensibilite": classe}
            NoteFactory(**common, texte=marque("note", classe))
            DocumentFactory(**common, nom=marque("document", classe), partage_avec_la_personne=True)
            services.evenement_record(
                carnet=carnet, type="note", resume=marque("evenement", classe), sensibilite=classe, auteur=auteur
            )
            if classe in themes:
                situation = Situation.objects.create(
                    theme=themes[classe], departement=dep, libelle=marque("situation", classe)
                )
                SituationConstatee.objects.create(
                    departement=dep,
                    carnet=carnet,
                    situation=situation,
                    constatee_le=timezone.localdate(),
                    auteur=auteur,
                    structure=ccas,
                )
                axe = AxeFactory(carnet=carnet, created_by=auteur, theme=themes[classe])
                contrat.objectifs.add(ObjectifFactory(axe=axe, libelle=marque("objectif", classe)))
    return {
        "carnet": carnet,
        "contrat": contrat,
        "jeton": jeton,
        "ft": ft,
        "users": {
            "referent": referent,
            "membre_departement": membre_dep,
            "membre_france_travail": membre_ft,
            "auteur": auteur,
            "admin_acces_exceptionnel": admin,
        },
    }


PAGES = ("notes", "documents", "historique", "situation", "plan")
CANAUX_PROFESSIONNELS = ("note", "document", "evenement", "situation", "objectif")


def pages_professionnelles(client, carnet, contrat):
    texte = "".join(contenu(client.get(reverse(f"carnet:{page}", kwargs={"uid": carnet.uid}))) for page in PAGES)
    pdf = client.get(reverse("carnet:contrat_pdf", kwargs={"uid": carnet.uid, "contrat_uid": contrat.uid}))
    assert pdf.status_code == 200
    return texte, contenu(pdf)


def attendus(lecteur, canaux):
    classes = LECTEURS[lecteur]
    return {
        (canal, classe)
        for canal in canaux
        for classe in classes
        if canal not in ("situation", "objectif") or classe != "privee"
    }


@pytest.mark.parametrize("lecteur", ["referent", "membre_departement", "membre_france_travail"])
def test_pages_et_pdf_des_membres_du_groupe(monde, lecteur):
    client = Client()
    client.force_login(monde["users"][lecteur])
    pages, pdf = pages_professionnelles(client, monde["carnet"], monde["contrat"])
    assert vus(pages, CANAUX_PROFESSIONNELS) == attendus(lecteur, CANAUX_PROFESSIONNELS)
    assert vus(pdf, ("objectif",)) == attendus(lecteur, ("objectif",))


def test_l_auteur_lit_ses_propres_elements_de_toutes_les_classes(monde):
    client = Client()
    client.force_login(monde["users"]["auteur"])
    pages, _ = pages_professionnelles(client, monde["carnet"], monde["contrat"])
    # Their own notes, documents and events, whatever the class; the themes, as a CCAS member (health, family).
    assert vus(pages, ("note", "document", "evenement")) == {
        (canal, classe) for canal in ("note", "document", "evenement") for classe in CLASSES
    }
    assert vus(pages, ("situation", "objectif")) == {
        (canal, classe) for canal in ("situation", "objectif") for classe in ("generale", "sante", "famille")
    }


def test_acces_exceptionnel_de_l_administrateur(monde):
    carnet = monde["carnet"]
    client = Client()
    client.force_login(monde["users"]["admin_acces_exceptionnel"])
    response = client.post(
        reverse("carnet:acces_exceptionnel", kwargs={"uid": carnet.uid}),
        {"motif": "urgence", "justification": "Situation urgente signalée ce matin."},
    )
    assert response.status_code == 302
    pages, pdf = pages_professionnelles(client, carnet, monde["contrat"])
    lecteur = "admin_acces_exceptionnel"
    assert vus(pages, CANAUX_PROFESSIONNELS) == attendus(lecteur, CANAUX_PROFESSIONNELS)
    assert vus(pdf, ("objectif",)) == attendus(lecteur, ("objectif",))


def test_rapport_d_acces_de_la_personne_masque_le_contenu_des_classes_sensibles(monde):
    carnet = monde["carnet"]
    client = Client()
    client.force_login(monde["users"]["admin_acces_exceptionnel"])
    rapport = contenu(client.get(reverse("carnet:rapport_personne_json", kwargs={"uid": carnet.uid})))
    rapport = json.dumps(json.loads(rapport), ensure_ascii=False)
    assert vus(rapport, ("note", "document", "evenement")) == attendus("personne", ("note", "document", "evenement"))


def test_espace_de_la_personne_et_son_export(monde):
    carnet = monde["carnet"]
    client = client_usager(carnet)
    texte = ""
    for name in ("usager:mon_suivi", "usager:mon_plan", "usager:documents", "usager:export_json", "usager:export_pdf"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        texte += contenu(response)
    canaux = ("document", "evenement", "objectif")
    assert vus(texte, canaux) == attendus("personne", canaux)
    assert not vus(texte, ("note",))  # notes are never in the person's space


def test_api_des_partenaires(monde):
    carnet = monde["carnet"]
    response = api(monde["jeton"]).get(reverse("api:carnet", kwargs={"uid": carnet.uid}))
    assert response.status_code == 200, response.content
    texte = json.dumps(response.json(), ensure_ascii=False)
    assert vus(texte, ("situation", "objectif")) == attendus("partenaire_api", ("situation", "objectif"))
    assert not vus(texte, ("note", "document", "evenement"))


def test_charge_utile_des_webhooks(monde):
    livraisons = LivraisonWebhook.objects.filter(abonnement__structure=monde["ft"])
    texte = json.dumps([livraison.payload for livraison in livraisons], ensure_ascii=False)
    assert vus(texte, ("evenement",)) == attendus("partenaire_webhook", ("evenement",))
    assert Evenement.unscoped_objects.filter(carnet=monde["carnet"], resume__startswith="ZQE").count() == 6
