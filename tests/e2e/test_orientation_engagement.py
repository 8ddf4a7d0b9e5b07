"""Journey: from the national criteria to the contrat d'engagement's hours. The chargé d'orientation records the
criteria of an interview in progress and finishes it; the proposal shows the rule of the département that fired
and why; the chargé proposes that same path and the valideur decides; the référent named by the decision prepares
and signs the contrat d'engagement with its weekly hours, records activities in the ledger, and the week view shows
the target, the planned and the done hours."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from carnet.services.activites import heures_lisibles
from spie.dev.demo import demo_email
from tests.e2e.browser import follow, menu, section, tick, visit

pytestmark = pytest.mark.e2e

CHARGE = demo_email("orientation", "76")
VALIDEUR = demo_email("validation", "76")
REFERENT = demo_email("referent", "76")
PARIS = ZoneInfo("Europe/Paris")
PERSONNE = "Thomas LEROY"  # demo: an interview in progress (draft diagnostic), no criteria yet


def test_criteria_lead_to_a_proposal_a_decision_a_contrat_d_engagement_and_its_weekly_hours(login_as):
    charge = login_as(CHARGE)
    visit(charge, "/orientation/?territoire=tous&q=Leroy")
    queue = charge.get_by_role("table", name="Personnes à orienter")
    follow(queue.get_by_role("link", name=f"Ouvrir le dossier de {PERSONNE}"))
    follow(charge.get_by_role("link", name="Reprendre l'entretien là où il s'est arrêté"))

    # The national criteria: no recent activity, a project to build first.
    steps = charge.get_by_role("navigation", name="Étapes de l'entretien")
    follow(steps.get_by_role("button", name=re.compile(r"^\d+\. Critères nationaux")))
    criteres = (
        ("La personne travaillait à son inscription ou a travaillé dans les deux dernières années", "Non"),
        ("Durée sans activité", "Entre un et deux ans"),
        ("Niveau de qualification", "Baccalauréat (niveau 4)"),
        ("Ce que la personne vise", "Construire un projet avant l'emploi"),
    )
    for groupe, choix in criteres:
        tick(charge.get_by_role("group", name=groupe).get_by_role("radio", name=choix, exact=True))
    follow(charge.get_by_role("button", name="Enregistrer et continuer"))
    expect(charge.get_by_role("heading", level=2, name=re.compile("^Obligation d'emploi"))).to_be_visible()
    follow(charge.get_by_role("button", name="Enregistrer et continuer"))
    tick(charge.get_by_role("checkbox", name=re.compile("La personne sait que ce diagnostic est partagé")))
    follow(charge.get_by_role("button", name="Terminer le diagnostic"))
    expect(charge.get_by_role("status")).to_contain_text("Le diagnostic est terminé")

    # The proposal: the département's rule that fired, and why.
    follow(charge.get_by_role("link", name="Proposer une orientation"))
    main = charge.get_by_role("main")
    expect(main).to_contain_text(
        "Proposition des critères nationaux : parcours socio-professionnel, Département ou son délégataire"
    )
    expect(main).to_contain_text(
        "Règle appliquée : « Projet à construire » (règles du département, version 1) — la personne souhaite "
        "construire un projet avant de chercher un emploi"
    )
    # The same path: no reason for a gap is asked.
    tick(charge.get_by_role("radio", name="Socio-professionnelle", exact=True))
    charge.get_by_role("combobox", name="Dispositif").select_option(
        label="Accompagnement global (socio-professionnelle)"
    )
    charge.get_by_role("combobox", name="Organisme référent").select_option(
        label="Direction de l'insertion — Département de la Seine-Maritime"
    )
    charge.get_by_role("combobox", name=re.compile("^Référent")).select_option(label="Rémi Référent")
    charge.get_by_role("textbox", name="Motif de l'orientation").fill("Construire un projet de formation d'abord.")
    follow(charge.get_by_role("button", name="Proposer l'orientation"))
    expect(charge.get_by_role("status")).to_contain_text("L'orientation est proposée : elle attend la validation.")

    valideur = login_as(VALIDEUR)
    menu(valideur, "Orientations à valider")
    follow(valideur.get_by_role("link", name=f"Examiner la proposition pour {PERSONNE}"))
    expect(valideur.get_by_role("main")).to_contain_text("règles du département version 1")
    follow(valideur.get_by_role("region", name="Votre décision").get_by_role("button", name="Valider l'orientation"))
    expect(valideur.get_by_role("status")).to_contain_text("L'orientation est validée")

    # The référent named by the decision: the contrat d'engagement, 15 hours a week from today.
    referent = login_as(REFERENT)
    menu(referent, "Mes bénéficiaires")
    follow(referent.get_by_role("table", name="Personnes suivies").get_by_role("link", name=PERSONNE))
    section(referent, "Contrats")
    today = datetime.datetime.now(PARIS).date()
    nouveau = referent.get_by_role("region", name="Préparer un contrat")
    nouveau.get_by_role("combobox", name="Type de contrat").select_option(label="Contrat d'engagement")
    nouveau.get_by_role("textbox", name="Date de début").fill(today.isoformat())
    nouveau.get_by_role("textbox", name="Date de fin").fill((today + datetime.timedelta(days=180)).isoformat())
    expect(nouveau.get_by_role("spinbutton", name="Heures d'activité par semaine")).to_have_value("15")
    nouveau.get_by_role("textbox", name="Engagements de la personne").fill("Participer aux ateliers du projet.")
    follow(nouveau.get_by_role("button", name="Enregistrer le brouillon"))
    expect(referent.get_by_role("status")).to_contain_text("Le contrat est enregistré en brouillon")
    signature = referent.get_by_role("region", name="Enregistrer la signature")
    signature.get_by_role("textbox", name="Date de signature").fill(today.isoformat())
    follow(signature.get_by_role("button", name="Enregistrer la signature"))
    expect(referent.get_by_role("main")).to_contain_text("15 heures par semaine")

    # The ledger: one activity done, one planned.
    follow(referent.get_by_role("link", name="Heures d'activité"))
    for type_, etat, heures in (("Atelier collectif", "Réalisée", "3"), ("Formation", "Prévue", "2")):
        ajout = referent.get_by_role("region", name="Enregistrer une activité")
        ajout.get_by_role("combobox", name="Type d'activité").select_option(label=type_)
        ajout.get_by_role("textbox", name="Jour de l'activité").fill(today.isoformat())
        tick(ajout.get_by_role("radio", name=etat, exact=True))
        ajout.get_by_role("spinbutton", name="Heures", exact=True).fill(heures)
        follow(ajout.get_by_role("button", name="Enregistrer l'activité"))
    activites = referent.get_by_role("region", name="Activités enregistrées")
    expect(activites).to_contain_text("Atelier collectif")
    expect(activites).to_contain_text("Formation")

    # The week in progress: the target prorated on the days the contract covers, planned and done hours.
    jours = 7 - today.weekday()
    cible = heures_lisibles(round(15 * 60 * jours / 7))
    semaine = referent.get_by_role("region", name="Semaine par semaine").get_by_role("row").nth(1)
    expect(semaine.get_by_role("cell")).to_have_text([re.compile(r"^du "), cible, "2 h", "3 h", "En cours ou à venir"])
