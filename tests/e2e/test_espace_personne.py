"""Journey 9: the person's own space on a phone. Sophie MARTIN (demo, convoked to her orientation interview)
logs in with FranceConnect (the fake provider), confirms the code e-mailed to her, confirms her appointment,
sends a proof, acknowledges her convocation, writes to her référent and downloads her data. Hélène LEFÈVRE
(demo, a plan and a contrat d'engagement) opens the one-time link her référent sends, says she disagrees with an
objective; her référent reads it and her message. Every page passes axe-core at 375 × 667."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from spie.dev.demo import demo_email
from tests.e2e.browser import check_page, download, follow, pdf_text, section, squash, tick, visit

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 667}
PREUVE = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"


def _espace(page, name):
    return follow(page.get_by_role("navigation", name="Menu de mon espace").get_by_role("link", name=name))


def _code(platform, to):
    message = platform.wait_for_mail(to=to)
    return re.search(r"Votre code : (\d{6})", message.get_content()).group(1)


def test_sophie_ouvre_son_espace_avec_franceconnect_sur_son_telephone(
    open_page, platform, fake_franceconnect, tmp_path
):
    fake_franceconnect.identity = {
        "sub": f"fc-sophie-{uuid.uuid4()}",
        "given_name": "Sophie",
        "family_name": "MARTIN",
        "birthdate": "1995-05-03",
        "gender": "female",
        "birthplace": "76231",
        "email": "sophie.fc@exemple.fr",
    }
    phone = open_page(viewport=PHONE)
    visit(phone, "/mon-espace/connexion/")
    follow(phone.get_by_role("button", name="S'identifier avec FranceConnect"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nous avons trouvé votre dossier")
    follow(phone.get_by_role("button", name="Recevoir mon code"))
    phone.get_by_role("textbox", name=re.compile("Code reçu")).fill(_code(platform, "sophie.martin@exemple.fr"))
    follow(phone.get_by_role("button", name="Valider"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bonjour Sophie")

    # The convocation's appointment: she will come.
    _espace(phone, "Mes rendez-vous")
    rdv = phone.get_by_role("main").locator(".fr-card").first
    tick(rdv.get_by_role("radio", name="Je viendrai"))
    follow(rdv.get_by_role("button", name="Envoyer ma réponse"))
    expect(phone.get_by_role("status")).to_contain_text("Votre réponse est envoyée à votre référent.")
    expect(phone.get_by_role("main").locator(".fr-card").first).to_contain_text("Ma réponse : Je viendrai")

    # A proof.
    _espace(phone, "Mes documents")
    preuve = tmp_path / "attestation.pdf"
    preuve.write_bytes(PREUVE)
    phone.get_by_label(re.compile("Votre document")).set_input_files(str(preuve))
    phone.get_by_role("textbox", name=re.compile("Quel document est-ce")).fill("Attestation de domicile")
    follow(phone.get_by_role("button", name="Envoyer", exact=True))
    expect(phone.get_by_role("status")).to_contain_text("Votre document est envoyé.")

    # The convocation letter: read it, say it was received.
    _espace(phone, "Mes courriers")
    lettre = phone.get_by_role("main").locator(".fr-card", has_text="Convocation").first
    name, data = download(lettre.get_by_role("link", name="Lire le courrier (PDF)"))
    assert name == "convocation.pdf" and "MARTIN" in squash(pdf_text(data)).upper()
    follow(lettre.get_by_role("button", name="J'ai bien reçu ce courrier"))
    expect(phone.get_by_role("status")).to_contain_text("vous avez bien reçu ce courrier")
    expect(phone.get_by_role("main")).to_contain_text("J'ai dit que j'ai reçu ce courrier le")

    # A message to the référent.
    _espace(phone, "Écrire à mon référent")
    phone.get_by_role("textbox", name="Votre message").fill("Je viendrai avec ma fille, je n'ai pas de garde.")
    follow(phone.get_by_role("button", name="Envoyer mon message"))
    expect(phone.get_by_role("main")).to_contain_text("Pas encore lu.")

    # My data: the export holds what she did.
    _espace(phone, "Mes données")
    name, data = download(phone.get_by_role("link", name="Télécharger (fichier JSON)"))
    export = json.loads(data)
    assert name == "mes-donnees.json" and export["identite"]["prenoms"] == "Sophie"
    assert any(r["ma_reponse"] == "Je viendrai" for r in export["rendez_vous"])
    assert any(c["accuse_le"] for c in export["courriers"])
    assert [o["texte"] for o in export["mes_observations"]] == ["Je viendrai avec ma fille, je n'ai pas de garde."]
    name, data = download(phone.get_by_role("link", name="Télécharger (PDF, à lire)"))
    assert name == "mes-donnees.pdf" and "MARTIN" in squash(pdf_text(data)).upper()

    follow(phone.get_by_role("button", name="Me déconnecter"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ouvrir mon espace")


def test_helene_donne_son_avis_sur_son_plan_et_son_referent_le_lit(login_as, open_page, platform):
    referent = login_as(demo_email("referent", "76"))
    follow(referent.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes bénéficiaires"))
    follow(referent.get_by_role("table", name="Personnes suivies").get_by_role("link", name="Hélène Marie LEFÈVRE"))
    carnet_url = referent.url
    section(referent, "Groupe de suivi")
    follow(referent.get_by_role("button", name="Envoyer le lien par courriel"))
    expect(referent.get_by_role("status").first).to_contain_text("Le lien d'accès à son espace est envoyé")

    message = platform.wait_for_mail(to="helene.lefevre@exemple.fr")
    lien = re.search(r"https?://\S+/mon-espace/lien/\S+/", message.get_content()).group(0)
    phone = open_page(viewport=PHONE)
    visit(phone, lien.replace(platform.base_url, ""))
    follow(phone.get_by_role("button", name=re.compile("code")))
    phone.get_by_role("textbox", name=re.compile("Code reçu")).fill(_code(platform, "helene.lefevre@exemple.fr"))
    follow(phone.get_by_role("button", name="Valider"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bonjour Hélène Marie")

    _espace(phone, "Mon plan et mon contrat")
    expect(phone.get_by_role("main")).to_contain_text("Mes heures d'activité par semaine : 15 heures.")
    objectif = phone.get_by_role("main").locator(".fr-card", has_text="Passer le permis de conduire").last
    tick(objectif.get_by_role("radio", name="Je ne suis pas d'accord"))
    objectif.get_by_role("textbox", name=re.compile("dites pourquoi")).fill("Je préfère d'abord trouver un emploi.")
    follow(objectif.get_by_role("button", name="Envoyer mon avis"))
    expect(phone.get_by_role("status")).to_contain_text("Votre avis est envoyé à votre référent.")
    objectif = phone.get_by_role("main").locator(".fr-card", has_text="Passer le permis de conduire").last
    expect(objectif).to_contain_text("j'ai dit que je ne suis pas d'accord")

    referent.goto(carnet_url)
    check_page(referent)
    section(referent, "Plan d'action")
    expect(referent.get_by_role("main")).to_contain_text("Je préfère d'abord trouver un emploi.")
