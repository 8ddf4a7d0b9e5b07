"""The three PDFs handed to the person: their text (extracted from the PDF), the département's name and
contact, no NIR anywhere, no health or family detail in "Ma synthèse", which fits on one page; every
download is written to the access log."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import Situation
from orientation import documents
from orientation.models import StatutDossier
from spie.models import AccessLog, Action, Departement
from tests.carnet.factories import MembreGroupeFactory
from tests.conftest import logged_client
from tests.orientation.factories import ConvocationFactory, DiagnosticFactory, DossierFactory, OrientationFactory

pytestmark = pytest.mark.usefixtures("scope_a")

NIR = "295109912611193"


def pdf_text(content):
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages), len(reader.pages)


@pytest.fixture
def contact(dep_a):
    Departement.objects.filter(pk=dep_a.pk).update(
        contact_nom="Direction de l'insertion",
        contact_telephone="02 35 03 55 55",
        contact_courriel="insertion@exemple.fr",
        contact_adresse="Quai Jean Moulin\n76101 Rouen Cedex",
    )


@pytest.fixture
def dossier(nouvel_entrant, charge, contact):
    return DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, convoque=True, convocation=False)


def _situations(*themes):
    return {code: [str(Situation.objects.filter(theme__code=code, departement=None).first().uid)] for code in themes}


@pytest.fixture
def oriente(nouvel_entrant, charge, contact, structure_ft, conseiller_ft):
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, statut=StatutDossier.ORIENTE)
    DiagnosticFactory(
        dossier=dossier,
        termine=True,
        created_by=charge,
        data={
            "situations": _situations("logement", "mobilite", "sante", "contraintes_familiales"),
            "contraintes": {"mobilite": 3, "sante": 3, "contraintes_familiales": 2},
            "projet": {"metier": "Cariste", "code_rome": "N1101", "contrat_souhaite": "cdi"},
            "disponibilite": {"delai": "immediate", "temps_travail": "temps_plein", "precisions": "SECRET-DISPO"},
            "souhaits": {"accompagnement": "emploi", "en_ses_mots": "SECRET-MOTS"},
        },
    )
    MembreGroupeFactory(carnet=nouvel_entrant, user=conseiller_ft, structure=structure_ft, est_referent=True)
    return OrientationFactory(
        dossier=dossier,
        structure=structure_ft,
        referent=conseiller_ft,
        validee=True,
        motif="SECRET-MOTIF interne",
    )


def test_convocation_letter(client_charge, dossier):
    convocation = ConvocationFactory(
        dossier=dossier,
        rendez_vous__date_heure=timezone.make_aware(datetime.datetime(2026, 12, 3, 14, 30)),
        rendez_vous__lieu="Antenne insertion, 12 rue Jeanne d'Arc, Rouen",
        rendez_vous__duree_minutes=60,
    )
    response = client_charge.get(reverse("orientation:convocation_pdf", kwargs={"uid": convocation.uid}))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="convocation-{convocation.numero}.pdf"'
    text, _ = pdf_text(response.content)
    for expected in (
        "Convocation à un entretien d'orientation",
        "Département Seine-Maritime",
        "Direction de l'insertion",
        "02 35 03 55 55",
        "jeudi 3 décembre 2026 à 14h30",
        "Antenne insertion, 12 rue Jeanne d'Arc, Rouen",
        "Léa Marie DUPONT",
        "3 rue des Lilas",
        "Si vous ne pouvez pas venir",
    ):
        assert expected in text, expected
    assert NIR not in text


def test_decision_letter(client_charge, oriente, structure_ft, conseiller_ft):
    response = client_charge.get(reverse("orientation:decision_pdf", kwargs={"uid": oriente.uid}))
    text, _ = pdf_text(response.content)
    for expected in (
        "Votre orientation",
        "Département Seine-Maritime",
        "un accompagnement tourné vers l'emploi",
        oriente.dispositif.nom,
        structure_ft.nom,
        "02 35 00 00 00",
        f"Votre référent : {conseiller_ft.get_full_name()}",
        "Si vous n'êtes pas d'accord",
    ):
        assert expected in text, expected
    assert NIR not in text and "SECRET-MOTIF" not in text


def test_decision_letter_exists_only_once_decided(client_charge, nouvel_entrant, contact):
    proposee = OrientationFactory(dossier__carnet=nouvel_entrant)
    response = client_charge.get(reverse("orientation:decision_pdf", kwargs={"uid": proposee.uid}))
    assert response.status_code == 302


def test_ma_synthese_is_one_plain_page_without_health_family_or_nir(oriente, conseiller_ft, structure_ft):
    carnet = oriente.carnet
    response = logged_client(conseiller_ft).get(reverse("orientation:synthese", kwargs={"uid": carnet.uid}))
    assert response.status_code == 200
    text, pages = pdf_text(response.content)
    assert pages == 1
    for expected in (
        "Ma synthèse",
        "Léa Marie DUPONT",
        "Logement",
        "Mobilité",
        "cariste",
        "Vous pouvez commencer : tout de suite",
        "trouver un emploi rapidement",
        "Ce sur quoi vous serez aidé",
        oriente.dispositif.nom,
        structure_ft.nom,
        f"Votre référent : {conseiller_ft.get_full_name()}",
    ):
        assert expected in text, expected
    sensibles = Situation.objects.exclude(theme__sensibilite="generale").values_list("libelle", flat=True)
    for forbidden in [NIR, "Santé", "santé", "Contraintes familiales", "SECRET", *sensibles]:
        assert forbidden not in text, forbidden


def test_ma_synthese_context_leaves_out_sensitive_themes(oriente):
    context = documents.synthese_context(oriente.carnet)
    assert {t["theme"].code for t in context["lecture"]["themes"]}.isdisjoint({"sante", "contraintes_familiales"})
    assert [t["theme"].code for t in context["lecture"]["freins"]] == ["mobilite"]


def test_ma_synthese_before_any_interview(client_charge, nouvel_entrant, contact):
    response = client_charge.get(reverse("orientation:synthese", kwargs={"uid": nouvel_entrant.uid}))
    text, pages = pdf_text(response.content)
    assert "Votre entretien d'orientation n'a pas encore eu lieu" in text and pages == 1


def test_every_download_is_in_the_access_log(client_charge, oriente, charge):
    carnet = oriente.carnet
    convocation = ConvocationFactory(dossier=oriente.dossier)
    urls = {
        "convocation": reverse("orientation:convocation_pdf", kwargs={"uid": convocation.uid}),
        "decision_orientation": reverse("orientation:decision_pdf", kwargs={"uid": oriente.uid}),
        "ma_synthese": reverse("orientation:synthese", kwargs={"uid": carnet.uid}),
    }
    for document, url in urls.items():
        assert client_charge.get(url).status_code == 200
        entry = AccessLog.objects.filter(object_uid=carnet.uid, action=Action.TELECHARGEMENT).latest("id")
        assert (entry.user, entry.details["document"]) == (charge, document)


def test_a_professional_outside_the_path_cannot_download(partner_a, oriente):
    client = logged_client(partner_a)
    assert client.get(reverse("orientation:synthese", kwargs={"uid": oriente.carnet.uid})).status_code == 403
    assert client.get(reverse("orientation:decision_pdf", kwargs={"uid": oriente.uid})).status_code == 403


def test_the_html_that_feeds_weasyprint(oriente):
    """Snapshot of the decision letter's HTML: the data it carries, nothing more."""
    from django.template.loader import render_to_string

    html = render_to_string("orientation/pdf/decision.html", documents.decision_context(oriente))
    assert "<h1>Votre orientation</h1>" in html
    assert oriente.structure.nom in html and "SECRET" not in html and NIR not in html
    assert "http://" not in html and "https://" not in html  # the letter never fetches anything
