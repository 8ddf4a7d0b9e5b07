"""The sanction pages: who reaches what (référent, rest of the group, décideur, admin, orientation, other
département), the HTTP flow with its refusals (400, nothing saved), the letters read back from the PDF, the access
log, the scale settings, the person's space (notice, acknowledgement, answer), and the list's query count."""

import datetime
import io

import pypdf
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carnet.models import ObservationPersonne
from sanctions import documents
from sanctions.models import DossierManquement, ObservationDossier, ParametresSanctions
from spie.models import ROLES_MFA_OBLIGATOIRE, AccessLog, Role
from spie.tenancy import departement_scope
from tests.carnet.factories import DocumentFactory
from tests.sanctions.factories import DossierManquementFactory
from tests.sanctions.outils import dossier_notifie, franchir, notifier, ouvrir
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory, TotpFactory
from tests.usager.conftest import client_usager


def client(user):
    c = Client()
    c.force_login(user)
    return c


def texte_pdf(contenu: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(contenu)).pages)


def test_decideur_role_must_use_a_second_factor():
    assert Role.DECIDEUR_SANCTIONS in ROLES_MFA_OBLIGATOIRE


# --- Who reaches what -----------------------------------------------------------------------------------------


@pytest.fixture
def personnes(monde):
    admin = MembershipFactory(structure=monde.structure, role="admin_departement").user
    orientation = MembershipFactory(structure=monde.structure, role="charge_orientation").user
    dep_b = DepartementFactory(code="08", nom="Ardennes")
    with departement_scope(dep_b):
        structure_b = StructureFactory(departement=dep_b)
        decideur_b = MembershipFactory(structure=structure_b, role="decideur_sanctions").user
    for user in (admin, orientation, decideur_b):
        TotpFactory(user=user)
    return {
        "referent": monde.referent,
        "membre": monde.membre,
        "decideur": monde.decideur,
        "admin": admin,
        "orientation": orientation,
        "autre_departement": decideur_b,
    }


LECTURE = {"referent": 200, "membre": 403, "decideur": 200, "admin": 200, "orientation": 403, "autre_departement": 404}


@pytest.mark.parametrize("page", ["dossier", "notification_pdf", "decision_pdf", "carnet_dossiers", "piece"])
def test_the_file_is_read_by_the_referent_the_decideurs_and_the_admin_only(monde, personnes, page):
    dossier = DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent, decide=True)
    document = DocumentFactory(carnet=monde.carnet, auteur=monde.referent, structure=monde.structure)
    piece = dossier.pieces.create(
        departement=monde.departement, document=document, libelle="Relevé", ajoutee_par=monde.referent
    )
    url = {
        "carnet_dossiers": reverse("sanctions:carnet_dossiers", kwargs={"uid": monde.carnet.uid}),
        "piece": reverse("sanctions:piece_telecharger", kwargs={"uid": dossier.uid, "piece_uid": piece.uid}),
    }.get(page) or reverse(f"sanctions:{page}", kwargs={"uid": dossier.uid})
    obtenu = {}
    for relation, user in personnes.items():
        response = client(user).get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        obtenu[relation] = response.status_code
    assert obtenu == LECTURE


def test_only_the_referent_opens_a_file(monde, personnes):
    url = reverse("sanctions:ouvrir", kwargs={"uid": monde.carnet.uid})
    obtenu = {relation: client(user).get(url).status_code for relation, user in personnes.items()}
    assert obtenu == {**LECTURE, "decideur": 403, "admin": 403}


def test_the_list_is_for_decideurs_and_admin_with_a_constant_query_count(monde, personnes):
    for _ in range(3):
        DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent)
    url = reverse("sanctions:liste")
    assert client(monde.referent).get(url).status_code == 403
    assert client(personnes["orientation"]).get(url).status_code == 403
    decideur = client(monde.decideur)
    decideur.get(url)
    with CaptureQueriesContext(connection) as trois:
        assert decideur.get(url).status_code == 200
    for _ in range(3):
        DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent)
    with CaptureQueriesContext(connection) as six:
        page = decideur.get(url).content.decode()
    assert page.count(reverse("sanctions:dossier", kwargs={"uid": DossierManquement.objects.first().uid})) == 1
    assert len(six) == len(trois)
    assert AccessLog.objects.filter(
        object_type="sanctions.dossiermanquement", details__page="sanctions:liste"
    ).exists()


def test_reading_a_file_is_in_the_access_log(monde):
    dossier = DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent)
    client(monde.decideur).get(reverse("sanctions:dossier", kwargs={"uid": dossier.uid}))
    row = AccessLog.objects.get(object_uid=dossier.uid)
    assert row.user == monde.decideur and row.details == {"page": "sanctions:dossier", "carnet": str(monde.carnet.uid)}


def test_a_referent_cannot_post_a_decision(monde):
    dossier = dossier_notifie(monde)
    response = client(monde.referent).post(
        reverse("sanctions:etape", kwargs={"uid": dossier.uid}), {"transition": "decider"}
    )
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.etat == "notifie"


# --- The HTTP flow ----------------------------------------------------------------------------------------------


def test_referent_opens_a_file_from_the_carnet_page(monde):
    c = client(monde.referent)
    url = reverse("sanctions:ouvrir", kwargs={"uid": monde.carnet.uid})
    page = c.get(url)
    assert page.status_code == 200 and "Ouvrir un dossier de manquement" in page.content.decode()
    donnees = {
        "motif": "obligation",
        "obligation": "rendez_vous",
        "contrat": str(monde.contrat.uid),
        "rendez_vous": [str(monde.rdv.uid)],
        "faits": "Absente au rendez-vous.",
        "faits_du": "2026-10-14",
        "faits_au": "2026-10-31",
    }
    response = c.post(url, {**donnees, "faits_au": "2027-01-01"})
    assert (
        response.status_code == 400
        and "Les faits ne peuvent pas être datés dans le futur." in response.content.decode()
    )
    assert not DossierManquement.objects.exists()
    response = c.post(url, donnees)
    dossier = DossierManquement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sanctions:dossier", kwargs={"uid": dossier.uid}
    )
    page = c.get(response["Location"]).content.decode()
    assert "Constater l&#x27;absence de motif légitime" in page and "Décider la sanction" not in page


def test_a_step_refused_by_the_rules_answers_400_with_the_message_and_saves_nothing(monde):
    dossier = franchir(monde, ouvrir(monde), "sans_motif_legitime", raison="Aucun justificatif.")
    c = client(monde.referent)
    url = reverse("sanctions:etape", kwargs={"uid": dossier.uid})
    response = c.post(
        url,
        {
            "transition": "notifier",
            "notifier-nature": "suspension",
            "notifier-taux": "20",
            "notifier-duree": "2",
            "notifier-canal": "espace",
            "notifier-envoyee_le": "2026-12-01",
        },
    )
    assert response.status_code == 400
    assert "Le taux doit être compris entre 30 % et 100 %" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.etat == "a_notifier" and dossier.envisage_taux is None
    response = c.post(
        url,
        {
            "transition": "notifier",
            "notifier-nature": "suspension",
            "notifier-taux": "30",
            "notifier-duree": "2",
            "notifier-canal": "espace",
            "notifier-envoyee_le": "2026-12-01",
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.etat == "notifie"


def test_decideur_decides_through_the_page(monde):
    dossier = dossier_notifie(monde)
    response = client(monde.decideur).post(
        reverse("sanctions:etape", kwargs={"uid": dossier.uid}),
        {
            "transition": "decider",
            "decider-nature": "suspension",
            "decider-taux": "40",
            "decider-duree": "2",
            "decider-effet": "2026-12-01",
            "decider-motifs": "Aucune réponse dans le délai.",
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.etat, dossier.decision_taux, dossier.decideur) == ("decide", 40, monde.decideur)


def test_evidence_is_a_restricted_document_of_the_carnet(monde):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = ouvrir(monde)
    response = client(monde.referent).post(
        reverse("sanctions:piece_ajouter", kwargs={"uid": dossier.uid}),
        {"fichier": SimpleUploadedFile("releve.pdf", b"%PDF-1.4\n%test\n"), "libelle": "Feuille d'émargement"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    piece = dossier.pieces.get()
    assert piece.document.sensibilite == "justice" and piece.libelle == "Feuille d'émargement"
    response = client(monde.referent).post(
        reverse("sanctions:piece_ajouter", kwargs={"uid": dossier.uid}),
        {"fichier": SimpleUploadedFile("script.exe", b"MZ\x90\x00"), "libelle": "Autre"},
    )
    assert response.status_code == 400 and dossier.pieces.count() == 1


# --- Letters ----------------------------------------------------------------------------------------------------


def test_notice_letter_says_facts_sanction_radiation_period_how_to_answer_and_companion(monde):
    dossier = dossier_notifie(monde)
    texte = texte_pdf(documents.notification_pdf(dossier))
    assert "Absente au rendez-vous du 14 octobre" in texte
    assert "suspendre 30 % de votre RSA pendant 2 mois" in texte
    assert "radier de la liste des demandeurs d'emploi" in texte
    assert "Vous avez 10 jours pour répondre" in texte and "jusqu'au 14 novembre 2026 inclus" in texte
    assert "espace personnel" in texte and "la personne de votre choix" in texte
    assert "Lettre recommandée n° 1A 234 567 8901 2" in texte
    assert monde.beneficiaire.nom_usage.upper() in texte


def test_decision_letter_states_rate_duration_dates_reasons_and_payback(monde):
    from decimal import Decimal

    dossier = dossier_notifie(monde)
    dossier = franchir(
        monde,
        dossier,
        "decider",
        par="decideur",
        nature="suspension",
        taux=30,
        duree=2,
        effet=datetime.date(2026, 12, 1),
        montant_mensuel=Decimal("600.00"),
        motifs="Aucune réponse dans le délai.",
        avis_ep_le=None,
        avis_ep="",
    )
    texte = texte_pdf(documents.decision_pdf(dossier))
    assert "suspendre 30 % de votre RSA pendant 2 mois, du 1 décembre 2026 au 1 février 2027" in texte
    assert "180.00 € par mois" in texte or "180,00 € par mois" in texte
    assert "Aucune réponse dans le délai." in texte
    assert "l'argent retenu vous est rendu" in texte
    assert monde.decideur.get_full_name() in texte


# --- Settings ---------------------------------------------------------------------------------------------------


def test_admin_sets_the_scale_and_a_min_above_the_max_is_refused(monde, personnes):
    c = client(personnes["admin"])
    url = reverse("sanctions:parametres")
    assert client(monde.decideur).get(url).status_code == 403
    valeurs = {
        "taux_minimum": "30",
        "duree_min_premier": "2",
        "duree_max_premier": "1",
        "duree_min_recidive": "1",
        "duree_max_recidive": "4",
        "plafond_taux_foyer": "50",
        "rattrapage_mois_max": "3",
    }
    response = c.post(url, valeurs)
    assert response.status_code == 400 and "Une durée minimum dépasse" in response.content.decode()
    assert not ParametresSanctions.objects.exists()
    assert c.post(url, {**valeurs, "duree_min_premier": "1", "duree_max_premier": "2"}).status_code == 302
    assert ParametresSanctions.objects.get().plafond_taux_foyer == 50
    response = c.post(url, {**valeurs, "taux_minimum": "20"})
    assert response.status_code == 400 and ParametresSanctions.objects.get().taux_minimum == 30


# --- The person's space ---------------------------------------------------------------------------------------


def test_the_person_reads_acknowledges_and_answers_the_notice_which_feeds_the_file(monde):
    dossier = franchir(monde, ouvrir(monde), "sans_motif_legitime", raison="Aucun justificatif.")
    dossier = notifier(
        monde, dossier, canal="espace", reference="", date_certaine=None, envoyee_le=datetime.date(2026, 12, 4)
    )
    personne = client_usager(monde.carnet)
    page = personne.get(reverse("usager:courriers")).content.decode()
    assert "Avant une sanction sur votre RSA" in page and "Répondre à ce courrier" in page
    pdf = personne.get(
        reverse("usager:courrier_pdf", kwargs={"type_courrier": "notification_sanction", "uid": dossier.uid})
    )
    assert "Vous avez 10 jours pour répondre" in texte_pdf(pdf.content)
    personne.post(
        reverse("usager:courrier_accuser", kwargs={"type_courrier": "notification_sanction", "uid": dossier.uid})
    )
    dossier.refresh_from_db()
    assert dossier.date_certaine == datetime.date(2026, 12, 7) and dossier.notification_accusee_le is not None
    personne.post(
        reverse("usager:sanction_repondre", kwargs={"uid": dossier.uid}),
        {"texte": "J'étais malade, voici mon arrêt.", "demande_audition": "on"},
    )
    observation = ObservationDossier.objects.get(dossier=dossier)
    assert observation.source == "espace" and observation.demande_audition
    assert ObservationPersonne.objects.get().objet_uid == dossier.uid
    # The rest of the group does not read it among the person's messages.
    page = client(monde.membre).get(reverse("usager:pro_observations", kwargs={"uid": monde.carnet.uid})).content
    assert "J'étais malade" not in page.decode()
    # Once decided, the person can no longer answer.
    franchir(
        monde,
        dossier,
        "sans_suite",
        par="decideur",
        raison="Arrêt de travail reçu.",
    )
    page = personne.get(reverse("usager:courriers")).content.decode()
    assert "Répondre à ce courrier" not in page
    personne.post(reverse("usager:sanction_repondre", kwargs={"uid": dossier.uid}), {"texte": "Encore un mot."})
    assert ObservationDossier.objects.count() == 1


def test_the_person_cannot_answer_after_the_ten_days(monde):
    dossier = dossier_notifie(monde)  # certain date 4 November: answers until 14 November; today is 7 December
    personne = client_usager(monde.carnet)
    assert "Répondre à ce courrier" not in personne.get(reverse("usager:courriers")).content.decode()
    personne.post(reverse("usager:sanction_repondre", kwargs={"uid": dossier.uid}), {"texte": "Trop tard ?"})
    assert not ObservationDossier.objects.exists() and not ObservationPersonne.objects.exists()


def test_another_persons_notice_is_404_in_the_space(monde):
    from tests.carnet.factories import CarnetFactory

    autre = CarnetFactory(departement=monde.departement)
    dossier = DossierManquementFactory(carnet=autre, created_by=monde.referent, notifie=True)
    personne = client_usager(monde.carnet)
    url = reverse("usager:courrier_pdf", kwargs={"type_courrier": "notification_sanction", "uid": dossier.uid})
    assert personne.get(url).status_code == 404
    assert personne.post(reverse("usager:sanction_repondre", kwargs={"uid": dossier.uid})).status_code == 404


def test_the_menu_leads_decideurs_and_admin_to_the_files_and_not_the_referent(monde, personnes):
    lien = reverse("sanctions:liste")
    for relation, voit in (("decideur", True), ("admin", True), ("referent", False), ("membre", False)):
        page = client(personnes[relation]).get(reverse("spie:accueil"))
        assert page.status_code == 200 and (f'href="{lien}"' in page.content.decode()) == voit, relation


def test_a_scanned_letter_feeds_the_file_as_a_restricted_document(monde):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = dossier_notifie(monde)
    url = reverse("sanctions:observation_ajouter", kwargs={"uid": dossier.uid})
    donnees = {"source": "courrier", "recue_le": "2026-11-10T10:00", "texte": "Écrit qu'elle était hospitalisée."}
    response = client(monde.referent).post(url, {**donnees, "fichier": SimpleUploadedFile("a.exe", b"MZ\x90\x00")})
    assert response.status_code == 400 and not ObservationDossier.objects.exists()
    response = client(monde.referent).post(
        url, {**donnees, "fichier": SimpleUploadedFile("courrier.pdf", b"%PDF-1.4\n%test\n")}
    )
    assert response.status_code == 302
    observation = ObservationDossier.objects.get()
    assert observation.source == "courrier" and observation.document.sensibilite == "justice"
