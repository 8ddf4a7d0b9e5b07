"""Who manages and reads the équipes pluridisciplinaires and their sessions. The files of a session are restricted
data: its organisers (the décideurs des sanctions and the département's administrator) and, only while the session
is open (from its opening to its raising), the members of its team who are users of the platform."""

from sanctions.etats import EtatSeance
from sanctions.models import MembreEquipe
from sanctions.perms import est_decideur
from spie.models import Role


def _admin(acting) -> bool:
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_configure_equipes(acting) -> bool:
    """The teams (territory, members, quorum) are set by the département's administrator."""
    return _admin(acting)


def can_organise_seances(acting) -> bool:
    """Sessions are prepared and kept (agenda, convocations, attendance, opinions, minutes) by the décideurs des
    sanctions and the département's administrator."""
    return _admin(acting) or est_decideur(acting)


def est_membre(acting) -> bool:
    return (
        acting.departement is not None
        and MembreEquipe.objects.filter(user_id=acting.user_id, actif=True, equipe__active=True).exists()
    )


def est_membre_en_seance(acting, seance) -> bool:
    """A member of the session's team, while the session is open."""
    return (
        seance.etat == EtatSeance.OUVERTE
        and MembreEquipe.objects.filter(equipe_id=seance.equipe_id, user_id=acting.user_id, actif=True).exists()
    )


def can_list_seances(acting) -> bool:
    """The list of sessions: the organisers, and the members (who find there the session being held)."""
    return can_organise_seances(acting) or est_membre(acting)


def can_read_seance(acting, seance) -> bool:
    """A session and its files: the organisers; a member of its team only while it is open."""
    return can_organise_seances(acting) or est_membre_en_seance(acting, seance)


def can_read_passage(acting, passage) -> bool:
    """The one-page summary of a file: as its session."""
    return can_read_seance(acting, passage.seance)


def can_read_proces_verbal(acting, seance) -> bool:
    """The minutes of a closed session: its organisers."""
    return can_organise_seances(acting) and seance.etat == EtatSeance.CLOSE
