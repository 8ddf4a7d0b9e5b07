"""The one sensitivity rule: who reads an item of each class, whatever the channel.

Every channel calls this module: the carnet's pages (situations, notes, documents, plan, timeline, contract and
closing-review PDFs), the person's space and their export, the subject-access report, the partner API and the
webhooks. A channel first says who reads (`Lecteur`: built by `lecteur_professionnel`, `lecteur_partenaire` or
`LECTEUR_PERSONNE`), then asks `peut_lire` for one item, or `filtre` / `classes_lisibles` for a query.

| Classe                  | Lecteurs                                                                            |
|-------------------------|-------------------------------------------------------------------------------------|
| générale                | le groupe de suivi ; l'accès exceptionnel motivé ; les structures partenaires du    |
|                         | groupe (API, webhooks : thèmes de leur type) ; la personne (ce qui lui est partagé) |
| santé                   | le référent ; les membres d'une structure médico-sociale (Département, CCAS, Cap    |
|                         | emploi)                                                                             |
| famille                 | le référent ; les membres d'un service social (Département, CCAS)                  |
| justice et procédures   | le référent                                                                         |
| protection de l'enfance | les membres d'un service du Département (aide sociale à l'enfance)                  |
| privée                  | personne d'autre que l'auteur                                                       |

The author of an item always reads it while they read the carnet. No class but the general one ever leaves
through the partner API or the webhooks, and the person's space shows the general class (the référent
communicates the rest in person); the subject-access report names every item and masks the content of the others.
"""

from dataclasses import dataclass

from django.db.models import Q

from carnet.models.documents import Sensibilite
from spie.models import TypeStructure

CLASSES = tuple(Sensibilite)

# Structure types whose members of the group read the health class (medical and social work, disability).
STRUCTURES_SANTE = frozenset({TypeStructure.DEPARTEMENT, TypeStructure.CCAS, TypeStructure.CAP_EMPLOI})
# Structure types whose members of the group read the family class (social work).
STRUCTURES_FAMILLE = frozenset({TypeStructure.DEPARTEMENT, TypeStructure.CCAS})
# Child protection is the Département's own competence (aide sociale à l'enfance).
STRUCTURES_PROTECTION_ENFANCE = frozenset({TypeStructure.DEPARTEMENT})

# The general themes a partner structure reads through the API and the webhooks, by type (need to know).
THEMES_PRO = frozenset({"emploi", "formation", "mobilite", "numerique", "maitrise_langue"})
THEMES_SOCIAUX = THEMES_PRO | {"logement", "difficultes_administratives", "difficultes_financieres"}
THEMES_PARTENAIRE = {
    TypeStructure.FRANCE_TRAVAIL: THEMES_PRO,
    TypeStructure.MISSION_LOCALE: THEMES_PRO,
    TypeStructure.CAP_EMPLOI: THEMES_PRO,
    TypeStructure.PLIE: THEMES_PRO,
    TypeStructure.ORGANISME_FORMATION: frozenset({"emploi", "formation"}),
    TypeStructure.SIAE: THEMES_PRO,
    TypeStructure.ENTREPRISE: frozenset(),
    # The paying bodies need rights and the group, not the path's content.
    TypeStructure.CAF: frozenset(),
    TypeStructure.MSA: frozenset(),
    TypeStructure.DEPARTEMENT: THEMES_SOCIAUX,
    TypeStructure.CCAS: THEMES_SOCIAUX,
    TypeStructure.ASSOCIATION: THEMES_SOCIAUX,
    TypeStructure.AUTRE: frozenset(),
}


@dataclass(frozen=True)
class Lecteur:
    """Who reads, as far as sensitivity goes."""

    # "professionnel" (a user on the web), "partenaire" (a structure's API token or webhook), "personne".
    canal: str
    user_id: int | None = None
    type_structure: str = ""
    # Reads the carnet at all (group, admin or orientation staff of the département).
    lit_le_carnet: bool = False
    # Reads the general content: a member of the group, an exceptional access, a partner following the carnet.
    lit_le_contenu: bool = False
    est_membre: bool = False
    est_referent: bool = False


LECTEUR_PERSONNE = Lecteur(canal="personne", lit_le_carnet=True, lit_le_contenu=True)
AUCUN = Lecteur(canal="aucun")


def lecteur_professionnel(acting, carnet, *, notes_et_documents=False) -> Lecteur:
    """A user on the web. The general class of the carnet's file (situations, plan, timeline) is read by whoever
    reads the carnet; with `notes_et_documents`, that of the group's notes and documents needs membership or an
    exceptional access (`Relation.lit_le_contenu`)."""
    from carnet.perms import relation_of

    relation = relation_of(acting, carnet)
    return Lecteur(
        canal="professionnel",
        user_id=acting.user_id,
        type_structure=getattr(acting.structure, "type", "") if relation.est_membre else "",
        lit_le_carnet=relation.lit_le_carnet,
        lit_le_contenu=relation.lit_le_contenu if notes_et_documents else relation.lit_le_carnet,
        est_membre=relation.est_membre,
        est_referent=relation.est_referent,
    )


def lecteur_partenaire(structure, carnet) -> Lecteur:
    from carnet.perms import can_partner_read_carnet

    lit = can_partner_read_carnet(structure, carnet)
    return Lecteur(canal="partenaire", type_structure=structure.type, lit_le_carnet=lit, lit_le_contenu=lit)


def _lit_la_classe(lecteur: Lecteur, classe) -> bool:
    """The table of the module's docstring, for a reader who is not the item's author."""
    if not lecteur.lit_le_carnet:
        return False
    if classe == Sensibilite.GENERALE:
        return lecteur.lit_le_contenu
    if lecteur.canal != "professionnel" or not lecteur.est_membre:
        return False  # partners, the person's space, exceptional accesses: the general class only
    if classe == Sensibilite.SANTE:
        return lecteur.est_referent or lecteur.type_structure in STRUCTURES_SANTE
    if classe == Sensibilite.FAMILLE:
        return lecteur.est_referent or lecteur.type_structure in STRUCTURES_FAMILLE
    if classe == Sensibilite.JUSTICE:
        return lecteur.est_referent
    if classe == Sensibilite.PROTECTION_ENFANCE:
        return lecteur.type_structure in STRUCTURES_PROTECTION_ENFANCE
    return False  # private


def peut_lire(lecteur: Lecteur, classe, *, auteur_id=None, theme=None) -> bool:
    """May `lecteur` read an item of `classe` written by `auteur_id` (on `theme`, a theme code, if any)?"""
    if lecteur.canal == "professionnel" and auteur_id is not None and auteur_id == lecteur.user_id:
        return lecteur.lit_le_carnet
    if not _lit_la_classe(lecteur, classe):
        return False
    if theme is not None and lecteur.canal == "partenaire":
        return theme in THEMES_PARTENAIRE.get(lecteur.type_structure, frozenset())
    return True


def classe_partagee_avec_les_partenaires(classe) -> bool:
    """Whether any partner structure may ever read this class (a cheap test before looking for subscribers)."""
    return any(
        _lit_la_classe(
            Lecteur(canal="partenaire", type_structure=type_, lit_le_carnet=True, lit_le_contenu=True), classe
        )
        for type_ in THEMES_PARTENAIRE
    )


def classes_lisibles(lecteur: Lecteur) -> list[str]:
    """The classes `lecteur` reads whoever wrote the item (their own items aside)."""
    return [classe.value for classe in CLASSES if _lit_la_classe(lecteur, classe)]


def filtre(lecteur: Lecteur, *, prefixe="", avec_auteur=True) -> Q:
    """The rows (with `sensibilite` and, if `avec_auteur`, `auteur`) `lecteur` reads, as one WHERE clause.
    A reader who reads nothing gets a clause that matches nothing."""
    condition = Q(**{f"{prefixe}sensibilite__in": classes_lisibles(lecteur)})
    if avec_auteur and lecteur.canal == "professionnel" and lecteur.lit_le_carnet and lecteur.user_id is not None:
        condition |= Q(**{f"{prefixe}auteur_id": lecteur.user_id})
    return condition


def themes_lisibles(lecteur: Lecteur, themes) -> list:
    """The themes (objects with `code` and `sensibilite`) whose situations and plan `lecteur` reads."""
    return [theme for theme in themes if peut_lire(lecteur, theme.sensibilite, theme=theme.code)]


def lit_toutes_les_classes_des_themes(lecteur: Lecteur) -> bool:
    """Reads every class a theme may have (for the views that show or hide the sensitive themes as a whole:
    the orientation diagnostic, a contract's reason for reduced hours)."""
    classes = set(classes_lisibles(lecteur))
    return {Sensibilite.GENERALE, Sensibilite.SANTE, Sensibilite.FAMILLE} <= classes
