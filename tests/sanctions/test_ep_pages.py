"""The EP pages: who reaches what (organisers, members only while the session is open, the rest of the carnet's
group, other département), the HTTP steps with their refusals (400, nothing saved), the documents read back from the
PDF (convocation, one-page summary without restricted data, minutes), the person's space, the access log and the
list's query count."""

import datetime
import io

import pypdf
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanctions import documents_ep, equipes
from sanctions.models import DossierManquement, EquipePluridisciplinaire, MembreEquipe, PassageEquipe, SeanceEquipe
from spie.models import AccessLog
from spie.tenancy import departement_scope
from tests.carnet.factories import NoteFactory
from tests.sanctions.factories_ep import SeanceFactory
from tests.sanctions.outils_ep import dans, inscrire, pas, seance_ouverte
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory, TotpFactory
from tests.usager.conftest import client_usager


def client(user):
    c = Client()
    c.force_login(user)
    return c


def texte_pdf(contenu: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(contenu)).pages)


@pytest.fixture
def personnes(ep):
    orientation = MembershipFactory(structure=ep.structure, role="charge_orientation").user
    dep_b = DepartementFactory(code="08", nom="Ardennes")
    with departement_scope(dep_b):
        decideur_b = MembershipFactory(structure=StructureFactory(departement=dep_b), role="decideur_sanctions").user
    for user in (orientation, decideur_b):
        TotpFactory(user=user)
    return {
        "referent": ep.referent,
        "membre_groupe": ep.membre,
        "membre_ep": ep.membre_ft,
        "decideur": ep.decideur,
        "admin": ep.admin,
        "orientation": orientation,
        "autre_departement": decideur_b,
    }


def _statuts(personnes, url):
    return {relation: client(user).get(url).status_code for relation, user in personnes.items()}


FERME = {
    "referent": 403,
    "membre_groupe": 403,
    "membre_ep": 403,
    "decideur": 200,
    "admin": 200,
    "orientation": 403,
    "autre_departement": 404,
}


def test_members_read_the_files_of_their_session_only_while_it_is_open(ep, personnes, _clock):
    seance = inscrire(ep)
    passage = seance.passages.get()
    pages = [
        reverse("sanctions:ep_seance", kwargs={"uid": seance.uid}),
        reverse("sanctions:ep_resume_pdf", kwargs={"uid": passage.uid}),
    ]
    for url in pages:
        assert _statuts(personnes, url) == FERME, url
    seance = pas(ep, seance, "convoquer")
    _clock.move_to(seance.date_heure)
    for url in pages:
        assert _statuts(personnes, url) == FERME, url  # convened, not yet open
    seance = pas(ep, seance, "ouvrir", presents=ep.membres[:2])
    for url in pages:
        assert _statuts(personnes, url) == {**FERME, "membre_ep": 200}, url
    seance = pas(ep, seance, "avis", passage=passage, sens="favorable", texte="Aucune reprise de contact.")
    seance = pas(ep, seance, "lever")
    for url in pages:
        assert _statuts(personnes, url) == FERME, url


def test_a_member_who_left_the_team_no_longer_reads_the_open_session(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    url = reverse("sanctions:ep_seance", kwargs={"uid": seance.uid})
    assert client(ep.membre_ft).get(url).status_code == 200
    MembreEquipe.objects.filter(user=ep.membre_ft).update(actif=False)
    assert client(ep.membre_ft).get(url).status_code == 403


def test_members_cannot_act_on_the_session(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    response = client(ep.membre_ft).post(
        reverse("sanctions:ep_seance_etape", kwargs={"uid": seance.uid}),
        {"transition": "avis", "avis-passage": str(seance.passages.get().uid), "avis-sens": "favorable"},
    )
    assert response.status_code == 403
    assert PassageEquipe.objects.get().avis_le is None


def test_the_teams_are_configured_by_the_admin_only(ep, personnes):
    url = reverse("sanctions:ep_equipes")
    assert _statuts(personnes, url) == {**FERME, "decideur": 403, "autre_departement": 403}
    url = reverse("sanctions:ep_equipe", kwargs={"uid": ep.equipe.uid})
    assert _statuts(personnes, url) == {**FERME, "decideur": 403}


def test_the_minutes_exist_once_the_session_is_closed(ep, personnes, _clock):
    seance = seance_ouverte(ep, _clock)
    url = reverse("sanctions:ep_proces_verbal_pdf", kwargs={"uid": seance.uid})
    assert _statuts(personnes, url) == {**FERME, "decideur": 403, "admin": 403}


def test_reading_a_session_and_a_summary_is_logged(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    c = client(ep.membre_ft)
    c.get(reverse("sanctions:ep_seance", kwargs={"uid": seance.uid}))
    c.get(reverse("sanctions:ep_resume_pdf", kwargs={"uid": passage.uid}))
    lignes = AccessLog.objects.filter(user=ep.membre_ft)
    assert lignes.filter(object_uid=seance.uid, details__page="sanctions:ep_seance").exists()
    assert lignes.filter(details__page="sanctions:ep_seance", object_uids=[ep.carnet.uid]).exists()
    assert lignes.filter(object_uid=ep.carnet.uid, details__page="sanctions:ep_resume_pdf").exists()


def test_the_sessions_list_has_a_constant_query_count(ep):
    def creer(n):
        for i in range(n):
            SeanceFactory(equipe=ep.equipe, created_by=ep.decideur, date_heure=dans(days=3 + i))

    c = client(ep.decideur)
    url = reverse("sanctions:ep_seances")
    creer(2)
    c.get(url)
    with CaptureQueriesContext(connection) as trois:
        assert c.get(url).status_code == 200
    creer(3)
    with CaptureQueriesContext(connection) as six:
        page = c.get(url).content.decode()
    assert page.count("EP Rouen-Elbeuf") >= 6
    assert len(six) == len(trois)


# --- The HTTP steps ------------------------------------------------------------------------------------------------


def test_admin_creates_a_team_and_adds_members(ep):
    c = client(ep.admin)
    url = reverse("sanctions:ep_equipes")
    donnees = {
        "nom": "EP Dieppe",
        "territoire": str(ep.territoire.uid),
        "quorum": "3",
        "lieu": "Dieppe",
        "active": "on",
    }
    assert c.post(url, {**donnees, "quorum": "0"}).status_code == 400
    assert c.post(url, {**donnees, "nom": "EP Rouen-Elbeuf"}).status_code == 400
    assert EquipePluridisciplinaire.objects.count() == 1
    response = c.post(url, donnees)
    equipe = EquipePluridisciplinaire.objects.get(nom="EP Dieppe")
    assert response.status_code == 302 and equipe.quorum == 3
    membres = reverse("sanctions:ep_membre_ajouter", kwargs={"uid": equipe.uid})
    refus = c.post(membres, {"structure": "Collectif", "qualite": "beneficiaires"})
    assert refus.status_code == 400 and "personne extérieure" in refus.content.decode()
    assert (
        c.post(membres, {"nom": "M. Dupont", "structure": "Collectif", "qualite": "beneficiaires"}).status_code == 302
    )
    assert (
        c.post(
            membres, {"user": str(ep.membre_ft.uid), "structure": "France Travail", "qualite": "france_travail"}
        ).status_code
        == 302
    )
    assert sorted(m.nom_affiche for m in equipe.membres.all()) == sorted(["M. Dupont", ep.membre_ft.get_full_name()])
    membre = equipe.membres.get(nom="M. Dupont")
    c.post(reverse("sanctions:ep_membre_retirer", kwargs={"uid": membre.uid}))
    membre.refresh_from_db()
    assert membre.actif is False


def test_decideur_prepares_a_session_and_a_refused_step_answers_400(ep, _clock):
    c = client(ep.decideur)
    creer = reverse("sanctions:ep_seance_creer", kwargs={"uid": ep.equipe.uid})
    hier = timezone.localtime(dans(days=-1))
    assert c.post(creer, {"date_heure": f"{hier:%Y-%m-%dT%H:%M}", "lieu": "Salle"}).status_code == 400
    demain = timezone.localtime(dans(days=1))
    response = c.post(creer, {"date_heure": f"{demain:%Y-%m-%dT%H:%M}", "lieu": ""})
    seance = SeanceEquipe.objects.exclude(pk=ep.seance.pk).get()
    assert response["Location"] == reverse("sanctions:ep_seance", kwargs={"uid": seance.uid})
    assert seance.lieu == "Maison du Département, salle 3"  # the team's usual place
    etape = reverse("sanctions:ep_seance_etape", kwargs={"uid": seance.uid})
    refus = c.post(etape, {"transition": "convoquer"})
    assert refus.status_code == 400 and "L&#x27;ordre du jour est vide" in refus.content.decode()
    response = c.post(
        etape,
        {
            "transition": "inscrire",
            "inscrire-theme": "suppression",
            "inscrire-dossier": str(ep.dossier.uid),
            "inscrire-question": "Suppression envisagée : avis ?",
        },
    )
    assert response.status_code == 302 and seance.passages.get().dossier == ep.dossier
    page = c.get(reverse("sanctions:ep_seance", kwargs={"uid": seance.uid})).content.decode()
    assert "Fiche de synthèse de" in page and "Convoquer les personnes" in page
    assert c.post(etape, {"transition": "n_existe_pas"}).status_code == 400
    assert c.post(etape, {"transition": "convoquer"}).status_code == 302
    seance.refresh_from_db()
    assert seance.etat == "convoquee"


def test_the_admin_cannot_take_the_presidents_decision(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    seance = pas(ep, seance, "avis", passage=passage, sens="favorable", texte="Aucune reprise de contact.")
    seance = pas(ep, seance, "lever")
    response = client(ep.admin).post(
        reverse("sanctions:ep_seance_etape", kwargs={"uid": seance.uid}),
        {
            "transition": "decider",
            "decider-passage": str(passage.uid),
            "decider-sens": "conforme",
            "decider-texte": "X",
        },
    )
    assert response.status_code == 403
    passage.refresh_from_db()
    assert passage.decide_le is None


def test_the_sanction_file_page_shows_its_sessions(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    pas(ep, seance, "avis", passage=seance.passages.get(), sens="defavorable", texte="Reprise de contact récente.")
    page = client(ep.decideur).get(reverse("sanctions:dossier", kwargs={"uid": ep.dossier.uid})).content.decode()
    assert "avis défavorable (Reprise de contact récente.)" in page


# --- Documents ---------------------------------------------------------------------------------------------------


SENTINELLE_NOTE = "SENTINELLE-NOTE-SANTE-EP-5d21"
SENTINELLE_REPONSE = "SENTINELLE-REPONSE-EP-0b7c"


def test_the_convocation_letter_gives_date_place_subject_and_rights(ep):
    seance = pas(ep, inscrire(ep), "convoquer")
    texte = texte_pdf(documents_ep.convocation_pdf(seance.passages.get()))
    quand = timezone.localtime(seance.date_heure)
    assert f"à {quand:%H:%M}" in texte and "Hôtel du Département, salle 2" in texte
    assert "Suppression du RSA" in texte and "supprimer" in texte
    assert "avec la personne de votre choix" in texte and "EP Rouen-Elbeuf" in texte


def test_the_summary_carries_the_failure_but_no_restricted_data(ep):
    from sanctions import services

    NoteFactory(
        carnet=ep.carnet, auteur=ep.referent, structure=ep.structure, texte=SENTINELLE_NOTE, sensibilite="restreinte"
    )
    DossierManquement.objects.filter(pk=ep.dossier.pk).update(date_certaine=None)  # the person may still answer
    services.observation_espace_recevoir(dossier=ep.dossier, texte=SENTINELLE_REPONSE)
    seance = inscrire(ep)
    contexte = documents_ep.resume_context(seance.passages.get())
    texte = texte_pdf(documents_ep.resume_pdf(seance.passages.get()))
    assert "Absente au rendez-vous du 14 octobre" in texte and "Répétition" in texte
    assert "1 réponse reçue" in texte and "sanctions déjà prononcées : 1" in texte
    assert SENTINELLE_NOTE not in texte and SENTINELLE_REPONSE not in texte
    assert all(e.sensibilite == "generale" for e in contexte["evenements"])
    assert len(pypdf.PdfReader(io.BytesIO(documents_ep.resume_pdf(seance.passages.get()))).pages) == 1


def test_the_minutes_list_members_quorum_opinion_and_decision(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    seance = pas(
        ep,
        seance,
        "avis",
        passage=passage,
        sens="favorable",
        texte="Aucune reprise de contact.",
        personne_presente=True,
    )
    seance = pas(ep, seance, "lever")
    seance = pas(ep, seance, "decider", passage=passage, sens="conforme", texte="Suppression de 100 % pendant 2 mois.")
    seance = pas(ep, seance, "clore")
    response = client(ep.admin).get(reverse("sanctions:ep_proces_verbal_pdf", kwargs={"uid": seance.uid}))
    assert response.status_code == 200
    texte = texte_pdf(response.content)
    assert ep.membre_ft.get_full_name() in texte and "Mme Bénévole" in texte
    assert "Représentant de France Travail" in texte and "absent" in texte
    assert "2 membres requis, 2 présents : quorum atteint" in texte
    assert "Avis de l'équipe : Favorable. Aucune reprise de contact." in texte
    assert "suit l'avis de l'équipe. Suppression de 100 % pendant 2 mois." in texte
    assert ep.beneficiaire.nom_complet in texte and "Personne présente" in texte
    assert AccessLog.objects.filter(details__page="sanctions:ep_proces_verbal_pdf").exists()


# --- The person's space ------------------------------------------------------------------------------------------


def test_the_convocation_reaches_the_persons_space(ep):
    seance = pas(ep, inscrire(ep), "convoquer")
    passage = seance.passages.get()
    espace = client_usager(ep.carnet)
    page = espace.get(reverse("usager:courriers")).content.decode()
    assert "Convocation à l&#x27;équipe pluridisciplinaire du" in page
    pdf = espace.get(reverse("usager:courrier_pdf", kwargs={"type_courrier": "convocation_ep", "uid": passage.uid}))
    assert pdf.status_code == 200 and "Convocation à l'équipe pluridisciplinaire" in texte_pdf(pdf.content)
    accuser = reverse("usager:courrier_accuser", kwargs={"type_courrier": "convocation_ep", "uid": passage.uid})
    assert espace.post(accuser).status_code == 302
    assert "J'ai dit que j'ai reçu ce courrier" in espace.get(reverse("usager:courriers")).content.decode()


def test_a_session_not_yet_convened_is_not_in_the_space(ep):
    passage = inscrire(ep).passages.get()
    espace = client_usager(ep.carnet)
    assert "équipe pluridisciplinaire" not in espace.get(reverse("usager:courriers")).content.decode()
    url = reverse("usager:courrier_pdf", kwargs={"type_courrier": "convocation_ep", "uid": passage.uid})
    assert espace.get(url).status_code == 404


def test_convocation_pdf_for_organisers_after_the_convocation_only(ep):
    seance = inscrire(ep)
    url = reverse("sanctions:ep_convocation_pdf", kwargs={"uid": seance.passages.get().uid})
    assert client(ep.decideur).get(url).status_code == 403
    pas(ep, seance, "convoquer")
    assert client(ep.decideur).get(url).status_code == 200
    assert client(ep.membre_ft).get(url).status_code == 403


def test_a_session_not_held_is_not_counted(ep):
    pas(ep, inscrire(ep), "convoquer")  # convened, never opened
    jour = timezone.localdate()
    assert equipes.seances_tenues(debut=jour, fin=jour + datetime.timedelta(days=7))["seances"] == 0
