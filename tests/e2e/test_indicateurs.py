"""Journey 6: the dashboard shows its charts (from the demo data loaded by the run command), a figure leads to
its definition, the CSV downloads, and the administrator produces the monthly report, watches its progress
(the real Celery worker produces it) and downloads the PDF, whose text is checked."""

import csv
import io
import re

import pytest
from playwright.sync_api import Error, expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_keyboard, check_page, download, follow, pdf_text, squash

pytestmark = pytest.mark.e2e

ADMIN = demo_email("admin", "76")
RESPONSABLE = demo_email("responsable-ml", "76")


def test_the_dashboard_shows_its_charts_and_the_monthly_report_downloads(login_as):
    admin = login_as(ADMIN, totp=True)
    follow(admin.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Indicateurs"))
    main = admin.get_by_role("main")
    expect(main.get_by_role("heading", level=1, name="Indicateurs")).to_be_visible()
    # One trend chart per indicator and one territory comparison per indicator, each an image with a text.
    charts = main.get_by_role("img")
    assert charts.count() >= 20, charts.count()
    expect(main.get_by_role("img", name=re.compile("Nouveaux entrants au RSA : évolution mensuelle"))).to_be_visible()
    expect(main.get_by_role("img", name=re.compile("comparaison des territoires")).first).to_be_visible()
    key_figures = main.get_by_role("table", name=re.compile("Chiffres clés"))
    expect(key_figures.get_by_role("row", name=re.compile("Nouveaux entrants au RSA"))).to_contain_text("personne")

    # The figures of one territory.
    filters = main.locator("form", has=admin.get_by_role("button", name="Afficher"))
    check_keyboard(filters)
    admin.get_by_role("combobox", name="Territoire").select_option(label="Pointe de Caux")
    follow(filters.get_by_role("button", name="Afficher"))
    expect(main.get_by_text(re.compile(r"^Territoire Pointe de Caux, de ")).first).to_be_visible()

    # Every figure links to its exact definition.
    follow(main.get_by_role("link", name="Définition (version 1)").nth(1))
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        "Délai entre l'entrée au RSA et la décision d'orientation"
    )
    expect(admin.get_by_text("Cohorte (qui est compté)")).to_be_visible()
    admin.go_back()
    check_page(admin)

    name, data = download(main.get_by_role("link", name="Télécharger tous les chiffres (CSV)"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert name.startswith("indicateurs-76-") and rows and {r["territoire"] for r in rows} == {"Pointe de Caux"}

    # The monthly report, produced by the worker while the page shows its progress.
    follow(main.get_by_role("link", name="Rapports mensuels (PDF)"))
    form = admin.get_by_role("main").locator("form", has=admin.get_by_role("button", name="Produire le rapport"))
    check_keyboard(form)
    follow(form.get_by_role("button", name="Produire le rapport"))
    bar = admin.get_by_role("progressbar", name="Avancement")
    link = admin.get_by_role("main").get_by_role("link", name=re.compile("Télécharger le rapport"))
    for _ in range(240):
        try:
            if link.count():
                break
        except Error:  # the page is reloading
            pass
        admin.wait_for_timeout(250)
    link.wait_for()
    check_page(admin)
    expect(bar).to_have_attribute("value", "100")
    name, data = download(link)
    text = squash(pdf_text(data))
    assert name.startswith("rapport-76-") and name.endswith(".pdf")
    assert "Rapport mensuel des indicateurs" in text and "Seine-Maritime : l'ensemble du département" in text
    assert "Territoire Pointe de Caux" in text and "Définitions" in text


def test_a_structure_manager_sees_the_figures_of_the_structure(login_as):
    manager = login_as(RESPONSABLE)
    follow(manager.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Indicateurs"))
    main = manager.get_by_role("main")
    expect(main.get_by_text(re.compile(r"^Mission locale de l'agglomération rouennaise, de ")).first).to_be_visible()
    expect(main.get_by_role("combobox", name="Territoire")).to_have_count(0)
    assert main.get_by_role("img").count() >= 9
