"""Journey 3: the référent opens a carnet and adds an axe → objectif → action, an appointment, a restricted note
and a contract whose PDF is downloaded; a professional of another structure then finds the person and sees only
the minimal card (nothing of the plan, nor the restricted note)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_keyboard, check_page, download, follow, menu, pdf_text, section, squash, tick

pytestmark = pytest.mark.e2e

REFERENT = demo_email("referent", "76")
AUTRE_STRUCTURE = demo_email("conseiller-ml", "76")  # mission locale, not in this person's groupe de suivi
NOTE = "Suivi judiciaire en cours : rendez-vous mensuel avec le SPIP."


def test_referent_fills_the_carnet_and_another_structure_sees_only_the_minimal_card(login_as):
    referent = login_as(REFERENT)
    menu(referent, "Mes bénéficiaires")
    follow(referent.get_by_role("table", name="Personnes suivies").get_by_role("link", name="Julien Pierre MOREAU"))
    expect(referent.get_by_role("heading", level=1)).to_have_text("Monsieur Julien Pierre MOREAU")
    carnet_url = referent.url

    # Plan d'action: axe → objectif → action.
    section(referent, "Plan d'action")
    new_axe = referent.get_by_role("region", name="Ajouter un axe de travail")
    check_keyboard(new_axe.locator("form"))
    new_axe.get_by_role("combobox", name="Thème de l'axe de travail").select_option(label="Mobilité")
    follow(new_axe.get_by_role("button", name="Ajouter l'axe"))
    expect(referent.get_by_role("status")).to_contain_text("L'axe de travail « Mobilité » est ajouté au plan.")
    follow(referent.get_by_role("link", name="Ajouter un objectif à l'axe Mobilité"))
    check_keyboard(referent.get_by_role("main").locator("form"))
    referent.get_by_role("combobox", name="Objectif proposé pour ce thème").select_option(
        label="Passer le permis de conduire"
    )
    tick(referent.get_by_role("checkbox", name=re.compile("La personne a donné son accord")))
    follow(referent.get_by_role("button", name="Ajouter l'objectif"))
    follow(referent.get_by_role("link", name="Ajouter une action à l'objectif « Passer le permis de conduire »"))
    check_keyboard(referent.get_by_role("main").locator("form"))
    referent.get_by_role("textbox", name="Action", exact=True).fill("Inscription au code de la route")
    referent.get_by_role("combobox", name="Statut").select_option(label="En cours")
    referent.get_by_role("combobox", name="Structure qui porte l'action").select_option(
        label="Plateforme mobilité Boucles de Seine"
    )
    follow(referent.get_by_role("button", name="Ajouter l'action"))
    axe = referent.get_by_role("region", name="Mobilité")
    expect(axe.get_by_role("heading", level=4)).to_have_text("Passer le permis de conduire")
    action = axe.get_by_role("table", name="Actions de l'objectif « Passer le permis de conduire »").get_by_role(
        "row", name=re.compile("Inscription au code de la route")
    )
    expect(action).to_contain_text("En cours")
    expect(action).to_contain_text("Plateforme mobilité Boucles de Seine")

    # An appointment.
    section(referent, "Rendez-vous")
    new_rdv = referent.get_by_role("region", name="Ajouter un rendez-vous")
    check_keyboard(new_rdv.locator("form"))
    day = datetime.date.today() + datetime.timedelta(days=10)
    new_rdv.get_by_role("textbox", name="Date", exact=True).fill(day.isoformat())
    new_rdv.get_by_role("textbox", name="Heure").fill("09:30")
    new_rdv.get_by_role("textbox", name="Lieu").fill("Antenne de Canteleu")
    new_rdv.get_by_role("textbox", name="Objet du rendez-vous").fill("Bilan du code de la route")
    follow(new_rdv.get_by_role("button", name="Ajouter le rendez-vous"))
    expect(referent.get_by_role("status")).to_contain_text(f"Le rendez-vous du {day:%d/%m/%Y} à 09:30 est ajouté.")
    upcoming = referent.get_by_role("table", name="Rendez-vous à venir")
    expect(upcoming.get_by_role("row", name=re.compile("Bilan du code de la route"))).to_contain_text(
        "Antenne de Canteleu"
    )

    # A health note (the author chooses its sensitivity class).
    section(referent, "Notes")
    new_note = referent.get_by_role("region", name="Ajouter une note")
    check_keyboard(new_note.locator("form"))
    new_note.get_by_role("textbox", name="Note", exact=True).fill(NOTE)
    tick(new_note.get_by_role("radio", name=re.compile("^Santé")))
    follow(new_note.get_by_role("button", name="Ajouter la note"))
    expect(referent.get_by_role("status")).to_contain_text("La note est ajoutée.")
    note = referent.get_by_role("region", name="Notes du carnet").get_by_role("article").filter(has_text=NOTE)
    expect(note).to_contain_text("Santé")

    # A contract, and its PDF.
    section(referent, "Contrats")
    new_contract = referent.get_by_role("region", name="Préparer un contrat")
    check_keyboard(new_contract.locator("form"))
    new_contract.get_by_role("combobox", name="Type de contrat").select_option(
        label="Contrat d'engagement réciproque (CER)"
    )
    end = datetime.date.today() + datetime.timedelta(days=180)
    new_contract.get_by_role("textbox", name="Date de fin").fill(end.isoformat())
    new_contract.get_by_role("textbox", name="Engagements de la personne").fill(
        "Suivre les cours du code de la route chaque semaine."
    )
    new_contract.get_by_role("textbox", name="Engagements de la structure").fill("Financer le permis à 1 euro.")
    tick(new_contract.get_by_role("checkbox", name=re.compile("^Mobilité — Passer le permis de conduire")))
    follow(new_contract.get_by_role("button", name="Enregistrer le brouillon"))
    expect(referent.get_by_role("status")).to_contain_text("Le contrat est enregistré en brouillon")
    expect(referent.get_by_role("heading", level=2)).to_have_text("Contrat d'engagement réciproque (CER) — version 1")
    name, data = download(referent.get_by_role("link", name="Télécharger le contrat (PDF)"))
    assert name.endswith(".pdf")
    text = squash(pdf_text(data))
    for expected in (
        "Contrat d'engagement réciproque (CER)",
        "Monsieur Julien Pierre MOREAU",
        f"se termine le {end:%d/%m/%Y}",
        "Passer le permis de conduire (Mobilité)",
        "Suivre les cours du code de la route chaque semaine.",
        "Financer le permis à 1 euro.",
    ):
        assert expected in text, f"« {expected} » not in the contract: {text[:800]}"
    assert NOTE not in text

    # Another structure: the person is found, but only the minimal card shows.
    autre = login_as(AUTRE_STRUCTURE)
    menu(autre, "Rechercher une personne")
    search = autre.get_by_role("form", name="Par nom, date de naissance ou identifiant")
    check_keyboard(search)
    search.get_by_role("textbox", name="Nom ou prénom").fill("Moreau")
    follow(search.get_by_role("button", name="Rechercher"))
    follow(autre.get_by_role("table", name="Personnes trouvées").get_by_role("link", name="Julien Pierre MOREAU"))
    assert autre.url == carnet_url
    card = autre.get_by_role("main")
    expect(card.get_by_role("heading", level=2, name="Fiche minimale")).to_be_visible()
    expect(card).to_contain_text("Rémi Référent")
    expect(card.get_by_role("navigation", name="Sections du carnet")).to_have_count(0)
    for hidden in (NOTE, "Passer le permis de conduire", "Bilan du code de la route", "Contrat d'engagement"):
        expect(card).not_to_contain_text(hidden)
    # Even typed by hand, the notes' address answers « Accès refusé ».
    response = autre.goto(carnet_url + "notes/")
    assert response.status == 403
    check_page(autre)
    expect(autre.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(autre.get_by_role("main")).not_to_contain_text(NOTE)
