"""Who reads and acts on a sanction file. Restricted data: the person's référent, the département's décideurs des
sanctions and its administrator; never the rest of the group, nor partners."""

from carnet.perms import relation_of
from spie.models import Role


def est_decideur(acting) -> bool:
    return acting.departement is not None and acting.has_role(Role.DECIDEUR_SANCTIONS)


def can_open_dossier(acting, carnet) -> bool:
    """Only the person's référent opens a file on a failure, from the carnet."""
    return relation_of(acting, carnet).est_referent


def can_list_dossiers(acting) -> bool:
    """The département's list of files: its décideurs des sanctions and its administrator."""
    return est_decideur(acting) or (acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT))


def can_list_dossiers_carnet(acting, carnet) -> bool:
    """The files of one person: their référent, the décideurs and the département's administrator."""
    return can_list_dossiers(acting) or relation_of(acting, carnet).est_referent


def can_read_dossier(acting, dossier) -> bool:
    """A file is read by the person's current référent, the décideurs and the département's administrator."""
    return can_list_dossiers_carnet(acting, dossier.carnet)


def can_instruct_dossier(acting, dossier) -> bool:
    """The référent and the décideurs instruct the file (legitimate reason, notice, observations, evidence); the
    administrator only reads it. Which step each may cross: `sanctions.etats` (`decideur_seul`)."""
    return est_decideur(acting) or relation_of(acting, dossier.carnet).est_referent


def can_configure_bareme(acting) -> bool:
    """The scale of the département is set by its administrator."""
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT)
