"""The complete file for a court: every step with its date, author and legal text in order, the notice and its certain
date, the observations, the decision and its reasons, the lift and the arrears, then the evidence in order (a PDF's
pages appended, an image printed, another format listed, a document not cleared or unreadable listed with the
reason). Read back from the PDF by text extraction; produced by a décideur or the administrator only, and logged."""

import datetime
import io
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from sanctions import services, tribunal
from sanctions.models import PieceDossier
from spie.models import AccessLog, Role
from spie.pdf import html_to_pdf
from tests.carnet.factories import DocumentFactory
from tests.sanctions.outils import decision, dossier_notifie, franchir
from tests.spie.factories import MembershipFactory, TotpFactory

pytestmark = pytest.mark.django_db


def texte_pdf(contenu: bytes) -> tuple[str, int]:
    pages = pypdf.PdfReader(io.BytesIO(contenu)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages), len(pages)


def dans_l_ordre(texte, *morceaux):
    positions = []
    for morceau in morceaux:
        position = texte.find(morceau, positions[-1] + 1 if positions else 0)
        assert position >= 0, f"« {morceau} » absent (ou pas dans l'ordre) de : {texte[:3000]}"
        positions.append(position)


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 145)).save(buffer, format="PNG")
    return buffer.getvalue()


def piece(monde, dossier, libelle, *, contenu, type_mime, nom, analyse="saine"):
    document = DocumentFactory(
        carnet=monde.carnet,
        fichier=ContentFile(contenu, name=nom),
        nom=nom,
        type_mime=type_mime,
        taille=len(contenu),
        analyse=analyse,
        auteur=monde.referent,
        structure=monde.structure,
        sensibilite="restreinte",
    )
    return PieceDossier.objects.create(
        departement=monde.departement, dossier=dossier, document=document, libelle=libelle, ajoutee_par=monde.referent
    )


PREUVE_PDF = html_to_pdf(
    "<p>PREUVE-EMARGEMENT-PAGE-UN</p><p style='page-break-before: always'>PREUVE-EMARGEMENT-PAGE-DEUX</p>"
)


@pytest.fixture
def leve(monde):
    """A file through every step, with a letter from the person, evidence of each kind, lifted on remobilisation."""
    dossier = dossier_notifie(monde)
    piece(monde, dossier, "Feuille d'émargement", contenu=PREUVE_PDF, type_mime="application/pdf", nom="emarg.pdf")
    piece(monde, dossier, "Photo de l'affichage", contenu=_png(), type_mime="image/png", nom="affiche.png")
    piece(
        monde,
        dossier,
        "Compte rendu du conseiller",
        contenu=b"PK\x03\x04 docx",
        type_mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        nom="cr.docx",
    )
    piece(
        monde,
        dossier,
        "Relevé en attente",
        contenu=PREUVE_PDF,
        type_mime="application/pdf",
        nom="att.pdf",
        analyse="en_attente",
    )
    piece(monde, dossier, "Relevé abîmé", contenu=b"%PDF-1.4\n%abime\n", type_mime="application/pdf", nom="abime.pdf")
    services.observation_enregistrer(
        dossier=dossier,
        source="courrier",
        texte="Je n'ai pas reçu la convocation du 14 octobre.",
        recue_le=timezone.make_aware(datetime.datetime(2026, 11, 10, 9, 0)),
        auteur=monde.referent,
        structure=monde.structure,
    )
    dossier = franchir(
        monde, dossier, "decider", par="decideur", **decision(duree=1, montant_mensuel=Decimal("635.71"))
    )
    with time_machine.travel(datetime.datetime(2026, 12, 15, 9, tzinfo=datetime.UTC), tick=False):
        dossier = franchir(
            monde,
            dossier,
            "remobiliser",
            par="decideur",
            date=datetime.date(2026, 12, 15),
            remobilisation="Contrat d'engagement actualisé, ateliers repris.",
        )
    return dossier


def test_the_court_file_holds_every_step_in_order_with_date_author_and_article(monde, leve):
    texte, _ = texte_pdf(tribunal.dossier_tribunal_pdf(leve))
    referent, decideur = monde.referent.get_full_name(), monde.decideur.get_full_name()
    etapes = list(leve.etapes.order_by("created_at", "id"))
    assert [e.transition for e in etapes] == ["ouvrir", "sans_motif_legitime", "notifier", "decider", "remobiliser"]
    attendus = []
    for etape, auteur in zip(etapes, [referent, referent, referent, decideur, decideur]):
        attendus += [timezone.localtime(etape.created_at).strftime("%d/%m/%Y %H:%M"), etape.resume[:30], auteur]
        attendus.append(etape.article.split(" (")[0])
    dans_l_ordre(texte, "Étapes de la procédure", *attendus)


def test_the_court_file_tells_facts_notice_observations_decision_and_arrears(monde, leve):
    texte, _ = texte_pdf(tribunal.dossier_tribunal_pdf(leve))
    dans_l_ordre(
        texte,
        "Absente au rendez-vous du 14 octobre",
        "Aucun justificatif, pas de réponse aux appels.",
        "Envoyée le 2 novembre 2026",
        "n° 1A 234 567 8901 2",
        "Date certaine : 4 novembre 2026",
        "jusqu'au 14 novembre 2026 inclus",
        "Courrier reçu (numérisé), reçues le 10 novembre 2026",
        "Je n'ai pas reçu la convocation du 14 octobre.",
        f"Décidée le 7 décembre 2026 par {monde.decideur.get_full_name()}",
        "de 30 % pendant 1 mois, du 1 décembre 2026 au 1 janvier 2027",
        "Absence sans motif, aucune réponse dans le délai.",
        "Remobilisation constatée le 15 décembre 2026",
        "Contrat d'engagement actualisé, ateliers repris.",
        "1 mois à 30 %, soit 190,71 €",
    )


def test_the_evidence_follows_in_order_pdf_pages_appended_image_printed_others_listed(monde, leve):
    contenu = tribunal.dossier_tribunal_pdf(leve)
    texte, pages = texte_pdf(contenu)
    html = render_to_string("sanctions/pdf/tribunal.html", tribunal.contexte(leve))
    sans_preuves, pages_sans = texte_pdf(tribunal.html_to_pdf_with_inserts(html, {}))
    assert pages == pages_sans + 2  # the two pages of the PDF evidence, and nothing else inserted
    assert "PREUVE-EMARGEMENT" not in sans_preuves
    dans_l_ordre(
        texte,
        "Pièces jointes",
        "Pièce n° 1 : Feuille d'émargement",
        "PDF de 2 pages, joint à la suite",
        "PREUVE-EMARGEMENT-PAGE-UN",
        "PREUVE-EMARGEMENT-PAGE-DEUX",
        "Pièce n° 2 : Photo de l'affichage",
        "image reproduite ci-après",
        "Pièce n° 3 : Compte rendu du conseiller",
        "non reproductible ici",
        "Pièce n° 4 : Relevé en attente",
        "attend son analyse antivirus",
        "Pièce n° 5 : Relevé abîmé",
        "illisible ou protégé par un mot de passe",
    )
    # The document awaiting its scan is never inserted, whatever its content.
    assert texte.count("PREUVE-EMARGEMENT-PAGE-UN") == 1
    image = [a for a in tribunal.annexes(leve) if a.traitement == "image"]
    assert len(image) == 1 and image[0].image.startswith("data:image/png;base64,")


def test_a_partners_proposal_is_named_as_the_author_of_the_opening(monde):
    from sanctions import propositions
    from tests.spie.factories import StructureFactory

    france_travail = StructureFactory(departement=monde.departement, type="france_travail", nom="France Travail Rouen")
    proposition = propositions.proposition_enregistrer(
        carnet=monde.carnet,
        structure=france_travail,
        jeton_id=None,
        data={
            "motif": "refus_contrat",
            "faits": "Refus d'actualiser le contrat lors de l'entretien du 20 octobre.",
            "faits_du": datetime.date(2026, 10, 20),
            "faits_au": datetime.date(2026, 10, 20),
            "nature": "suspension",
            "taux": 30,
            "duree": 1,
            "reference": "FT-1142",
        },
    )
    texte, _ = texte_pdf(tribunal.dossier_tribunal_pdf(proposition.dossier))
    dans_l_ordre(
        texte, "Proposé par France Travail Rouen", "référence FT-1142", "France Travail Rouen (proposition par l'API)"
    )


@pytest.mark.parametrize("qui, statut", [("decideur", 200), ("admin", 200), ("referent", 403), ("membre", 403)])
def test_the_court_file_is_produced_by_a_decideur_or_the_admin_and_logged(monde, leve, qui, statut):
    if qui == "admin":
        user = MembershipFactory(structure=monde.structure, role=Role.ADMIN_DEPARTEMENT).user
        TotpFactory(user=user)
    else:
        user = getattr(monde, qui)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("sanctions:dossier_tribunal", kwargs={"uid": leve.uid}))
    assert response.status_code == statut
    logged = AccessLog.objects.filter(object_uid=leve.uid, user=user, details__page="sanctions:dossier_tribunal")
    assert logged.exists() == (statut == 200)
    if statut == 200:
        assert response["Content-Type"] == "application/pdf"
        page = client.get(reverse("sanctions:dossier", kwargs={"uid": leve.uid})).content.decode()
        assert reverse("sanctions:dossier_tribunal", kwargs={"uid": leve.uid}) in page
