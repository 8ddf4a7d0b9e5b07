"""The steps of the diagnostic interview and how their answers are kept in `Diagnostic.data`.

One step per theme of the common diagnostic (the carnet's own referential: `Theme` and
`Situation.objects.disponibles(departement)`, never a copy), then the professional project, the weight of
each theme as a constraint, availability, what the person wants, and a summary. `data` is::

    {"situations": {"<theme code>": ["<situation uid>", ...]},
     "projet": {"metier": ..., "code_rome": ..., "rayon_mobilite_km": ..., "contrat_souhaite": ...},
     "contraintes": {"<theme code>": 0..3},
     "disponibilite": {"delai": ..., "temps_travail": ..., "precisions": ...},
     "souhaits": {"accompagnement": ..., "en_ses_mots": ...},
     "criteres": {"activite_recente": "oui"|"non", "inactivite": ..., "qualification": ..., "aspiration": ...,
                  "difficultes": {"sante": "fort"|"moyen"|"sans_impact", ...}},
     "rqth": {"rqth": true|false},  # restricted
     "etapes": ["<step slug saved at least once>", ...]}

Sensitive themes (health, family) are left out of the steps, the summary and the carnet view for whoever may
not read them (`orientation.perms.can_read_diagnostic_sensitive`); saving a step only replaces the keys that
step covers, so hidden answers are never erased.
"""

from dataclasses import dataclass, field

from carnet.models import Situation, Theme, TypeContratSouhaite

PROJET, CONTRAINTES, DISPONIBILITE, SOUHAITS, RECAPITULATIF = (
    "projet",
    "contraintes",
    "disponibilite",
    "souhaits",
    "recapitulatif",
)
# The national criteria (arrêté du 21/11/2024, see `orientation.criteres`); the RQTH/OETH status is restricted
# (health): its own step, shown only to whoever reads the sensitive answers.
CRITERES, RQTH = "criteres", "rqth"

POIDS = [
    ("0", "Pas de difficulté"),
    ("1", "Difficulté légère"),
    ("2", "Difficulté importante"),
    ("3", "Frein bloquant"),
]
DELAIS = [
    ("immediate", "Tout de suite"),
    ("moins_1_mois", "Dans moins d'un mois"),
    ("1_3_mois", "Dans un à trois mois"),
    ("plus_3_mois", "Dans plus de trois mois"),
]
TEMPS_TRAVAIL = [("temps_plein", "Temps plein"), ("temps_partiel", "Temps partiel"), ("indifferent", "Indifférent")]
ACCOMPAGNEMENTS = [
    ("emploi", "Trouver un emploi rapidement"),
    ("formation", "Se former ou obtenir une qualification"),
    ("projet", "Construire un projet professionnel"),
    ("freins", "Recevoir d'abord de l'aide pour ses difficultés (logement, budget, démarches…)"),
    ("ne_sait_pas", "Ne sait pas encore"),
]


@dataclass
class Etape:
    slug: str
    titre: str
    theme: Theme | None = None
    situations: list = field(default_factory=list)


def etapes(departement, *, sensibles=True) -> list[Etape]:
    """The interview's steps for this département; `sensibles=False` leaves the sensitive themes out."""
    themes = list(Theme.objects.order_by("ordre", "libelle"))
    if not sensibles:
        themes = [theme for theme in themes if not theme.sensible]
    disponibles = list(
        Situation.objects.disponibles(departement).filter(theme__in=themes).order_by("theme__ordre", "libelle")
    )
    result = []
    for theme in themes:
        situations = [s for s in disponibles if s.theme_id == theme.pk]
        result.append(Etape(slug=theme.code, titre=theme.libelle, theme=theme, situations=situations))
    result += [
        Etape(PROJET, "Projet professionnel"),
        Etape(CONTRAINTES, "Contraintes et leur poids"),
        Etape(DISPONIBILITE, "Disponibilité"),
        Etape(SOUHAITS, "Ce que la personne souhaite"),
        Etape(CRITERES, "Critères nationaux d'orientation"),
    ]
    if sensibles:
        result.append(Etape(RQTH, "Obligation d'emploi (RQTH/OETH) — information restreinte"))
    result.append(Etape(RECAPITULATIF, "Récapitulatif"))
    return result


def themes_of(liste):
    return [etape.theme for etape in liste if etape.theme is not None]


def merge(data, etape, valeurs) -> dict:
    """A copy of `data` with the answers of one step; other steps' answers (visible or not) are kept."""
    merged = {
        key: (dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value)
        for key, value in (data or {}).items()
    }
    if etape.theme is not None:
        merged.setdefault("situations", {})[etape.slug] = list(valeurs.get("situations", []))
    elif etape.slug == CONTRAINTES:
        merged.setdefault("contraintes", {}).update({code: int(poids) for code, poids in valeurs.items()})
    elif etape.slug != RECAPITULATIF:
        merged[etape.slug] = valeurs
    saved = merged.setdefault("etapes", [])
    if etape.slug not in saved:
        saved.append(etape.slug)
    return merged


def initial(data, etape) -> dict:
    """Initial values of a step's form from the saved answers."""
    data = data or {}
    if etape.theme is not None:
        return {"situations": data.get("situations", {}).get(etape.slug, [])}
    if etape.slug == CONTRAINTES:
        return {f"poids_{code}": str(poids) for code, poids in data.get("contraintes", {}).items()}
    return dict(data.get(etape.slug, {}))


def lecture(data, liste) -> dict:
    """The answers in readable form, for the summary step, the diagnostic page and the carnet: only the
    themes of `liste` (the visible steps), with situation labels and choice labels."""
    data = data or {}
    choisies = data.get("situations", {})
    contraintes = data.get("contraintes", {})
    labels_poids = dict(POIDS)
    themes = []
    for etape in liste:
        if etape.theme is None:
            continue
        uids = set(choisies.get(etape.slug, []))
        poids = contraintes.get(etape.slug)
        themes.append(
            {
                "theme": etape.theme,
                "situations": [s.libelle for s in etape.situations if str(s.uid) in uids],
                "poids": poids,
                "poids_libelle": labels_poids.get(str(poids), "") if poids is not None else "",
                "renseigne": etape.slug in data.get("etapes", []),
            }
        )
    projet = dict(data.get(PROJET, {}))
    if projet.get("contrat_souhaite"):
        projet["contrat_souhaite_libelle"] = dict(TypeContratSouhaite.choices).get(projet["contrat_souhaite"], "")
    disponibilite = dict(data.get(DISPONIBILITE, {}))
    disponibilite["delai_libelle"] = dict(DELAIS).get(disponibilite.get("delai"), "")
    disponibilite["temps_travail_libelle"] = dict(TEMPS_TRAVAIL).get(disponibilite.get("temps_travail"), "")
    souhaits = dict(data.get(SOUHAITS, {}))
    souhaits["accompagnement_libelle"] = dict(ACCOMPAGNEMENTS).get(souhaits.get("accompagnement"), "")
    return {
        "themes": themes,
        "freins": [t for t in themes if (t["poids"] or 0) >= 2],
        "projet": projet,
        "disponibilite": disponibilite,
        "souhaits": souhaits,
    }


def situations_choisies(data, liste) -> list:
    """The `Situation` rows checked in the diagnostic, among the steps of `liste`."""
    choisies = (data or {}).get("situations", {})
    result = []
    for etape in liste:
        if etape.theme is None:
            continue
        uids = set(choisies.get(etape.slug, []))
        result += [s for s in etape.situations if str(s.uid) in uids]
    return result
