"""The stored series read back for the dashboard, the CSV exports, the monthly report and the API.

Only the current version of each definition is read. One query fetches a whole perimeter over a period;
another the territories of one month for the comparison."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from spie.models import Structure, Territoire
from suivi.indicateurs.definitions import INDICATEURS, Indicateur, Nature
from suivi.indicateurs.graphiques import nombre_fr
from suivi.models import Perimetre, ValeurIndicateur

MOIS_FR = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
MOIS_LONG = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre",
)  # fmt: skip


def mois_court(mois: datetime.date) -> str:
    return f"{MOIS_FR[mois.month - 1]} {mois:%y}"


def mois_long(mois: datetime.date) -> str:
    return f"{MOIS_LONG[mois.month - 1]} {mois.year}"


def versions_courantes(indicateurs=None):
    """The condition selecting the current version of each indicator (of `indicateurs`, default all)."""
    condition = Q()
    for indicateur in indicateurs or INDICATEURS:
        condition |= Q(code=indicateur.code, version=indicateur.version)
    return condition


def valeurs(*, mois: list, perimetre=Perimetre.DEPARTEMENT, territoire=None, structure=None) -> dict:
    """{(code, mois): ValeurIndicateur} for one perimeter (inside the département's scope)."""
    queryset = ValeurIndicateur.objects.filter(versions_courantes(), mois__in=mois, perimetre=perimetre)
    if perimetre == Perimetre.TERRITOIRE:
        queryset = queryset.filter(territoire=territoire)
    elif perimetre == Perimetre.STRUCTURE:
        queryset = queryset.filter(structure=structure)
    return {(v.code, v.mois): v for v in queryset}


def par_territoire(mois: datetime.date) -> dict:
    """{(code, territoire_id): ValeurIndicateur} for one month, every territory."""
    queryset = ValeurIndicateur.objects.filter(versions_courantes(), mois=mois, perimetre=Perimetre.TERRITOIRE)
    return {(v.code, v.territoire_id): v for v in queryset}


def par_structure(mois: datetime.date) -> dict:
    queryset = ValeurIndicateur.objects.filter(versions_courantes(), mois=mois, perimetre=Perimetre.STRUCTURE)
    return {(v.code, v.structure_id): v for v in queryset}


# --- Presentation -----------------------------------------------------------------------------


def _unite(indicateur, valeur):
    if indicateur.unite == "%":
        return f"{nombre_fr(valeur)} %"
    if indicateur.unite == "jours":
        return f"{nombre_fr(valeur)} j"
    return nombre_fr(valeur)


@dataclass
class Chiffre:
    """What a page shows of one stored value: the headline and the details, already in French."""

    principal: str
    details: list = field(default_factory=list)
    repartition: list = field(default_factory=list)


def chiffre(indicateur: Indicateur, valeur: ValeurIndicateur | None) -> Chiffre:
    if valeur is None:
        return Chiffre(principal="non calculé")
    m = valeur.mesures
    if indicateur.nature is Nature.DELAI:
        fenetre = valeur.parametres.get("fenetre", 30)
        if not m.get("mesures"):
            return Chiffre(principal="aucune mesure", details=[f"{nombre_fr(m.get('effectif', 0))} dans la cohorte"])
        details = [
            f"moyenne {nombre_fr(m['moyenne'])} j",
            f"{nombre_fr(m['part'])} % en {fenetre} jours ou moins ({nombre_fr(m['dans_fenetre'])} sur "
            f"{nombre_fr(m['evaluables'])})"
            if m.get("part") is not None
            else f"part en {fenetre} jours : pas encore mesurable",
            f"{nombre_fr(m['mesures'])} mesurés sur {nombre_fr(m['effectif'])} dans la cohorte",
        ]
        if m.get("exclus"):
            details.append(f"{nombre_fr(m['exclus'])} exclus (dates incohérentes)")
        return Chiffre(principal=f"médiane {nombre_fr(m['mediane'])} j", details=details)
    if indicateur.nature is Nature.PART:
        if not m.get("effectif"):
            return Chiffre(principal="aucune donnée")
        details = [f"{nombre_fr(m['numerateur'])} sur {nombre_fr(m['effectif'])}"]
        repartition = [
            (
                indicateur.categories.get(code, code),
                f"{nombre_fr(r['part'])} % ({r['numerateur']} sur {r['effectif']})",
            )
            for code, r in sorted(m.get("repartition", {}).items())
        ]
        return Chiffre(principal=f"{nombre_fr(m['part'])} %", details=details, repartition=repartition)
    details = []
    if indicateur.nature is Nature.REPARTITION:
        if "part_positive" in m and m.get("effectif"):
            details.append(f"dont {nombre_fr(m.get('positive', 0))} vers l'emploi ou la formation "
                           f"({nombre_fr(m['part_positive'])} %)")  # fmt: skip
            details.append(f"{nombre_fr(m.get('suivi_emploi', 0))} suivis dans l'emploi")
        if m.get("reorientation"):
            details.append(f"dont {nombre_fr(m['reorientation'])} réorientations")
    repartition = [
        (libelle, nombre_fr(m.get("repartition", {}).get(code, 0))) for code, libelle in indicateur.categories.items()
    ]
    effectif = m.get("effectif", 0)
    return Chiffre(principal=f"{nombre_fr(effectif)} {_unite_comptee(indicateur, effectif)}", details=details,
                   repartition=repartition if m.get("effectif") else [])  # fmt: skip


def valeur_graphique(valeur: ValeurIndicateur | None, indicateur: Indicateur | None = None):
    """The plotted figure; a count with no stored row is a zero (nothing happened there), other figures a gap."""
    if valeur is None:
        compte = indicateur is not None and indicateur.nature in (Nature.VOLUME, Nature.REPARTITION)
        return 0.0 if compte else None
    return valeur.valeur


def _unite_comptee(indicateur, nombre):
    """French: singular up to 1 ("0 sortie", "1 sortie", "2 sorties")."""
    return indicateur.unite if (nombre or 0) > 1 else indicateur.unite.removesuffix("s")


def noms_territoires():
    return dict(Territoire.objects.values_list("pk", "nom"))


def noms_perimetres():
    return noms_territoires(), dict(Structure.objects.values_list("pk", "nom"))


# --- CSV --------------------------------------------------------------------------------------

COLONNES_CSV = [
    "indicateur", "version", "titre", "mois", "perimetre", "territoire", "structure", "valeur", "effectif",
    "numerateur", "moyenne_jours", "mediane_jours", "part_pct", "fenetre_jours", "exclus", "repartition",
    "date_releve", "calcule_le",
]  # fmt: skip


def ligne_csv(indicateur: Indicateur, valeur: ValeurIndicateur, territoires: dict, structures: dict) -> list:
    m = valeur.mesures
    repartition = m.get("repartition", {})
    if indicateur.nature is Nature.PART:
        repartition_texte = " ; ".join(
            f"{indicateur.categories.get(c, c)} = {r['numerateur']}/{r['effectif']}"
            for c, r in sorted(repartition.items())
        )
    else:
        repartition_texte = " ; ".join(
            f"{indicateur.categories.get(c, c)} = {n}" for c, n in sorted(repartition.items())
        )
    numerateur = m.get("numerateur", m.get("dans_fenetre", m.get("positive")))
    return [
        indicateur.code,
        indicateur.version,
        indicateur.titre,
        valeur.mois.strftime("%Y-%m"),
        valeur.get_perimetre_display(),
        territoires.get(valeur.territoire_id, ""),
        structures.get(valeur.structure_id, ""),
        "" if valeur.valeur is None else str(valeur.valeur).replace(".", ","),
        m.get("effectif", ""),
        "" if numerateur is None else numerateur,
        _fr(m.get("moyenne")),
        _fr(m.get("mediane")),
        _fr(m.get("part", m.get("part_positive"))),
        valeur.parametres.get("fenetre", ""),
        m.get("exclus", ""),
        repartition_texte,
        valeur.parametres.get("date_releve", ""),
        valeur.calcule_le.strftime("%Y-%m-%d %H:%M"),
    ]


def _fr(nombre):
    return "" if nombre is None else str(nombre).replace(".", ",")
