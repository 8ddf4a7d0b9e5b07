"""Journey 5: a département admin uploads a CAF flux file and watches the progress bar up to the report.

The file is processed by the Celery worker (the platform's settings are not eager): the report appearing proves
that the worker runs and shares the database and the broker with the web server. The Ardennes admin does it, so
that the new entrants of the file do not join the Seine-Maritime queue of the orientation journey.
"""

import pytest
from playwright.sync_api import Error, expect

from partenaires.dev.generation_flux import ecrire_flux, generer_foyers
from spie.dev.demo import demo_email
from tests.e2e.browser import check_keyboard, check_page, follow, tick

pytestmark = pytest.mark.e2e

ADMIN = demo_email("admin", "08")
COMMUNES_08 = (
    ("08105", "08000", "Charleville-Mézières"),
    ("08328", "08700", "Nouzonville"),
    ("08409", "08200", "Sedan"),
)
HOUSEHOLDS = 300


def test_admin_uploads_a_caf_flux_and_watches_the_worker_process_it(login_as, tmp_path):
    path = tmp_path / "flux-rsa-08.xml"
    ecrire_flux(path, generer_foyers(HOUSEHOLDS, seed=8, departement="08", communes=COMMUNES_08))

    admin = login_as(ADMIN, totp=True)
    follow(admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Administration"))
    follow(admin.get_by_role("navigation", name="Ardennes").get_by_role("link", name="Flux CAF/MSA"))
    form = admin.get_by_role("main").locator("form", has=admin.get_by_role("button", name="Déposer le flux"))
    check_keyboard(form)
    # A fresh page for the upload: right after the keyboard walk, Chromium did not submit this form on the button's
    # click (no request reached the server; cause not found).
    admin.reload()
    form = admin.get_by_role("main").locator("form", has=admin.get_by_role("button", name="Déposer le flux"))
    admin.get_by_label("Fichier du flux « bénéficiaires RSA » (XML)").set_input_files(path)
    follow(form.get_by_role("button", name="Déposer le flux"))
    expect(admin.get_by_role("status").first).to_contain_text("Le flux est déposé : son traitement commence.")

    # The page polls the run's status and reloads itself with the report once the worker is done.
    bar = admin.get_by_role("progressbar", name="Avancement")
    report = admin.get_by_role("table", name="Résultat du traitement")
    seen = []
    for _ in range(240):
        try:
            if report.count():
                break
            seen.append(int(bar.get_attribute("value", timeout=1000)))
        except Error:  # the page is reloading
            pass
        admin.wait_for_timeout(250)
    report.wait_for()
    check_page(admin)  # the page after its reload
    assert seen == sorted(seen), f"the progress bar went back: {seen}"
    expect(bar).to_have_attribute("value", "100")
    expect(admin.get_by_text(f"Terminé : {HOUSEHOLDS} foyers traités.").first).to_be_visible()
    expect(report.get_by_role("row", name="Foyers traités")).to_contain_text(str(HOUSEHOLDS))
    expect(report.get_by_role("row", name="Foyers rejetés")).to_contain_text("0")
    created = int(report.get_by_role("row", name="Personnes créées").get_by_role("cell").inner_text())
    assert created >= HOUSEHOLDS * 0.8, created  # applicants and spouses of the households with an open right

    # The list of runs shows the finished run.
    follow(admin.get_by_role("navigation", name="Ardennes").get_by_role("link", name="Flux CAF/MSA"))
    row = admin.get_by_role("table", name="Flux déposés").get_by_role("row", name="flux-rsa-08.xml")
    expect(row).to_contain_text("Terminé")

    # Then a later file with another person under a known number and role (same département, after this run).
    _resolves_an_identity_conflict_set_aside_by_the_flux(login_as, tmp_path)


def _deposer_et_attendre(admin, path):
    follow(admin.get_by_role("navigation", name="Ardennes").get_by_role("link", name="Flux CAF/MSA"))
    admin.get_by_label("Fichier du flux « bénéficiaires RSA » (XML)").set_input_files(path)
    form = admin.get_by_role("main").locator("form", has=admin.get_by_role("button", name="Déposer le flux"))
    follow(form.get_by_role("button", name="Déposer le flux"))
    # The run's page reloads itself with the report once the worker is done.
    admin.get_by_role("table", name="Résultat du traitement").wait_for(timeout=120_000)


def _resolves_an_identity_conflict_set_aside_by_the_flux(login_as, tmp_path):
    """A later file brings another person under a known CAF number and role: never merged, the household waits on
    the conflicts page until the admin says "personne différente"."""
    import dataclasses
    import datetime

    foyers = list(generer_foyers(3, seed=81, departement="08", communes=COMMUNES_08, premier=70_000))
    foyers[0] = dataclasses.replace(foyers[0], etat="2")  # an open right: the applicant is created by the first file
    premier, autre = tmp_path / "flux-08-a.xml", tmp_path / "flux-08-b.xml"
    ecrire_flux(premier, foyers)
    demandeur = foyers[0].personnes[0]
    intrus = dataclasses.replace(
        demandeur, nom="INTRUSE", nom_naissance="INTRUSE", prenom="Zoé", date_naissance=datetime.date(1971, 3, 4),
        sexe="2", nir=None,
    )  # fmt: skip
    ecrire_flux(autre, [dataclasses.replace(foyers[0], personnes=[intrus, *foyers[0].personnes[1:]]), *foyers[1:]])

    admin = login_as(ADMIN, totp=True)
    follow(admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Administration"))
    _deposer_et_attendre(admin, premier)
    _deposer_et_attendre(admin, autre)

    follow(admin.get_by_role("navigation", name="Ardennes").get_by_role("link", name="Conflits d'identité"))
    section = admin.get_by_role("main").locator("section", has_text=foyers[0].matricule)
    comparaison = section.get_by_role("table", name="Identités comparées")
    expect(comparaison.get_by_role("row", name="Prénoms")).to_contain_text("Zoé")
    expect(comparaison.get_by_role("row", name="Nom d'usage")).to_contain_text("Intruse")
    check_keyboard(section.locator("form"))
    follow(section.get_by_role("button", name="Personne différente"))
    expect(admin.get_by_role("main").locator("section", has_text=foyers[0].matricule)).to_have_count(0)


def test_admin_confirms_the_replay_of_an_older_file(login_as, tmp_path):
    """Journey 5 bis: after November's file, October's is refused (it would take the rights back); the page offers
    the explicit replay confirmation, the admin confirms, the run is recorded as a replay confirmed by them.

    The files come from a sender of their own (CAF 089, fixed DTREF): the order check compares files of the same
    sender only, so neither the date of the day nor the other journeys' files play a part."""
    import dataclasses
    import datetime

    foyers = [
        dataclasses.replace(foyer, numero_organisme="089")
        for foyer in generer_foyers(5, seed=89, departement="08", communes=COMMUNES_08, premier=80_000)
    ]
    novembre, octobre = tmp_path / "flux-08-novembre.xml", tmp_path / "flux-08-octobre.xml"
    ecrire_flux(novembre, foyers, date_reference=datetime.date(2026, 11, 1))
    ecrire_flux(octobre, foyers, date_reference=datetime.date(2026, 10, 1))

    admin = login_as(ADMIN, totp=True)
    follow(admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Administration"))
    _deposer_et_attendre(admin, novembre)
    expect(admin.get_by_text("Terminé : 5 foyers traités.").first).to_be_visible()

    # The older file: refused as a whole, with the reason and the replay offered.
    _deposer_et_attendre(admin, octobre)
    alerte = admin.get_by_role("alert").filter(has_text="Le flux n'a pas pu être intégré")
    expect(alerte).to_contain_text("date de référence (DTREF) le 01/10/2026")
    expect(alerte).to_contain_text("Aucun foyer n'a été importé")
    rejeu = admin.get_by_role("group", name="Rejouer ce fichier malgré tout ?")
    expect(rejeu).to_be_visible()
    expect(admin.get_by_role("button", name="Relancer le traitement")).to_have_count(0)
    check_keyboard(admin.get_by_role("main").locator("form", has=rejeu))
    # A fresh page before submitting (see the upload above: a form right after the keyboard walk was not submitted).
    admin.reload()
    rejeu = admin.get_by_role("group", name="Rejouer ce fichier malgré tout ?")

    # Not ticked: refused with a clear message, nothing replayed.
    follow(rejeu.get_by_role("button", name="Confirmer le rejeu de ce fichier"))
    expect(admin.get_by_text("Cochez la case pour confirmer le rejeu du fichier.")).to_be_visible()
    expect(admin.get_by_text("Rejeu d'un fichier plus ancien confirmé")).to_have_count(0)

    # Ticked: the same stored file runs again, recorded as a replay confirmed by the admin.
    rejeu = admin.get_by_role("group", name="Rejouer ce fichier malgré tout ?")
    tick(rejeu.get_by_label("Je confirme rejouer ce fichier plus ancien", exact=False))
    follow(rejeu.get_by_role("button", name="Confirmer le rejeu de ce fichier"))
    # The page reloads itself with the report once the worker is done (its confirmation message then gone: a small
    # file may be done before the first look).
    admin.get_by_role("table", name="Résultat du traitement").wait_for(timeout=120_000)
    check_page(admin)
    expect(admin.get_by_text("Terminé : 5 foyers traités.").first).to_be_visible()
    expect(admin.get_by_text("Rejeu d'un fichier plus ancien confirmé par")).to_be_visible()
    expect(admin.get_by_text("Rejeu confirmé d'un fichier plus ancien : DTREF du 01/10/2026")).to_be_visible()
    expect(admin.get_by_role("group", name="Rejouer ce fichier malgré tout ?")).to_have_count(0)

    # The list of runs shows the replayed file finished.
    follow(admin.get_by_role("navigation", name="Ardennes").get_by_role("link", name="Flux CAF/MSA"))
    ligne = admin.get_by_role("table", name="Flux déposés").get_by_role("row", name="flux-08-octobre.xml").first
    expect(ligne).to_contain_text("Terminé")
