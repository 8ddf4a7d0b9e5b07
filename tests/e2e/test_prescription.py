"""Journey 4: the référent searches the offer catalogue by thématique and commune from a carnet and sends a
prescription; the receiving structure accepts it; the carnet's timeline shows each step."""

import re

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_keyboard, check_page, follow, menu, section, tick

pytestmark = pytest.mark.e2e

REFERENT = demo_email("referent", "76")
STRUCTURE = demo_email("asso", "76")  # Association Tremplin Boucles de Seine, which runs the CV workshop
SERVICE = "Atelier CV et lettre de motivation"


def test_referent_prescribes_an_offer_that_the_structure_accepts_and_the_timeline_shows_it(login_as):
    referent = login_as(REFERENT)
    menu(referent, "Mes bénéficiaires")
    follow(referent.get_by_role("table", name="Personnes suivies").get_by_role("link", name="Karim BENALI"))
    section(referent, "Prescriptions")
    follow(referent.get_by_role("link", name="Chercher une offre et prescrire"))

    criteria = referent.get_by_role("search", name="Critères")
    check_keyboard(criteria)
    criteria.get_by_role("textbox", name="Commune de la personne").fill("Elbeuf")
    criteria.get_by_role("combobox", name="Thématique").select_option(
        label="Préparer sa candidature (toutes les sous-thématiques)"
    )
    follow(criteria.get_by_role("button", name="Rechercher", exact=True))
    expect(referent.get_by_role("status")).to_have_text("1 offre pour Elbeuf (76231)")
    results = referent.get_by_role("list", name="1 offre pour Elbeuf (76231)")
    expect(results.get_by_role("heading", level=3)).to_have_text([SERVICE])
    expect(results).to_contain_text("Association Tremplin Boucles de Seine — Elbeuf")
    follow(results.get_by_role("link", name=f"Prescrire « {SERVICE} »"))

    check_keyboard(referent.get_by_role("main").locator("form"))
    referent.get_by_role("combobox", name="Session").select_option(index=1)
    referent.get_by_role("textbox", name="Message à la structure").fill(
        "Karim cherche un emploi de magasinier : un CV à jour l'aidera."
    )
    tick(referent.get_by_role("checkbox", name=re.compile("La personne est informée de cette prescription")))
    follow(referent.get_by_role("button", name="Envoyer la prescription"))
    expect(referent.get_by_role("status")).to_contain_text(
        "La prescription est envoyée à Association Tremplin Boucles de Seine."
    )
    sent = referent.get_by_role("table", name="Prescriptions de la personne").get_by_role(
        "row", name=re.compile(SERVICE)
    )
    expect(sent).to_contain_text("En attente de réponse")

    structure = login_as(STRUCTURE)
    menu(structure, "Prescriptions reçues")
    received = structure.get_by_role("table", name="Prescriptions reçues")
    follow(received.get_by_role("row", name=re.compile(f"Karim Benali.*{SERVICE}")).get_by_role("link"))
    expect(structure.get_by_role("main")).to_contain_text("Karim cherche un emploi de magasinier")
    check_keyboard(structure.get_by_role("main").locator("form"))
    tick(structure.get_by_role("radio", name="Accepter : la structure accueille la personne"))
    structure.get_by_role("textbox", name="Précision").fill("Premier rendez-vous le jour de la session, à 9 h.")
    follow(structure.get_by_role("button", name="Envoyer la réponse"))
    expect(structure.get_by_role("status")).to_contain_text("Votre réponse est transmise")

    referent.reload()
    check_page(referent)
    expect(sent).to_contain_text("Acceptée")
    section(referent, "Historique")
    timeline = referent.get_by_role("table", name="Événements du parcours")
    expect(timeline.get_by_role("row").filter(has_text=f"Prescription envoyée vers « {SERVICE} »")).to_contain_text(
        "Association Tremplin Boucles de Seine, session du"
    )
    expect(
        timeline.get_by_role("row").filter(has_text=f"Prescription vers « {SERVICE} » acceptée par Association")
    ).to_contain_text("Anne Accompagnatrice")
