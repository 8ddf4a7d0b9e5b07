"""Journey: the référent's day. From "Ma journée", a line of the action lists leads to the person's carnet; the
"Offres suggérées" tab proposes an offer with its reasons; the référent prescribes it; the receiving structure
(the département's Direction de l'insertion) accepts it and records that the person showed up and was retained;
the référent records the entry and the completion; the carnet shows the whole path, and the line has left the
list of prescriptions waiting for an answer."""

import re

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_keyboard, follow, menu, section, tick, visit

pytestmark = pytest.mark.e2e

REFERENT = demo_email("referent", "76")
STRUCTURE = demo_email("admin", "76")  # Direction de l'insertion, which runs the département's driving-licence aid
SERVICE = "Aide départementale au permis de conduire"
PERSONNE = re.compile("LEFÈVRE")


def _etape(zone, etape):
    """Record the next outcome step (dated today) in `zone`, a page or a row holding the step form."""
    summary = zone.locator("summary", has_text="Suivi : enregistrer l'étape suivante")
    if summary.count():
        summary.click()
    tick(zone.get_by_role("radio", name=etape, exact=True))
    follow(zone.get_by_role("button", name="Enregistrer l'étape"))


def test_referent_goes_from_the_day_to_a_suggested_offer_followed_to_completion(login_as):
    referent = login_as(REFERENT)
    journee = referent.get_by_role("region", name="Ma journée")
    en_attente = journee.locator("#liste-prescriptions_envoyees")
    expect(en_attente.get_by_role("heading", level=4)).to_contain_text("Prescriptions en attente de réponse")
    follow(en_attente.get_by_role("link", name=PERSONNE))
    expect(referent.get_by_role("heading", level=2, name="Prescriptions")).to_be_visible()

    section(referent, "Offres suggérées")
    offres = referent.get_by_role("list", name="Offres suggérées, la plus pertinente d'abord")
    offre = offres.get_by_role("listitem").filter(has=referent.get_by_role("heading", level=3, name=SERVICE))
    expect(offre).to_contain_text("Répond à l'axe Mobilité")
    follow(offre.get_by_role("link", name=f"Prescrire « {SERVICE} »"))

    check_keyboard(referent.get_by_role("main").locator("form"))
    referent.get_by_role("textbox", name="Message à la structure").fill(
        "Hélène prépare le permis pour accepter un poste en horaires décalés."
    )
    tick(referent.get_by_role("checkbox", name=re.compile("La personne est informée de cette prescription")))
    follow(referent.get_by_role("button", name="Envoyer la prescription"))
    expect(referent.get_by_role("status")).to_contain_text("La prescription est envoyée à Direction de l'insertion")
    ligne = referent.get_by_role("table", name="Prescriptions de la personne").get_by_role(
        "row", name=re.compile(SERVICE)
    )
    expect(ligne).to_contain_text("En attente de réponse")

    structure = login_as(STRUCTURE)
    menu(structure, "Prescriptions reçues")
    recues = structure.get_by_role("table", name="Prescriptions reçues")
    follow(recues.get_by_role("row", name=re.compile(f"Lefèvre.*{SERVICE}", re.IGNORECASE)).get_by_role("link"))
    detail = structure.url
    tick(structure.get_by_role("radio", name="Accepter : la structure accueille la personne"))
    follow(structure.get_by_role("button", name="Envoyer la réponse"))
    expect(structure.get_by_role("status")).to_contain_text("Votre réponse est transmise")
    visit(structure, detail)  # the answered prescription has left the inbox: back to its page
    for etape, message in (
        ("La personne s'est présentée", "La personne s'est présentée le"),
        ("Candidature retenue", "Candidature retenue le"),
    ):
        _etape(structure.get_by_role("main"), etape)
        expect(structure.get_by_role("status")).to_contain_text("L'étape du suivi est enregistrée.")
        expect(structure.get_by_role("main")).to_contain_text(message)

    referent.reload()
    expect(ligne).to_contain_text("Acceptée")
    expect(ligne).to_contain_text("Candidature retenue le")
    for etape in ("Entrée dans l'action", "Action terminée"):
        _etape(ligne, etape)
        expect(referent.get_by_role("status")).to_contain_text("L'étape du suivi est enregistrée.")
    expect(ligne.get_by_role("listitem")).to_have_text(
        [
            re.compile("^La personne s'est présentée le"),
            re.compile("^Candidature retenue le"),
            re.compile("^Entrée dans l'action le"),
            re.compile("^Action terminée le"),
        ]
    )
    expect(ligne.locator("summary")).to_have_count(0)  # completed: no next step

    section(referent, "Historique")
    historique = referent.get_by_role("table", name="Événements du parcours")
    expect(historique.get_by_role("row").filter(has_text=f"« {SERVICE} » : action terminée le")).to_have_count(1)

    menu(referent, "Accueil")
    en_attente = referent.get_by_role("region", name="Ma journée").locator("#liste-prescriptions_envoyees")
    expect(en_attente).not_to_contain_text(SERVICE)
