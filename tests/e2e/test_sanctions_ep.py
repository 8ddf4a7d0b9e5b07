"""Journey: an équipe pluridisciplinaire session from its creation to its minutes. The département's administrator
adds a member to the demo team; the décideur des sanctions plans a session in the coming minutes, puts a person on its
agenda, convenes her (the convocation is a PDF), records the attendance (quorum reached) and opens the session; the
France Travail member reads the session and the one-page summary while it is open; the team's opinion, the raising,
the président's decision, the closing; the minutes PDF names the members present, the quorum, the opinion and the
decision; once the session is raised the member no longer reaches it."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_page, download, follow, menu, pdf_text, squash, tick

pytestmark = pytest.mark.e2e

ADMIN = demo_email("admin", "76")
DECIDEUR = demo_email("decideur", "76")
MEMBRE_FT = demo_email("conseiller-ft", "76")
PARIS = ZoneInfo("Europe/Paris")


def test_an_ep_session_from_creation_to_minutes(login_as):
    admin = login_as(ADMIN)
    menu(admin, "Équipes pluridisciplinaires")
    follow(admin.get_by_role("link", name="Configurer les équipes"))
    equipes = admin.get_by_role("table", name="Équipes du département")
    lien = equipes.get_by_role("link").first
    nom_equipe = lien.inner_text()
    follow(lien)
    admin.get_by_role("textbox", name="ou nom d'une personne extérieure").fill("M. Paul Durand")
    admin.get_by_role("textbox", name="Structure représentée").fill("Association des usagers")
    admin.get_by_role("combobox", name="Qualité").select_option(
        label="Représentant des personnes bénéficiaires du RSA"
    )
    follow(admin.get_by_role("button", name="Ajouter le membre"))
    expect(admin.get_by_role("status")).to_contain_text("Le membre est ajouté à l'équipe.")
    expect(admin.get_by_role("table", name="Membres de l'équipe")).to_contain_text("M. Paul Durand")

    decideur = login_as(DECIDEUR)
    menu(decideur, "Équipes pluridisciplinaires")
    follow(decideur.get_by_role("link", name=f"Nouvelle séance de {nom_equipe}"))
    debut = (datetime.datetime.now(PARIS) + datetime.timedelta(minutes=40)).replace(second=0, microsecond=0)
    decideur.get_by_role("textbox", name="Date et heure").fill(f"{debut:%Y-%m-%dT%H:%M}")
    decideur.get_by_role("textbox", name=re.compile("^Lieu")).fill("Hôtel du Département, salle du conseil")
    follow(decideur.get_by_role("button", name="Créer la séance"))
    expect(decideur.get_by_role("status")).to_contain_text("La séance est créée.")
    expect(decideur.get_by_role("heading", level=1)).to_have_text(f"Séance du {debut:%d/%m/%Y à %H:%M}")

    # The agenda: a person of the territory, for a hard case.
    decideur.get_by_role("combobox", name="Thème").select_option(label="Situation complexe")
    personne = decideur.get_by_role("combobox", name=re.compile("^ou personne"))
    personne.select_option(index=1)
    nom = personne.locator("option:checked").inner_text()
    decideur.get_by_role("textbox", name="Question posée à l'équipe").fill("Plusieurs freins : quel accompagnement ?")
    follow(decideur.get_by_role("button", name="Inscrire le dossier"))
    agenda = decideur.get_by_role("table", name="Dossiers présentés à l'équipe")
    expect(agenda).to_contain_text(nom)
    expect(agenda).to_contain_text("Plusieurs freins : quel accompagnement ?")

    follow(decideur.get_by_role("button", name="Convoquer les personnes"))
    expect(decideur.get_by_role("status")).to_contain_text("1 personne convoquée")
    _, convocation = download(agenda.get_by_role("link", name="Convocation (PDF)"))
    texte = squash(pdf_text(convocation))
    assert f"à {debut:%H:%M}" in texte and "Hôtel du Département, salle du conseil" in texte
    assert "avec la personne de votre choix" in texte

    # Attendance: two members present, the quorum (2) is reached.
    presents = decideur.get_by_role("group", name="Membres présents")
    tick(presents.get_by_role("checkbox", name=re.compile("^Denis DÉCIDEUR|^Denis Décideur", re.I)))
    tick(presents.get_by_role("checkbox", name=re.compile("^Fatou", re.I)))
    follow(decideur.get_by_role("button", name="Ouvrir la séance"))
    expect(decideur.get_by_role("status")).to_contain_text("quorum de 2 atteint")

    # The France Travail member reads the open session and the summary of the file.
    membre = login_as(MEMBRE_FT)
    menu(membre, "Équipes pluridisciplinaires")
    follow(membre.get_by_role("link", name=f"{debut:%d/%m/%Y %H:%M}"))
    seance_url = membre.url
    _, fiche = download(membre.get_by_role("link", name=f"Fiche de synthèse de {nom} (PDF)"))
    texte = squash(pdf_text(fiche))
    assert f"Fiche de synthèse — {nom}" in texte and "Plusieurs freins : quel accompagnement ?" in texte
    assert "données restreintes du carnet ne figurent pas" in texte

    # Opinion, raising, decision, closing.
    decideur.reload()
    avis = decideur.locator(
        "form", has=decideur.get_by_role("button", name=f"Enregistrer l'avis sur le dossier de {nom}")
    )
    tick(avis.get_by_role("radio", name="Favorable", exact=True))
    avis.get_by_role("textbox", name="Avis motivé").fill("Orientation vers un accompagnement global.")
    tick(avis.get_by_role("checkbox", name="La personne s'est présentée"))
    follow(avis.get_by_role("button", name=f"Enregistrer l'avis sur le dossier de {nom}"))
    expect(decideur.get_by_role("status")).to_contain_text("avis rendu (favorable)")
    follow(decideur.get_by_role("button", name="Lever la séance"))
    expect(decideur.get_by_role("status")).to_contain_text("séance levée")

    response = membre.goto(seance_url)
    assert response.status == 403  # the session is raised: the member no longer reads its files
    check_page(membre)

    decision = decideur.locator(
        "form", has=decideur.get_by_role("button", name=f"Enregistrer la décision sur le dossier de {nom}")
    )
    tick(decision.get_by_role("radio", name="Le président suit l'avis de l'équipe"))
    decision.get_by_role("textbox", name="Décision du président").fill("Accompagnement global par le Département.")
    follow(decision.get_by_role("button", name=f"Enregistrer la décision sur le dossier de {nom}"))
    follow(decideur.get_by_role("button", name="Clore la séance"))
    expect(decideur.get_by_role("status")).to_contain_text("séance close")

    _, pv = download(decideur.get_by_role("link", name="Procès-verbal de la séance (PDF)"))
    texte = squash(pdf_text(pv))
    assert f"Procès-verbal de la séance du {debut.day}" in texte
    assert "Fatou" in texte and "M. Paul Durand" in texte and "absent" in texte
    assert "2 présents : quorum atteint" in texte
    assert "Avis de l'équipe : Favorable. Orientation vers un accompagnement global." in texte
    assert "suit l'avis de l'équipe. Accompagnement global par le Département." in texte
