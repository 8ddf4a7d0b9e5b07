"""Personal data journeys: (a) a chargé d'orientation outside a person's group gives a reason before reading the
group's notes, and the admin finds that access in the list for the data protection officer; (b) the Seine-Maritime
admin proposes the transfer of a person who moved to the Ardennes, the Ardennes admin accepts it: Seine-Maritime's
référent no longer reaches the carnet, and the Ardennes orientation queue shows the person."""

import re

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_keyboard, check_page, follow, section, visit

pytestmark = pytest.mark.e2e

ORIENTATION = demo_email("orientation", "76")  # not in Sandrine DUBOIS's group
ADMIN_76 = demo_email("admin", "76")
ADMIN_08 = demo_email("admin", "08")
ORIENTATION_08 = demo_email("orientation", "08")
REFERENT_76 = demo_email("referent", "76")
RAISON = "Son référent est absent et la personne demande où en est son dossier."


def test_reading_notes_outside_the_group_asks_a_reason_that_the_admin_then_sees(login_as):
    charge = login_as(ORIENTATION)
    visit(charge, "/carnets/recherche/?nom=Dubois")
    follow(charge.get_by_role("table", name="Personnes trouvées").get_by_role("link", name="Sandrine DUBOIS"))
    section(charge, "Notes")
    # Outside the group: the reason screen comes first.
    expect(charge.get_by_role("heading", name="Accès exceptionnel aux notes et documents")).to_be_visible()
    form = charge.get_by_role("main").locator("form")
    check_keyboard(form)
    charge.get_by_role("combobox", name="Motif de l'accès").select_option(label="Remplacement du référent absent")
    charge.get_by_role("textbox", name="Précisez").fill(RAISON)
    follow(charge.get_by_role("button", name="Ouvrir l'accès exceptionnel"))
    expect(charge.get_by_role("status")).to_contain_text("Accès exceptionnel ouvert pour 24 heures")
    expect(charge).to_have_url(re.compile(r"/carnets/[0-9a-f-]+/notes/"))

    admin = login_as(ADMIN_76)
    visit(admin, "/carnets/acces-exceptionnels/")
    ligne = admin.get_by_role("table", name="Accès exceptionnels, du plus récent au plus ancien").get_by_role(
        "row", name=re.compile("Sandrine DUBOIS")
    )
    expect(ligne.first).to_contain_text("Olivier Orienteur")
    expect(ligne.first).to_contain_text("Remplacement du référent absent")
    expect(ligne.first).to_contain_text(RAISON)


def test_a_transfer_proposed_by_one_departement_and_accepted_by_the_other(login_as):
    admin = login_as(ADMIN_76)
    visit(admin, "/carnets/recherche/?nom=Lambert")
    follow(admin.get_by_role("table", name="Personnes trouvées").get_by_role("link", name="Christophe LAMBERT"))
    carnet_url = admin.url
    follow(admin.get_by_role("link", name="Transférer vers un autre département"))
    form = admin.get_by_role("main").locator("form")
    check_keyboard(form)
    admin.get_by_role("combobox", name="Département d'arrivée").select_option(label="08 — Ardennes")
    admin.get_by_role("textbox", name="Motif").fill("M. Lambert nous a signalé son installation à Sedan.")
    follow(admin.get_by_role("button", name="Proposer le transfert"))
    expect(admin.get_by_role("status")).to_contain_text("Transfert proposé au département 08")

    # Before the decision, Seine-Maritime's référent still reaches the carnet (the minimal card).
    referent = login_as(REFERENT_76)
    response = referent.goto(carnet_url)
    assert response is not None and response.status == 200
    check_page(referent)

    admin_08 = login_as(ADMIN_08)
    visit(admin_08, "/carnets/transferts/")
    transferts = admin_08.get_by_role("table", name="Transferts en attente, du plus ancien au plus récent")
    follow(transferts.get_by_role("link", name="Examiner le transfert de Christophe LAMBERT"))
    expect(admin_08.get_by_role("heading", level=1)).to_have_text("Transfert du carnet de Christophe LAMBERT")
    expect(admin_08.get_by_role("main")).to_contain_text("installation à Sedan")
    follow(admin_08.get_by_role("button", name="Accepter le transfert"))
    expect(admin_08.get_by_role("status")).to_contain_text("Transfert accepté")
    assert admin_08.url.endswith(carnet_url.split("/carnets/", 1)[1])

    # Seine-Maritime no longer sees the person: 404 on the carnet, nothing in its search.
    response = referent.goto(carnet_url)
    assert response is not None and response.status == 404
    check_page(referent)
    visit(referent, "/carnets/recherche/?nom=Lambert")
    expect(referent.get_by_role("main")).not_to_contain_text("Christophe LAMBERT")

    # The Ardennes orientation queue shows the person: the legal clock restarted on the transfer.
    charge_08 = login_as(ORIENTATION_08)
    visit(charge_08, "/orientation/?territoire=tous")  # the person lives in no sector of this chargé yet
    file = charge_08.get_by_role("table", name="Personnes à orienter")
    expect(file.get_by_role("row", name=re.compile("Christophe LAMBERT"))).to_be_visible()
