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
    carnet: object
    membre: object
    demande: object
    situation: object
    projet: object
    axe: object
    objectif: object
    action: object
    rdv: object
    contrat: object
    document: object
    situation_locale: object
    objectif_local: object
    jeton: object
    jeton_valeur: str
    webhook: object
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
    carnet = build_carnet(departement, structure, users_by_role)
    jeton, jeton_valeur = build_token(departement, structure, users_by_role[Role.ADMIN_DEPARTEMENT])
    return World(
        **carnet,
        jeton=jeton,
        jeton_valeur=jeton_valeur,
        webhook=build_webhook(jeton),
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


def build_carnet(departement, structure, users_by_role):
    """A carnet whose référent is the département's professional, with one object of each kind."""
    import datetime

    from carnet.models import DemandeAdhesion, ObjectifReference, ProjetProfessionnel, Situation, SituationConstatee
    from tests.carnet.factories import (
        ActionFactory,
        AxeFactory,
        CarnetFactory,
        ContratFactory,
        DocumentFactory,
        MembreGroupeFactory,
        ObjectifFactory,
        RendezVousFactory,
        theme,
    )

    referent = users_by_role[Role.PROFESSIONNEL]
    carnet = CarnetFactory(departement=departement)
    membre = MembreGroupeFactory(carnet=carnet, user=referent, structure=structure, est_referent=True)
    common = {"departement": departement, "carnet": carnet}
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet, created_by=referent))
    return {
        "carnet": carnet,
        "membre": membre,
        "demande": DemandeAdhesion.unscoped_objects.create(
            **common, user=users_by_role[Role.RESPONSABLE_STRUCTURE], structure=structure, motif="Suivi"
        ),
        "situation": SituationConstatee.unscoped_objects.create(
            **common,
            situation=Situation.objects.filter(departement=None).first(),
            constatee_le=datetime.date(2026, 1, 5),
            auteur=referent,
            structure=structure,
        ),
        "projet": ProjetProfessionnel.unscoped_objects.create(**common, metier="Cariste", auteur=referent),
        "axe": objectif.axe,
        "objectif": objectif,
        "action": ActionFactory(objectif=objectif),
        "rdv": RendezVousFactory(carnet=carnet, professionnel=referent, structure=structure),
        "contrat": ContratFactory(carnet=carnet, structure=structure, created_by=referent),
        "document": DocumentFactory(carnet=carnet, auteur=referent, structure=structure),
        "situation_locale": Situation.objects.create(
            theme=theme("logement"), libelle=f"Situation locale {departement.code}", departement=departement
        ),
        "objectif_local": ObjectifReference.objects.create(
            theme=theme("emploi"), libelle=f"Objectif local {departement.code}", departement=departement
        ),
    }


def build_token(departement, structure, admin):
    """A partner token of the département with every scope (the route tests need every route open)."""
    from partenaires.models import JetonApi, Scope

    value, prefix, digest = JetonApi.generate()
    jeton = JetonApi.unscoped_objects.create(
        departement=departement,
        structure=structure,
        nom="Jeton de test",
        prefixe=prefix,
        hash=digest,
        scopes=[scope.value for scope in Scope],
        created_by=admin,
    )
    return jeton, value


def build_webhook(jeton):
    from partenaires.models import AbonnementWebhook
    from spie.crypto import encrypt

    return AbonnementWebhook.unscoped_objects.create(
        departement=jeton.departement,
        structure=jeton.structure,
        jeton=jeton,
        url="https://partenaire.example/webhooks",
        evenements=["carnet.modifie"],
        secret_chiffre=encrypt("secret-de-test"),
    )
