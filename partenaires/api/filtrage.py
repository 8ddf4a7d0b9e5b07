"""What a partner may receive about a person: need to know by structure type and scopes.

Never: the NIR, restricted or private notes and documents, situations or axes on sensitive themes
(health, family, justice). The table below is the whole rule; the carnet summary serializer and the
webhook payloads both read it.
"""

from spie.models import TypeStructure

# Themes whose (non-sensitive) situations and plan a structure type may read.
THEMES_PRO = {"emploi", "formation", "mobilite", "numerique", "maitrise_langue"}
THEMES_SOCIAUX = THEMES_PRO | {"logement", "difficultes_administratives", "difficultes_financieres"}

THEMES_PAR_TYPE = {
    TypeStructure.FRANCE_TRAVAIL: THEMES_PRO,
    TypeStructure.MISSION_LOCALE: THEMES_PRO,
    TypeStructure.CAP_EMPLOI: THEMES_PRO,
    TypeStructure.PLIE: THEMES_PRO,
    TypeStructure.ORGANISME_FORMATION: {"emploi", "formation"},
    TypeStructure.SIAE: THEMES_PRO,
    TypeStructure.ENTREPRISE: set(),
    # The paying bodies need rights and the group, not the path's content.
    TypeStructure.CAF: set(),
    TypeStructure.MSA: set(),
    TypeStructure.DEPARTEMENT: THEMES_SOCIAUX,
    TypeStructure.CCAS: THEMES_SOCIAUX,
    TypeStructure.ASSOCIATION: THEMES_SOCIAUX,
    TypeStructure.AUTRE: set(),
}


def themes_visibles(structure):
    """Theme codes this structure may read; sensitive themes are never in any set."""
    return THEMES_PAR_TYPE.get(structure.type, set())
