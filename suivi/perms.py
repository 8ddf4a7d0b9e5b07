"""Who may configure the reminders and read the evaluations. Each docstring states the rule."""

from spie.models import Role, TypeStructure
from spie.perms import can_administer_departement


def can_manage_reminder_rules(acting, obj=None) -> bool:
    """The département's administrators set its reminder and alert rules."""
    return can_administer_departement(acting)


def can_view_evaluations(acting, obj=None) -> bool:
    """Administrators read the aggregated evaluations of the whole département; a structure's manager reads
    those of the structure they act for. Nobody reads an individual answer."""
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT, Role.RESPONSABLE_STRUCTURE)


def can_view_all_evaluations(acting, obj=None) -> bool:
    """Only administrators compare structures and territories, and read the free comments (never with a score
    or a date that would tie them to a person)."""
    return can_administer_departement(acting)


def can_view_indicateurs(acting, obj=None) -> bool:
    """Administrators read the indicators of the whole département; a structure's manager reads those of the
    structure they act for, beside the département's. Figures are aggregates: no person appears."""
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT, Role.RESPONSABLE_STRUCTURE)


def can_view_all_indicateurs(acting, obj=None) -> bool:
    """Only administrators compare territories and structures."""
    return can_administer_departement(acting)


def can_manage_rapports(acting, obj=None) -> bool:
    """The monthly reports (the département and each territory) are produced and downloaded by administrators."""
    return can_administer_departement(acting)


def can_view_rapports_legaux(acting, obj=None) -> bool:
    """The statutory reports (the employment committees' list, the DREES table, the legal delays) are the
    Département's: its administrators, and the managers of its own services, read and export them. A partner
    structure's manager does not (the committees' list is per person, even pseudonymous)."""
    if acting.departement is None:
        return False
    if acting.has_role(Role.ADMIN_DEPARTEMENT):
        return True
    structure = acting.structure
    return (
        acting.has_role(Role.RESPONSABLE_STRUCTURE)
        and structure is not None
        and structure.type == TypeStructure.DEPARTEMENT
    )
