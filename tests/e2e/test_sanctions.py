"""Journey: a sanction from the failure to its lift. The référent of Hélène LEFÈVRE (demo: a contrat d'engagement and
a personal space) opens a file on a missed obligation of her contract, finds no legitimate reason and notifies her
through her space (suspension of 30 % for 1 month envisaged); Hélène opens her space with the one-time link, says
she received the notice and answers it; the décideur des sanctions reads her answer, decides the suspension (30 %,
1 month, from three weeks ago, the monthly amount known), then lifts it when she complies: the arrears are computed
(1 month started × 30 % × 600 €) and the file says the sanction is lifted. The décideur then downloads the file for a
court and the CAF/MSA export. Every page passes axe-core."""

import csv
import datetime
import io
import re

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_page, download, follow, pdf_text, section, squash, tick, visit

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 667}
FAITS = "Ateliers du contrat d'engagement non suivis depuis trois semaines, sans nouvelles."
REPONSE = "J'étais hospitalisée deux jours, puis je n'avais plus de moyen de garde."


def _code(platform, to):
    message = platform.wait_for_mail(to=to)
    return re.search(r"Votre code : (\d{6})", message.get_content()).group(1)


def _etape(page, titre):
    """The form of one step of the file (its section, named by its heading)."""
    return page.get_by_role("region", name=titre)


def test_failure_notice_answer_decision_remobilisation_arrears_lift(login_as, open_page, platform):
    today = datetime.date.today()
    effet = today - datetime.timedelta(days=20)

    # The référent opens the file from the carnet.
    referent = login_as(demo_email("referent", "76"))
    follow(referent.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes bénéficiaires"))
    follow(referent.get_by_role("table", name="Personnes suivies").get_by_role("link", name="Hélène Marie LEFÈVRE"))
    carnet_url = referent.url
    follow(referent.get_by_role("link", name=re.compile("Manquements aux engagements")))
    follow(referent.get_by_role("link", name="Ouvrir un dossier de manquement"))
    tick(referent.get_by_role("radio", name="Manquement à une obligation du contrat d'engagement"))
    referent.get_by_role("combobox", name=re.compile("Obligation manquée")).select_option("contrat")
    referent.get_by_role("combobox", name="Contrat d'engagement").select_option(index=1)
    referent.get_by_role("textbox", name="Faits constatés").fill(FAITS)
    referent.get_by_label("Période des faits : du").fill((today - datetime.timedelta(days=21)).isoformat())
    referent.get_by_label("au", exact=True).fill((today - datetime.timedelta(days=1)).isoformat())
    follow(referent.get_by_role("button", name="Ouvrir le dossier"))
    expect(referent.get_by_role("status").first).to_contain_text("Le dossier de manquement est ouvert")
    dossier_url = referent.url
    dossier_uid = re.search(r"/dossiers/([0-9a-f-]{36})/", dossier_url).group(1)

    # No legitimate reason, then the notice through her space.
    etape = _etape(referent, "Constater l'absence de motif légitime")
    etape.get_by_role("textbox").fill("Aucun justificatif ; deux appels sans réponse.")
    follow(etape.get_by_role("button", name="Constater l'absence de motif légitime"))
    etape = _etape(referent, "Notifier les faits et la sanction envisagée")
    tick(etape.get_by_role("radio", name=re.compile("^Suspension")))
    etape.get_by_role("spinbutton", name="Taux envisagé (%)").fill("30")
    etape.get_by_role("spinbutton", name="Durée envisagée (mois)").fill("1")
    tick(etape.get_by_role("radio", name=re.compile("^Espace personnel")))
    etape.get_by_label("Envoyée le").fill(today.isoformat())
    follow(etape.get_by_role("button", name="Notifier les faits et la sanction envisagée"))
    expect(referent.get_by_role("main")).to_contain_text("Notifié : délai de réponse de la personne")

    # Hélène opens her space with the link her référent sends, acknowledges the notice and answers it.
    referent.goto(carnet_url)
    check_page(referent)
    section(referent, "Groupe de suivi")
    follow(referent.get_by_role("button", name="Envoyer le lien par courriel"))
    message = platform.wait_for_mail(to="helene.lefevre@exemple.fr")
    lien = re.search(r"https?://\S+/mon-espace/lien/\S+/", message.get_content()).group(0)
    phone = open_page(viewport=PHONE)
    visit(phone, lien.replace(platform.base_url, ""))
    follow(phone.get_by_role("button", name=re.compile("code")))
    phone.get_by_role("textbox", name=re.compile("Code reçu")).fill(_code(platform, "helene.lefevre@exemple.fr"))
    follow(phone.get_by_role("button", name="Valider"))
    follow(phone.get_by_role("navigation", name="Menu de mon espace").get_by_role("link", name="Mes courriers"))
    notice = phone.get_by_role("main").locator(".fr-card", has=phone.locator(f"a[href*='{dossier_uid}']"))
    follow(notice.get_by_role("button", name="J'ai bien reçu ce courrier"))
    notice = phone.get_by_role("main").locator(".fr-card", has=phone.locator(f"a[href*='{dossier_uid}']"))
    expect(notice).to_contain_text("J'ai dit que j'ai reçu ce courrier le")
    notice.get_by_role("textbox", name=re.compile("Vos observations")).fill(REPONSE)
    follow(notice.get_by_role("button", name="Envoyer ma réponse"))
    expect(phone.get_by_role("status").first).to_contain_text("Votre réponse est envoyée")

    # The décideur reads the answer and decides: 30 %, 1 month.
    decideur = login_as(demo_email("decideur", "76"))
    visit(decideur, dossier_url.replace(platform.base_url, ""))
    expect(decideur.get_by_role("main")).to_contain_text(REPONSE)
    etape = _etape(decideur, "Décider la sanction")
    tick(etape.get_by_role("radio", name=re.compile("^Suspension")))
    etape.get_by_role("spinbutton", name="Taux (%)").fill("30")
    etape.get_by_role("spinbutton", name="Durée (mois)").fill("1")
    etape.get_by_label("À compter du").fill(effet.isoformat())
    etape.get_by_role("spinbutton", name=re.compile("Montant mensuel")).fill("600")
    etape.get_by_role("textbox", name="Motifs de la décision").fill(
        "Ateliers non suivis ; les raisons données ne couvrent pas les trois semaines."
    )
    follow(etape.get_by_role("button", name="Décider la sanction"))
    expect(decideur.get_by_role("main")).to_contain_text("Sanction en cours")
    expect(decideur.get_by_role("main")).to_contain_text("suspension de 30 % pendant 1 mois décidée")

    # She complies: the décideur lifts the suspension; the arrears are computed.
    etape = _etape(decideur, "Lever la sanction : la personne s'est remobilisée")
    etape.get_by_label("Remobilisation constatée le").fill(today.isoformat())
    etape.get_by_role("textbox", name="Comment la personne s'est remobilisée").fill(
        "Contrat actualisé avec un mode de garde, ateliers repris."
    )
    follow(etape.get_by_role("button", name="Lever la sanction : la personne s'est remobilisée"))
    main = decideur.get_by_role("main")
    expect(main).to_contain_text("Levée : la personne s'est remobilisée")
    expect(main).to_contain_text("1 mois à 30 %, soit 180,00 €")

    # The file for a court holds every step, the answer and the arrears.
    name, data = download(main.get_by_role("link", name=re.compile("Dossier complet pour le tribunal")))
    texte = squash(pdf_text(data))
    assert name == "dossier-tribunal-administratif.pdf"
    for attendu in (FAITS, REPONSE, "aucun motif légitime", "notification envoyée le", "1 mois à 30 %, soit 180,00 €"):
        assert attendu in texte, attendu

    # The CAF/MSA export carries the decision, the lift and the arrears.
    visit(decideur, "/sanctions/caf-msa/")
    follow(decideur.get_by_role("button", name="Préparer le fichier pour la CAF et la MSA"))
    name, data = download(decideur.get_by_role("link", name="Télécharger (CSV)").first)
    lignes = [ligne for ligne in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")]
    mouvements = {ligne[0] for ligne in lignes[1:] if ligne[-1] == dossier_uid}
    assert mouvements == {"Sanction décidée", "Sanction levée", "Sommes à rendre (rattrapage)"}
