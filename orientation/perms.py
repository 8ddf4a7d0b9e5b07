"""Who may do what in the orientation of new entrants. Each docstring states the rule.

Predicates take the acting context and, for object routes, the object already found in the tenant scope
(another département's object is a 404 before any predicate runs).
"""

from carnet.perms import can_read_sensitive_themes, can_view_carnet, relation_of
from spie.models import Role

ROLES_ORIENTATION = (Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION, Role.ADMIN_DEPARTEMENT)


def can_work_queue(acting, obj=None) -> bool:
    """Chargés d'orientation, valideurs and the département's admins work the queue of new entrants:
    they take people, convoke them, run the interview and propose an orientation."""
    return acting.departement is not None and acting.has_role(*ROLES_ORIENTATION)


def can_assign_dossier(acting, obj=None) -> bool:
    """Valideurs and admins hand a person over to a chargé d'orientation (a chargé takes people himself)."""
    return acting.departement is not None and acting.has_role(Role.VALIDATEUR_ORIENTATION, Role.ADMIN_DEPARTEMENT)


def can_validate_orientation(acting, obj=None) -> bool:
    """Only valideurs (and the département's admins) validate a proposed orientation or send it back."""
    return acting.departement is not None and acting.has_role(Role.VALIDATEUR_ORIENTATION, Role.ADMIN_DEPARTEMENT)


def can_read_orientation(acting, obj) -> bool:
    """An orientation (proposal or decision) is read by those who work the queue, by whoever reads the
    person's carnet, and by the professionals of the organisme référent (who must designate a référent)."""
    if can_work_queue(acting) or can_view_carnet(acting, obj.carnet):
        return True
    return _acts_for_structure(acting, obj)


def can_designate_referent(acting, orientation) -> bool:
    """Once an orientation is decided without a named référent, the professionals and managers of the
    organisme référent (acting for it) designate one; the admins may too."""
    if acting.departement is None:
        return False
    return acting.has_role(Role.ADMIN_DEPARTEMENT) or _acts_for_structure(acting, orientation)


def _acts_for_structure(acting, orientation) -> bool:
    return getattr(acting.structure, "pk", None) == orientation.structure_id and acting.has_role(
        Role.PROFESSIONNEL, Role.RESPONSABLE_STRUCTURE
    )


def can_read_diagnostic(acting, diagnostic) -> bool:
    """A diagnostic is read by those who work the queue and by whoever reads the person's carnet."""
    return can_work_queue(acting) or can_view_carnet(acting, diagnostic.carnet)


def can_read_diagnostic_sensitive(acting, diagnostic) -> bool:
    """Health and family answers of a diagnostic: its author and the follow-up group only (never the other
    chargés, valideurs or admins, nor the partners)."""
    if acting.user_id is not None and acting.user_id in (diagnostic.created_by_id, diagnostic.auteur_id):
        return True
    return can_read_sensitive_themes(acting, diagnostic.carnet)


def can_download_person_documents(acting, carnet) -> bool:
    """Convocation and decision letters and "Ma synthèse" are printed by those who work the queue and by
    whoever reads the carnet (the référent hands them to the person)."""
    return can_work_queue(acting) or can_view_carnet(acting, carnet)


def can_ask_reorientation(acting, carnet) -> bool:
    """Only the person's référent asks for a réorientation."""
    return relation_of(acting, carnet).est_referent


def can_decide_reorientation(acting, demande=None) -> bool:
    """Chargés d'orientation, valideurs and admins accept a réorientation request or refuse it (maintien)."""
    return can_work_queue(acting)


def can_administer_orientation(acting, obj=None) -> bool:
    """The département's admins edit its orientation programmes and the chargés' sectors."""
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_read_reorientation(acting, demande) -> bool:
    """A réorientation request is read by those who decide it and by whoever reads the person's carnet
    (the référent who asked sees the answer and its reason)."""
    return can_decide_reorientation(acting, demande) or can_view_carnet(acting, demande.carnet)


def can_read_dossier(acting, dossier) -> bool:
    """The dossier of the queue (convocations, milestones, proposals) is for those who work the queue."""
    return can_work_queue(acting)


def can_download_convocation(acting, convocation) -> bool:
    """See `can_download_person_documents`."""
    return can_download_person_documents(acting, convocation.dossier.carnet)


def can_download_decision(acting, orientation) -> bool:
    """The decision letter: whoever may read the orientation (queue, carnet readers, organisme référent)."""
    return can_read_orientation(acting, orientation)
