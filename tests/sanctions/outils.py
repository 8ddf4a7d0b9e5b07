"""Helpers of the sanction tests: a person subject to rights and duties, their référent, a member of the group, a
décideur des sanctions, a missed appointment; the file opened through the services, then driven step by step."""

import datetime

import pytest
from django.utils import timezone

from sanctions import services
from spie.tenancy import departement_scope
from tests.carnet.factories import (
    BeneficiaireFactory,
    CarnetFactory,
    ContratFactory,
    MembreGroupeFactory,
    RendezVousFactory,
)
from tests.spie.factories import MembershipFactory, TotpFactory


@pytest.fixture
def monde(dep_a, structure_a):
    referent = MembershipFactory(structure=structure_a, role="professionnel").user
    membre = MembershipFactory(structure=structure_a, role="professionnel").user
    decideur = MembershipFactory(structure=structure_a, role="decideur_sanctions").user
    for user in (referent, membre, decideur):
        TotpFactory(user=user)
    beneficiaire = BeneficiaireFactory(departement=dep_a, numero_allocataire="7654321", role_foyer="dem")
    carnet = CarnetFactory(departement=dep_a, beneficiaire=beneficiaire)
    MembreGroupeFactory(carnet=carnet, user=referent, structure=structure_a, est_referent=True)
    MembreGroupeFactory(carnet=carnet, user=membre, structure=structure_a)
    contrat = ContratFactory(
        carnet=carnet,
        structure=structure_a,
        created_by=referent,
        type="contrat_engagement",
        statut="signe",
        date_debut=datetime.date(2026, 9, 1),
        date_signature=datetime.date(2026, 9, 1),
    )
    rdv = RendezVousFactory(
        carnet=carnet,
        professionnel=referent,
        structure=structure_a,
        statut="absent",
        date_heure=timezone.make_aware(datetime.datetime(2026, 10, 14, 10, 0)),
    )

    class Monde:
        pass

    m = Monde()
    m.departement, m.structure, m.carnet, m.beneficiaire = dep_a, structure_a, carnet, beneficiaire
    m.referent, m.membre, m.decideur, m.contrat, m.rdv = referent, membre, decideur, contrat, rdv
    with departement_scope(dep_a):
        yield m


def donnees_ouverture(monde, **extra):
    return {
        "motif": "obligation",
        "obligation": "rendez_vous",
        "contrat": monde.contrat,
        "semaines": [],
        "rendez_vous": [monde.rdv],
        "faits": "Absente au rendez-vous du 14 octobre, sans nouvelles depuis.",
        "faits_du": datetime.date(2026, 10, 14),
        "faits_au": datetime.date(2026, 10, 31),
        **extra,
    }


def ouvrir(monde, **extra):
    return services.dossier_ouvrir(
        carnet=monde.carnet, data=donnees_ouverture(monde, **extra), auteur=monde.referent, structure=monde.structure
    )


def franchir(monde, dossier, code, *, par="referent", **data):
    user = getattr(monde, par)
    return services.dossier_franchir(
        dossier=dossier,
        code=code,
        data=data,
        auteur=user,
        structure=monde.structure,
        est_decideur=par == "decideur",
        peut_instruire=par == "referent",
    )


def notifier(monde, dossier, **extra):
    data = {
        "nature": "suspension",
        "taux": 30,
        "duree": 2,
        "canal": "recommande",
        "envoyee_le": datetime.date(2026, 11, 2),
        "reference": "1A 234 567 8901 2",
        "date_certaine": datetime.date(2026, 11, 4),
        **extra,
    }
    return franchir(monde, dossier, "notifier", **data)


def dossier_notifie(monde, **extra):
    dossier = ouvrir(monde, **extra)
    dossier = franchir(monde, dossier, "sans_motif_legitime", raison="Aucun justificatif, pas de réponse aux appels.")
    return notifier(monde, dossier)


def decision(**extra):
    return {
        "nature": "suspension",
        "taux": 30,
        "duree": 2,
        "effet": datetime.date(2026, 12, 1),
        "montant_mensuel": None,
        "motifs": "Absence sans motif, aucune réponse dans le délai.",
        "avis_ep_le": None,
        "avis_ep": "",
        **extra,
    }
