"""Uploaded documents are scanned by a real clamd (tests/clamav/server.py): quarantined until clean, refused
when infected (the EICAR test string), waiting, never passed, when the daemon cannot answer."""

import pytest
from django.urls import reverse

from carnet import tasks
from carnet.models import Document, Evenement
from spie import clamav
from tests.carnet.test_situation_documents import client_for, lire, pdf_bytes, stored_files, texte, upload
from tests.clamav.server import EICAR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]


def deposer(client, carnet, contenu, nom="Attestation"):
    return client.post(
        reverse("carnet:documents", kwargs={"uid": carnet.uid}),
        {"fichier": upload("attestation.pdf", contenu), "nom": nom, "sensibilite": "generale"},
    )


def telecharger(client, document):
    response = client.get(
        reverse("carnet:document_telecharger", kwargs={"uid": document.carnet.uid, "document_uid": document.uid})
    )
    lire(response)  # reading a file response to its end closes the file
    return response


@pytest.fixture
def carnet_a(dep_a, structure_a, agent_a):
    from tests.carnet.factories import CarnetFactory, MembreGroupeFactory

    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


def test_the_client_talks_to_a_real_clamd(clamd):
    import io

    assert clamav.ping()
    assert clamav.scan(io.BytesIO(pdf_bytes())) == clamav.Verdict(clean=True)
    assert clamav.scan(io.BytesIO(pdf_bytes() + EICAR)) == clamav.Verdict(
        clean=False, signature="SPIE.Test.EICAR.UNOFFICIAL"
    )


def test_infected_upload_is_refused_and_nothing_is_stored(clamd, carnet_a, agent_a, settings):
    response = deposer(client_for(agent_a), carnet_a, pdf_bytes() + EICAR)
    assert response.status_code == 200
    assert "L'antivirus a détecté un logiciel malveillant dans ce fichier" in texte(response)
    assert not Document.objects.exists() and stored_files(settings) == []


def test_clean_upload_is_analysed_and_downloadable(clamd, carnet_a, agent_a):
    client = client_for(agent_a)
    assert deposer(client, carnet_a, pdf_bytes()).status_code == 302
    document = Document.objects.get()
    assert document.analyse == "saine" and document.analyse_le is not None
    assert telecharger(client, document).status_code == 200
    assert "Analysé" in texte(client.get(reverse("carnet:documents", kwargs={"uid": carnet_a.uid})))


def test_scanner_unavailable_upload_waits_in_quarantine_then_the_sweep_scans_it(
    carnet_a, agent_a, settings, clamd_socket, django_capture_on_commit_callbacks
):
    client = client_for(agent_a)
    settings.SPIE_CLAMD = "/nonexistent/clamd.sock"  # no daemon there
    with django_capture_on_commit_callbacks(execute=True):
        sain = deposer(client, carnet_a, pdf_bytes(), nom="Sain")
        infecte = deposer(client, carnet_a, pdf_bytes() + EICAR, nom="Infecté")
    assert sain.status_code == infecte.status_code == 302  # stored, waiting: never passed as clean
    documents = {d.nom: d for d in Document.objects.all()}
    assert {d.analyse for d in documents.values()} == {"en_attente"}
    page = texte(client.get(reverse("carnet:documents", kwargs={"uid": carnet_a.uid})))
    assert page.count("En attente d'analyse") == 2 and "document_telecharger" not in page
    assert telecharger(client, documents["Sain"]).status_code == 403

    assert tasks.analyser_documents_en_attente() == (0, 0, 2)  # still no daemon: still waiting
    settings.SPIE_CLAMD = clamd_socket
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.analyser_documents_en_attente() == (1, 1, 0)
    sain, infecte = Document.objects.get(nom="Sain"), Document.objects.get(nom="Infecté")
    assert sain.analyse == "saine" and telecharger(client, sain).status_code == 200
    assert infecte.analyse == "refusee" and infecte.signature == "SPIE.Test.EICAR.UNOFFICIAL"
    assert not infecte.fichier.storage.exists(infecte.fichier.name)  # the infected file is deleted
    assert telecharger(client, infecte).status_code == 403
    assert Evenement.objects.filter(resume__startswith="Document refusé par l'antivirus").count() == 1
    page = texte(client.get(reverse("carnet:documents", kwargs={"uid": carnet_a.uid})))
    assert "Analysé" in page and "Refusé" in page and "En attente d'analyse" not in page
    assert tasks.analyser_documents_en_attente() == (0, 0, 0)
