"""The monthly report: the month's figures and trends for the département, then one page per territory.

Built from the stored series only (the month is recomputed first by `suivi.services.rapports`), as HTML
rendered by WeasyPrint; the charts are the dashboard's SVG."""

import datetime
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from spie.models import Territoire
from spie.pdf import html_to_pdf
from suivi.indicateurs import lecture
from suivi.indicateurs.calcul import mois_avant, mois_entre, mois_precedent
from suivi.indicateurs.definitions import INDICATEURS
from suivi.indicateurs.graphiques import barres, courbes

MOIS_TENDANCE = 12
# The trends drawn in the report (the others are in the tables): delays, follow-up, volumes.
TENDANCES = ("nouveaux_entrants", "delai_orientation", "delai_premier_rdv", "part_vus_90j", "part_avec_contrat")


@dataclass
class Section:
    titre: str
    lignes: list = field(default_factory=list)
    graphiques: list = field(default_factory=list)


def _lignes(valeurs, mois, precedent):
    lignes = []
    for indicateur in INDICATEURS:
        courant = valeurs.get((indicateur.code, mois))
        avant = valeurs.get((indicateur.code, precedent))
        lignes.append(
            {
                "indicateur": indicateur,
                "chiffre": lecture.chiffre(indicateur, courant),
                "precedent": lecture.chiffre(indicateur, avant).principal,
            }
        )
    return lignes


def sections(departement, mois: datetime.date, *, territoires=None) -> list[Section]:
    """The département's section (tables, trends, territory comparison), then one per territory."""
    periode = mois_entre(mois_avant(mois, MOIS_TENDANCE - 1), mois)
    precedent = mois_precedent(mois)
    etiquettes = [lecture.mois_court(m) for m in periode]
    valeurs = lecture.valeurs(mois=periode)
    section = Section(titre=f"{departement.nom} : l'ensemble du département", lignes=_lignes(valeurs, mois, precedent))
    for code in TENDANCES:
        indicateur = next(i for i in INDICATEURS if i.code == code)
        section.graphiques.append(
            (
                f"{indicateur.titre} ({indicateur.unite}), sur {MOIS_TENDANCE} mois",
                courbes(
                    titre=indicateur.titre,
                    etiquettes=etiquettes,
                    series=[(departement.nom, [lecture.valeur_graphique(valeurs.get((code, m))) for m in periode])],
                    unite=indicateur.unite,
                    hauteur=200,
                ),
            )
        )
    territoires = list(Territoire.objects.order_by("nom")) if territoires is None else territoires
    du_mois = lecture.par_territoire(mois)
    if territoires:
        for code in ("delai_orientation", "part_vus_90j"):
            indicateur = next(i for i in INDICATEURS if i.code == code)
            titre = f"{indicateur.titre} : comparaison des territoires ({indicateur.unite})"
            elements = [(t.nom, lecture.valeur_graphique(du_mois.get((code, t.pk)), indicateur)) for t in territoires]
            section.graphiques.append(
                (titre, barres(titre=titre, elements=elements, unite="%" if indicateur.unite == "%" else ""))
            )
    resultat = [section]
    # Every territory's month and previous month in two queries, whatever the number of territories.
    par_mois = {mois: du_mois, precedent: lecture.par_territoire(precedent)}
    for territoire in territoires:
        valeurs_territoire = {
            (code, m): valeur
            for m, valeurs_du_mois in par_mois.items()
            for (code, territoire_id), valeur in valeurs_du_mois.items()
            if territoire_id == territoire.pk
        }
        resultat.append(
            Section(titre=f"Territoire {territoire.nom}", lignes=_lignes(valeurs_territoire, mois, precedent))
        )
    return resultat


def html(departement, mois, sections_du_rapport) -> str:
    return render_to_string(
        "suivi/pdf/rapport.html",
        {
            "departement": departement,
            "mois": lecture.mois_long(mois),
            "mois_precedent": lecture.mois_long(mois_precedent(mois)),
            "sections": sections_du_rapport,
            "indicateurs": INDICATEURS,
            "genere_le": timezone.localtime(),
        },
    )


def pdf(departement, mois, sections_du_rapport) -> bytes:
    return html_to_pdf(html(departement, mois, sections_du_rapport))
