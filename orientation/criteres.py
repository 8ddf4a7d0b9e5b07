"""The national orientation criteria (arrêté du 21/11/2024, Comité national pour l'emploi of 7/11/2024) and
the explainable proposal they lead to.

The criteria are recorded by the diagnostic interview (steps `criteres` and, restricted, `rqth`: see
`orientation.diagnostic`). The proposal is computed by ordered rules kept as data (`REGLES_PAR_DEFAUT`: each
rule names its conditions, the path and the organisme référent type it leads to, and why); the first rule
whose conditions all hold fires. It is a proposal: the chargé decides, and a decision on another path
records its reason (`Orientation.motif_ecart`). When information is missing because of the person, the
Département orients to its own services (R.262-65-3 CASF): that is the default.
"""

import datetime
from dataclasses import dataclass

from django.db import models


class Parcours(models.TextChoices):
    EMPLOI = "emploi", "Parcours emploi"
    SOCIO_PROFESSIONNEL = "socio_professionnel", "Parcours socio-professionnel"
    SOCIAL = "social", "Parcours social"


class TypeOrganisme(models.TextChoices):
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    DEPARTEMENT = "departement", "Département ou son délégataire"


# The existing orientation types map to the three paths; "autre" (local programmes) maps to none, and the
# history before 2025 stays readable under its own type.
PARCOURS_DU_TYPE = {"pro": Parcours.EMPLOI, "socio_pro": Parcours.SOCIO_PROFESSIONNEL, "social": Parcours.SOCIAL}
TYPE_DU_PARCOURS = {parcours: type_ for type_, parcours in PARCOURS_DU_TYPE.items()}

IMPACTS = [("sans_impact", "Sans impact"), ("moyen", "Moyen"), ("fort", "Fort")]
DIFFICULTES = [
    ("sante", "Santé"),
    ("logement", "Logement"),
    ("mobilite", "Mobilité"),
    ("garde_enfant", "Garde d'enfant"),
    ("aidant", "Aide à un proche"),
    ("autre", "Autre difficulté"),
]
DUREES_INACTIVITE = [
    ("moins_1_an", "Moins d'un an"),
    ("1_2_ans", "Entre un et deux ans"),
    ("plus_2_ans", "Plus de deux ans"),
]
NIVEAUX_QUALIFICATION = [
    ("infra_3", "Sans diplôme ou niveau inférieur au CAP"),
    ("3", "CAP, BEP (niveau 3)"),
    ("4", "Baccalauréat (niveau 4)"),
    ("5_plus", "Bac + 2 et au-delà (niveau 5 et plus)"),
]
ASPIRATIONS = [
    ("retour_rapide", "Retourner rapidement à l'emploi"),
    ("projet_a_construire", "Construire un projet avant l'emploi"),
]

# Ordered rules. Conditions: "age_max"/"age_min" (years), "rqth" (bool), "activite_recente" (bool),
# "inactivite" (values), "aspiration" (values), "difficulte_forte" (bool: at least one "fort"),
# "difficultes_fortes_min" (count), "qualification" (values).
REGLES_PAR_DEFAUT = [
    {
        "code": "jeune",
        "libelle": "Moins de 26 ans",
        "si": {"age_max": 25, "difficultes_fortes_min": 0},
        "parcours": Parcours.EMPLOI,
        "organisme": TypeOrganisme.MISSION_LOCALE,
        "pourquoi": "la personne a moins de 26 ans : la mission locale est l'organisme référent des jeunes",
    },
    {
        "code": "handicap",
        "libelle": "Bénéficiaire de l'obligation d'emploi (RQTH/OETH)",
        "si": {"rqth": True, "aspiration": ["retour_rapide"]},
        "parcours": Parcours.EMPLOI,
        "organisme": TypeOrganisme.CAP_EMPLOI,
        "pourquoi": "un critère restreint désigne Cap emploi et la personne vise l'emploi",
    },
    {
        "code": "freins_multiples",
        "libelle": "Plusieurs difficultés à fort impact",
        "si": {"difficultes_fortes_min": 2},
        "parcours": Parcours.SOCIAL,
        "organisme": TypeOrganisme.DEPARTEMENT,
        "pourquoi": "au moins deux difficultés périphériques ont un fort impact : lever d'abord ces freins",
    },
    {
        "code": "proche_emploi",
        "libelle": "Activité récente et retour rapide souhaité",
        "si": {"activite_recente": True, "aspiration": ["retour_rapide"], "difficulte_forte": False},
        "parcours": Parcours.EMPLOI,
        "organisme": TypeOrganisme.FRANCE_TRAVAIL,
        "pourquoi": "la personne a travaillé dans les deux dernières années, veut retrouver vite un emploi et "
        "n'a pas de difficulté à fort impact",
    },
    {
        "code": "difficulte_forte",
        "libelle": "Une difficulté à fort impact",
        "si": {"difficulte_forte": True},
        "parcours": Parcours.SOCIO_PROFESSIONNEL,
        "organisme": TypeOrganisme.DEPARTEMENT,
        "pourquoi": "une difficulté périphérique a un fort impact : un accompagnement social et professionnel "
        "à la fois",
    },
    {
        "code": "projet",
        "libelle": "Projet à construire",
        "si": {"aspiration": ["projet_a_construire"]},
        "parcours": Parcours.SOCIO_PROFESSIONNEL,
        "organisme": TypeOrganisme.DEPARTEMENT,
        "pourquoi": "la personne souhaite construire un projet avant de chercher un emploi",
    },
    {
        "code": "emploi",
        "libelle": "Les autres situations",
        "si": {},
        "parcours": Parcours.EMPLOI,
        "organisme": TypeOrganisme.FRANCE_TRAVAIL,
        "pourquoi": "aucune difficulté à fort impact ni projet à construire : le parcours emploi",
    },
]

CRITERES_REQUIS = ("activite_recente", "inactivite", "qualification", "aspiration")


@dataclass(frozen=True)
class Proposition:
    parcours: str
    organisme: str
    regle: str
    libelle: str
    explication: str
    # The département's rule set that fired (`JeuRegles`), None for the rules in code.
    version: int | None = None
    jeu_id: int | None = None

    @property
    def parcours_libelle(self):
        return Parcours(self.parcours).label

    @property
    def organisme_libelle(self):
        return TypeOrganisme(self.organisme).label

    @property
    def type_orientation(self):
        return TYPE_DU_PARCOURS[self.parcours]


DEFAUT = {
    "code": "information_manquante",
    "libelle": "Information manquante du fait de la personne",
    "parcours": Parcours.SOCIAL,
    "organisme": TypeOrganisme.DEPARTEMENT,
    "pourquoi": "des critères manquent du fait de la personne : le Département l'oriente vers ses services "
    "(article R.262-65-3 du CASF)",
}


def age(date_naissance: datetime.date, jour: datetime.date) -> int:
    return jour.year - date_naissance.year - ((jour.month, jour.day) < (date_naissance.month, date_naissance.day))


def faits(data: dict, *, date_naissance, jour) -> dict:
    """The facts the rules read, from the diagnostic's data."""
    criteres = (data or {}).get("criteres", {})
    difficultes = criteres.get("difficultes", {}) or {}
    fortes = [code for code, impact in difficultes.items() if impact == "fort"]
    return {
        "age": age(date_naissance, jour),
        "rqth": bool((data or {}).get("rqth", {}).get("rqth")),
        "activite_recente": criteres.get("activite_recente"),
        "inactivite": criteres.get("inactivite"),
        "qualification": criteres.get("qualification"),
        "aspiration": criteres.get("aspiration"),
        "difficultes_fortes": fortes,
    }


def _tient(condition, valeur, f) -> bool:
    if condition == "age_max":
        return f["age"] <= valeur
    if condition == "age_min":
        return f["age"] >= valeur
    if condition == "rqth":
        return f["rqth"] == valeur
    if condition == "activite_recente":
        return (f["activite_recente"] == "oui") == valeur
    if condition in ("inactivite", "aspiration", "qualification"):
        return f[condition] in valeur
    if condition == "difficulte_forte":
        return bool(f["difficultes_fortes"]) == valeur
    if condition == "difficultes_fortes_min":
        # 0 means "none at all" for the young people's rule; otherwise at least that many.
        return len(f["difficultes_fortes"]) == 0 if valeur == 0 else len(f["difficultes_fortes"]) >= valeur
    raise ValueError(f"condition inconnue : {condition}")


def proposer(data: dict, *, date_naissance, jour, regles=None) -> Proposition:
    """The proposal of the first rule that holds, with why; the default (R.262-65-3) when criteria are
    missing."""
    f = faits(data, date_naissance=date_naissance, jour=jour)
    manquants = [c for c in CRITERES_REQUIS if not f.get(c)]
    if manquants:
        return Proposition(
            DEFAUT["parcours"], DEFAUT["organisme"], DEFAUT["code"], DEFAUT["libelle"], DEFAUT["pourquoi"]
        )
    for regle in regles or REGLES_PAR_DEFAUT:
        if all(_tient(condition, valeur, f) for condition, valeur in regle["si"].items()):
            return Proposition(
                regle["parcours"], regle["organisme"], regle["code"], regle["libelle"], regle["pourquoi"]
            )
    return Proposition(DEFAUT["parcours"], DEFAUT["organisme"], DEFAUT["code"], DEFAUT["libelle"], DEFAUT["pourquoi"])


# --- Validation of a rule set edited by the département ------------------------------------------------

# The conditions a rule may set, on the recorded criteria only: label, kind, accepted values (lists).
CONDITIONS = {
    "age_min": ("âge minimum (ans)", "entier", None),
    "age_max": ("âge maximum (ans)", "entier", None),
    "rqth": ("bénéficiaire de l'obligation d'emploi (RQTH/OETH)", "oui_non", None),
    "activite_recente": ("activité dans les deux dernières années", "oui_non", None),
    "inactivite": ("durée sans activité", "liste", DUREES_INACTIVITE),
    "qualification": ("niveau de qualification", "liste", NIVEAUX_QUALIFICATION),
    "aspiration": ("ce que la personne vise", "liste", ASPIRATIONS),
    "difficulte_forte": ("au moins une difficulté à fort impact", "oui_non", None),
    "difficultes_fortes_min": ("nombre de difficultés à fort impact (0 : aucune)", "entier", None),
}
BORNES = {"age_min": (16, 99), "age_max": (16, 99), "difficultes_fortes_min": (0, len(DIFFICULTES))}
CHAMPS_REGLE = ("code", "libelle", "si", "parcours", "organisme", "pourquoi")


class ReglesInvalides(ValueError):
    """A rule set refused, with one message per problem (in French, for the admin)."""

    def __init__(self, erreurs):
        super().__init__("; ".join(erreurs))
        self.erreurs = list(erreurs)


def _erreurs_condition(nom, valeur) -> list[str]:
    if nom not in CONDITIONS:
        connus = ", ".join(CONDITIONS)
        return [f"critère inconnu « {nom} » (critères possibles : {connus})"]
    libelle, sorte, choix = CONDITIONS[nom]
    if sorte == "entier":
        bas, haut = BORNES[nom]
        if isinstance(valeur, bool) or not isinstance(valeur, int) or not bas <= valeur <= haut:
            return [f"« {nom} » ({libelle}) attend un nombre entier entre {bas} et {haut}, pas « {valeur} »"]
    elif sorte == "oui_non":
        if not isinstance(valeur, bool):
            return [f"« {nom} » ({libelle}) attend oui ou non, pas « {valeur} »"]
    else:
        codes = [code for code, _ in choix]
        if not isinstance(valeur, list) or not valeur:
            return [f"« {nom} » ({libelle}) attend au moins une valeur parmi : {', '.join(codes)}"]
        inconnues = [str(v) for v in valeur if v not in codes]
        if inconnues:
            return [
                f"valeur inconnue « {', '.join(inconnues)} » pour « {nom} » ({libelle}) : valeurs possibles "
                f"{', '.join(codes)}"
            ]
    return []


def valider_regles(regles) -> list:
    """The rule set, checked: known criteria and values only, a path and an organisme type of the lists, a
    plain "why", unique codes, the last rule a catch-all (no condition) and no catch-all before it (the
    rules after it would never fire). Raises `ReglesInvalides` with every problem found."""
    erreurs = []
    if not regles:
        raise ReglesInvalides(
            ["il faut au moins une règle : la dernière, sans condition, oriente tous les autres cas"]
        )
    codes = set()
    for position, regle in enumerate(regles, start=1):
        nom = f"Règle {position}" + (f" « {regle.get('libelle')} »" if regle.get("libelle") else "")
        manquants = [champ for champ in CHAMPS_REGLE if champ not in regle]
        inconnus = [champ for champ in regle if champ not in CHAMPS_REGLE]
        if manquants or inconnus:
            erreurs.append(f"{nom} : champs attendus {', '.join(CHAMPS_REGLE)}")
            continue
        code = regle["code"]
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            erreurs.append(f"{nom} : donnez un code court (40 caractères au plus)")
        elif code in codes or code == DEFAUT["code"]:
            erreurs.append(f"{nom} : le code « {code} » est déjà pris, chaque règle a le sien")
        codes.add(code)
        if not str(regle["libelle"] or "").strip():
            erreurs.append(f"{nom} : donnez un libellé")
        if regle["parcours"] not in Parcours.values:
            erreurs.append(f"{nom} : parcours inconnu « {regle['parcours']} »")
        if regle["organisme"] not in TypeOrganisme.values:
            erreurs.append(f"{nom} : type d'organisme inconnu « {regle['organisme']} »")
        if not str(regle["pourquoi"] or "").strip():
            erreurs.append(f"{nom} : expliquez en mots simples pourquoi cette règle oriente ainsi")
        if not isinstance(regle["si"], dict):
            erreurs.append(f"{nom} : conditions illisibles")
            continue
        for condition, valeur in regle["si"].items():
            erreurs.extend(f"{nom} : {erreur}" for erreur in _erreurs_condition(condition, valeur))
        si = regle["si"]
        if isinstance(si.get("age_min"), int) and isinstance(si.get("age_max"), int) and si["age_min"] > si["age_max"]:
            erreurs.append(f"{nom} : l'âge minimum dépasse l'âge maximum, la règle ne s'appliquerait jamais")
        if not si and position < len(regles):
            erreurs.append(
                f"{nom} : une règle sans condition s'applique à tous ; seule la dernière peut l'être (les règles "
                "suivantes ne s'appliqueraient jamais)"
            )
    if isinstance(regles[-1], dict) and regles[-1].get("si"):
        erreurs.append(
            "La dernière règle doit être sans condition : elle oriente toutes les situations que les autres règles "
            "ne couvrent pas"
        )
    if erreurs:
        raise ReglesInvalides(erreurs)
    return regles


def lire_conditions(texte: str) -> dict:
    """The conditions typed on the admin page, one per line: `critère : valeur[, valeur]` (oui/non, a number or
    codes). Raises `ReglesInvalides` on a line it cannot read or an unknown criterion or value."""
    si, erreurs = {}, []
    for numero, ligne in enumerate((texte or "").splitlines(), start=1):
        ligne = ligne.strip()
        if not ligne:
            continue
        nom, separateur, valeur = ligne.partition(":")
        nom, valeur = nom.strip(), valeur.strip()
        if not separateur or not nom or not valeur:
            erreurs.append(f"ligne {numero} illisible « {ligne} » : écrivez « critère : valeur »")
            continue
        if nom in si:
            erreurs.append(f"le critère « {nom} » figure deux fois")
            continue
        sorte = CONDITIONS[nom][1] if nom in CONDITIONS else None
        if sorte == "entier":
            si[nom] = int(valeur) if valeur.isdigit() else valeur
        elif sorte == "oui_non":
            si[nom] = {"oui": True, "non": False}.get(valeur.lower(), valeur)
        else:
            si[nom] = [v.strip() for v in valeur.split(",") if v.strip()]
        erreurs.extend(_erreurs_condition(nom, si[nom]))
    if erreurs:
        raise ReglesInvalides(erreurs)
    return si


def ecrire_conditions(si: dict) -> str:
    """The inverse of `lire_conditions`."""
    lignes = []
    for nom, valeur in si.items():
        if isinstance(valeur, bool):
            valeur = "oui" if valeur else "non"
        elif isinstance(valeur, list):
            valeur = ", ".join(valeur)
        lignes.append(f"{nom} : {valeur}")
    return "\n".join(lignes)


def regles_pour_stockage(regles) -> list:
    """The rules as JSON (plain strings for the choices)."""
    return [{**regle, "parcours": str(regle["parcours"]), "organisme": str(regle["organisme"])} for regle in regles]
