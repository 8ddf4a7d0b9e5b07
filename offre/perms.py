"""Who may do what with the offer catalogue and prescriptions. Each docstring states the rule.

Predicates take the acting context (`request.acting`) and, for object routes, the object already found
in the département's scope (another département's object is a 404 before any predicate runs).
"""

from offre.models import StatutService
from spie.models import Role

# Roles that maintain their structure's catalogue (the orientation roles only read it).
ROLES_CATALOGUE = (Role.PROFESSIONNEL, Role.RESPONSABLE_STRUCTURE, Role.ADMIN_DEPARTEMENT)


def _structure_pk(acting):
    return getattr(acting.structure, "pk", None)


def can_search_offer(acting, obj=None) -> bool:
    """Every professional of the département searches the catalogue."""
    return acting.departement is not None


def can_view_service(acting, service) -> bool:
    """A published service is visible to every professional of the département; an unpublished one only to
    its own structure's members and to the département's admins."""
    if service.statut == StatutService.PUBLIE:
        return can_search_offer(acting)
    return service.structure_id == _structure_pk(acting) or acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_manage_catalogue(acting, obj=None) -> bool:
    """Professionals and managers of a structure maintain their structure's services; the admin too."""
    return acting.structure is not None and acting.has_role(*ROLES_CATALOGUE)


def can_edit_service(acting, service) -> bool:
    """A service is edited by its own structure's professionals and managers, and by the département's admins."""
    if acting.has_role(Role.ADMIN_DEPARTEMENT):
        return True
    return can_manage_catalogue(acting) and service.structure_id == _structure_pk(acting)


def can_edit_structure_fiche(acting, structure) -> bool:
    """A structure's public card (its data·inclusion fields) is kept by its managers and the département's admins."""
    if acting.has_role(Role.ADMIN_DEPARTEMENT):
        return True
    return structure.pk == _structure_pk(acting) and acting.has_role(Role.RESPONSABLE_STRUCTURE)


def can_moderate_catalogue(acting, obj=None) -> bool:
    """The département's admins moderate the catalogue, import and export it and follow its quality."""
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_receive_prescriptions(acting, obj=None) -> bool:
    """Every member of a structure reads the prescriptions sent to the structure they act for."""
    return acting.structure is not None


def can_answer_prescription(acting, prescription) -> bool:
    """The receiving structure's members answer a prescription (the inbox queryset already limits to it)."""
    return prescription.structure_destinataire_id == _structure_pk(acting)
