"""A small world per département for the generated route tests: one object of each addressable kind."""

from dataclasses import dataclass

from spie.models import Role
from spie.notifications import notify
from tests.spie.factories import (
    DepartementFactory,
    InvitationFactory,
    MembershipFactory,
    StructureFactory,
    TerritoireFactory,
    TotpFactory,
)

ALL_ROLES = [choice.value for choice in Role]


@dataclass
class World:
    departement: object
    structure: object
    territoire: object
    agent: object
    agent_membership: object
    invitation: object
    notification: object
    users_by_role: dict


def build_world(code, nom) -> World:
    departement = DepartementFactory(code=code, nom=nom)
    structure = StructureFactory(departement=departement)
    users_by_role = {}
    for role in ALL_ROLES:
        user = MembershipFactory(structure=structure, role=role).user
        # Every persona has MFA so that MFA enforcement never hides the real answer of a route.
        TotpFactory(user=user)
        users_by_role[role] = user
    agent_membership = MembershipFactory(structure=structure, role=Role.PROFESSIONNEL)
    return World(
        departement=departement,
        structure=structure,
        territoire=TerritoireFactory(departement=departement),
        agent=agent_membership.user,
        agent_membership=agent_membership,
        invitation=InvitationFactory(structure=structure),
        notification=notify(
            user=users_by_role[Role.PROFESSIONNEL], titre="Test", message="Message", cle=f"test-{code}", lien="/"
        ),
        users_by_role=users_by_role,
    )
