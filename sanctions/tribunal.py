"""The complete file for a court (tribunal administratif): one PDF holding the facts, every step with its date,
author and legal text, the notice and its certain date, the observations, the decision and its reasons, the
remobilisation and the arrears, then the evidence in the order it entered the file.

Evidence: a PDF is appended page by page after its cover page; an image (PNG, JPEG) is printed on its cover page;
any other format (DOCX, XLSX, ODT) is listed on its cover page, to be produced separately. A document that the
antivirus has not cleared, or a PDF that cannot be read (damaged, protected by a password), is listed with the
reason and never inserted.

`contexte(dossier)` is the HTML's whole input (tested on its own); `dossier_tribunal_pdf(dossier)` renders and
assembles (`spie.pdf.html_to_pdf_with_inserts`).
"""

import base64
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from carnet.models import Analyse
from sanctions import bareme, documents
from sanctions.etats import ARTICLES_ETATS, fin_du_delai
from sanctions.models import PropositionPartenaire
from spie.models import Role
from spie.pdf import html_to_pdf_with_inserts, pdf_page_count

IMAGES = ("image/png", "image/jpeg")


def can_export_dossier_tribunal(acting, dossier=None) -> bool:
    """The file for a court is produced by a décideur des sanctions or the département's administrator (it holds
    the whole file and its evidence)."""
    return acting.departement is not None and (
        acting.has_role(Role.DECIDEUR_SANCTIONS) or acting.has_role(Role.ADMIN_DEPARTEMENT)
    )


@dataclass
class Annexe:
    numero: int
    ancre: str
    libelle: str
    date: object
    auteur: str
    nom_document: str
    type_mime: str
    # "pdf" (pages appended), "image" (printed), "liste" (other format), "refusee" (not cleared), "illisible"
    traitement: str
    pages: int | None = None
    image: str = ""  # data: URI of an image
    contenu: bytes = b""


def _lire(document) -> bytes | None:
    try:
        with document.fichier.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def _annexe(numero, *, libelle, date, auteur, document) -> Annexe:
    annexe = Annexe(
        numero=numero,
        ancre=f"piece-{numero}",
        libelle=libelle,
        date=date,
        auteur=auteur,
        nom_document=document.nom,
        type_mime=document.type_mime,
        traitement="liste",
    )
    if document.analyse != Analyse.SAINE:
        annexe.traitement = "refusee"
        return annexe
    if document.type_mime == "application/pdf" or document.type_mime in IMAGES:
        contenu = _lire(document)
        if contenu is None:
            annexe.traitement = "illisible"
        elif document.type_mime in IMAGES:
            annexe.traitement = "image"
            annexe.image = f"data:{document.type_mime};base64,{base64.b64encode(contenu).decode()}"
        else:
            annexe.pages = pdf_page_count(contenu)
            annexe.traitement = "pdf" if annexe.pages else "illisible"
            annexe.contenu = contenu if annexe.pages else b""
    return annexe


def _nom(user, defaut="—"):
    return user.get_full_name() or user.email if user else defaut


def annexes(dossier) -> list[Annexe]:
    """The evidence and the scanned letters of the person, in the order they entered the file."""
    entrees = [
        (p.created_at, p.id, p.libelle, _nom(p.ajoutee_par), p.document)
        for p in dossier.pieces.select_related("document", "ajoutee_par")
    ]
    entrees += [
        (
            o.recue_le,
            o.id,
            f"Courrier de la personne reçu le {timezone.localtime(o.recue_le):%d/%m/%Y}",
            _nom(o.enregistree_par),
            o.document,
        )
        for o in dossier.observations.select_related("document", "enregistree_par").filter(document__isnull=False)
    ]
    entrees.sort(key=lambda e: (e[0], e[1]))
    return [
        _annexe(numero, libelle=libelle, date=date, auteur=auteur, document=document)
        for numero, (date, _, libelle, auteur, document) in enumerate(entrees, start=1)
    ]


def proposition_de(dossier):
    """The partner's proposal that opened the file, if a partner proposed it."""
    try:
        return dossier.proposition
    except PropositionPartenaire.DoesNotExist:
        return None


def _etapes(dossier, proposition):
    lignes = []
    for etape in dossier.etapes.select_related("auteur"):
        if etape.auteur is not None:
            auteur = _nom(etape.auteur)
        elif etape.transition == "ouvrir" and proposition is not None:
            auteur = f"{proposition.structure.nom} (proposition par l'API)"
        else:
            auteur = "—"
        lignes.append({"date": etape.created_at, "resume": etape.resume, "article": etape.article, "auteur": auteur})
    return lignes


def contexte(dossier, *, pieces=None) -> dict:
    params = bareme.parametres(dossier.departement_id)
    proposition = proposition_de(dossier)
    return {
        **documents._commun(dossier),
        "reproche": documents._ce_qui_est_reproche(dossier),
        "etapes": _etapes(dossier, proposition),
        "article_etat": ARTICLES_ETATS[dossier.etat],
        "personnes_foyer": (dossier.foyer or {}).get("personnes", 1),
        "fin_delai": fin_du_delai(dossier.date_certaine) if dossier.date_certaine else None,
        "observations": list(dossier.observations.select_related("enregistree_par")),
        "fin_sanction": bareme.ajouter_mois(dossier.decision_effet, dossier.decision_duree)
        if dossier.decision_effet
        else None,
        "rattrapage": bareme.Rattrapage(dossier.rattrapage_mois, dossier.decision_taux, dossier.rattrapage_montant)
        if dossier.rattrapage_mois is not None
        else None,
        "rattrapage_max": params.rattrapage_mois_max,
        "proposition": proposition,
        "annexes": annexes(dossier) if pieces is None else pieces,
    }


def dossier_tribunal_pdf(dossier) -> bytes:
    ctx = contexte(dossier)
    html = render_to_string("sanctions/pdf/tribunal.html", ctx)
    return html_to_pdf_with_inserts(html, {a.ancre: a.contenu for a in ctx["annexes"] if a.traitement == "pdf"})
