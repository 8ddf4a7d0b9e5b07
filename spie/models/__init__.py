from spie.models.accounts import ROLES_MFA_OBLIGATOIRE, Invitation, Membership, Role, User
from spie.models.audit import AccessLog, Action, Canal, MotifAcces
from spie.models.geo import Commune, Epci, RefDepartement
from spie.models.notifications import Notification
from spie.models.organisation import Departement, Structure, Territoire, TypeStructure, validate_siret
from spie.models.outbox import OutboxTask

__all__ = [
    "ROLES_MFA_OBLIGATOIRE",
    "AccessLog",
    "Action",
    "Canal",
    "Commune",
    "Departement",
    "Epci",
    "Invitation",
    "Membership",
    "MotifAcces",
    "Notification",
    "OutboxTask",
    "RefDepartement",
    "Role",
    "Structure",
    "Territoire",
    "TypeStructure",
    "User",
    "validate_siret",
]
