"""The data·inclusion referentials, imported from the package (never retyped here).

`data-inclusion-schema` is pinned exactly (1.0.10) in pyproject.toml: values and labels below are the
package's. This module only shapes them for forms and templates.
"""

from data_inclusion.schema.v1 import (
    Categorie,
    Frais,
    ModeAccueil,
    ModeMobilisation,
    PersonneMobilisatrice,
    Public,
    ReseauPorteur,
    Thematique,
    TypeService,
)

__all__ = [
    "Categorie",
    "Frais",
    "ModeAccueil",
    "ModeMobilisation",
    "PersonneMobilisatrice",
    "Public",
    "ReseauPorteur",
    "Thematique",
    "TypeService",
    "categorie_of",
    "choices",
    "label",
    "labels",
    "thematique_choices",
    "thematiques_of",
]

SEPARATEUR = "--"


def choices(enum):
    """(value, label) pairs of a package enum, in the package's order."""
    return [(member.value, member.label) for member in enum]


_LABELS = {
    enum: {member.value: member.label for member in enum}
    for enum in (
        Categorie,
        Frais,
        ModeAccueil,
        ModeMobilisation,
        PersonneMobilisatrice,
        Public,
        ReseauPorteur,
        Thematique,
        TypeService,
    )
}


def label(enum, value):
    """The package's label of `value`, or the value itself when the package does not know it."""
    return _LABELS[enum].get(value, value) if value else ""


def labels(enum, values):
    return [label(enum, value) for value in values or []]


def categorie_of(thematique):
    """ "mobilite--preparer-un-permis" → "mobilite"."""
    return thematique.split(SEPARATEUR, 1)[0]


_PAR_CATEGORIE = {categorie.value: [] for categorie in Categorie}
for _thematique in Thematique:
    _PAR_CATEGORIE.setdefault(categorie_of(_thematique.value), []).append(_thematique.value)


def thematiques_of(value):
    """Every thematique a search value selects: a category selects all its sub-themes, a thematique itself."""
    if value in _PAR_CATEGORIE:
        return list(_PAR_CATEGORIE[value])
    if value in _LABELS[Thematique]:
        return [value]
    return []


def thematique_choices():
    """Grouped choices: one group per category (for <optgroup> and grouped checkboxes)."""
    return [
        (categorie.label, [(value, label(Thematique, value)) for value in _PAR_CATEGORIE[categorie.value]])
        for categorie in Categorie
    ]


def thematique_label_complet(value):
    """ "Mobilité — Préparer un permis" (a sub-theme's label alone is often ambiguous)."""
    return f"{label(Categorie, categorie_of(value))} — {label(Thematique, value)}"
