"""Journey 1: a département admin logs in (two-factor), creates a territory from communes and invites a
professional, who opens the link of the invitation e-mail, chooses a password and logs in with it."""

import re

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import activate_totp, check_keyboard, check_page, follow, login, tick, visit

pytestmark = pytest.mark.e2e

ADMIN = demo_email("admin", "76")
INVITEE = "nadia.nouvelle@mission-locale.example"
PASSWORD = "Cailly-Seine-2026!"


def admin_menu(page, name):
    return follow(page.get_by_role("navigation", name="Seine-Maritime").get_by_role("link", name=name, exact=True))


def test_admin_creates_a_territory_and_invites_a_professional_who_joins(login_as, open_page, platform):
    admin = login_as(ADMIN, totp=True, keyboard=True)
    follow(admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Administration"))
    admin_menu(admin, "Territoires")
    follow(admin.get_by_role("link", name="Créer un territoire"))

    form = admin.get_by_role("main").locator("form")
    check_keyboard(form)
    admin.get_by_role("textbox", name="Nom", exact=True).fill("Vallée du Cailly")
    for commune, label in (("Maromme", "Maromme (76410)"), ("Notre-Dame-de-Bondeville", "Notre-Dame-de-Bondeville")):
        admin.get_by_role("textbox", name="Rechercher une commune ou un EPCI").fill(commune)
        follow(admin.get_by_role("button", name="Rechercher", exact=True))
        tick(admin.get_by_role("checkbox", name=label))
    communes = admin.get_by_role("group", name="Communes du territoire")
    assert communes.get_by_role("checkbox", name="Maromme (76410)").is_checked()  # kept across the searches
    follow(admin.get_by_role("button", name="Enregistrer le territoire"))

    expect(admin.get_by_role("status")).to_contain_text("Le territoire « Vallée du Cailly » est enregistré.")
    row = admin.get_by_role("table", name="Territoires du département").get_by_role("row", name="Vallée du Cailly")
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")

    admin_menu(admin, "Invitations")
    form = admin.get_by_role("main").locator("form", has=admin.get_by_role("button", name="Envoyer l'invitation"))
    check_keyboard(form)
    admin.get_by_role("textbox", name="Adresse électronique").fill(INVITEE)
    admin.get_by_role("textbox", name="Prénom").fill("Nadia")
    admin.get_by_role("textbox", name="Nom", exact=True).fill("Nouvelle")
    admin.get_by_role("combobox", name="Structure").select_option(label="Mission locale de l'agglomération rouennaise")
    admin.get_by_role("combobox", name="Rôle").select_option(label="Référent / professionnel")
    follow(admin.get_by_role("button", name="Envoyer l'invitation"))
    expect(admin.get_by_role("status")).to_contain_text(f"L'invitation est envoyée à {INVITEE}.")
    sent = admin.get_by_role("table", name="Invitations envoyées").get_by_role("row", name=re.compile(INVITEE))
    expect(sent).to_contain_text("En attente")

    mail = platform.wait_for_mail(to=INVITEE)
    assert "Invitation à rejoindre la plateforme SPIE" in mail["subject"]
    link = re.search(r"https?://\S+/invitation/\S+/", mail.get_content()).group(0)
    assert link.startswith(platform.base_url)

    invitee = visit(open_page(), link)
    expect(invitee.get_by_role("main")).to_contain_text(
        "Le département Seine-Maritime vous invite à rejoindre Mission locale de l'agglomération rouennaise"
    )
    form = invitee.get_by_role("main").locator("form")
    check_keyboard(form)
    expect(invitee.get_by_role("textbox", name="Prénom")).to_have_value("Nadia")
    invitee.get_by_role("textbox", name="Mot de passe", exact=False).first.fill(PASSWORD)
    invitee.get_by_role("textbox", name="Confirmation du mot de passe").fill(PASSWORD)
    follow(invitee.get_by_role("button", name="Créer mon compte"))
    # Every professional sets up a second factor before the first page.
    secret = activate_totp(invitee, INVITEE, PASSWORD)
    visit(invitee, "/")
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Bonjour Nadia")
    expect(invitee.get_by_role("main")).to_contain_text("Vos rôles dans cette structure : Référent / professionnel")

    # The password chosen and the authenticator work on their own: a new browser, the login form.
    again = login(open_page(), INVITEE, password=PASSWORD, totp_secret=secret)
    expect(again.get_by_role("main")).to_contain_text("Mission locale de l'agglomération rouennaise — Seine-Maritime")

    admin.reload()
    check_page(admin)
    sent = admin.get_by_role("table", name="Invitations envoyées").get_by_role("row", name=re.compile(INVITEE))
    expect(sent).to_contain_text("Acceptée")
