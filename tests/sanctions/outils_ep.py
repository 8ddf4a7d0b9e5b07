"""Helpers of the EP tests: on the sanction tests' `monde`, a territory, an EP (quorum 2) with two members who are
users (one of France Travail) and an external one, an administrator, a sanction file where a suppression is possible
(a repetition, notified), a session two days ahead; and a step helper."""

import datetime

import pytest
from django.utils import timezone

from sanctions import equipes
from tests.sanctions.factories import DossierManquementFactory
from tests.sanctions.factories_ep import EquipeFactory, MembreEquipeFactory
from tests.sanctions.outils import dossier_notifie
from tests.spie.factories import MembershipFactory, StructureFactory, TerritoireFactory, TotpFactory


@pytest.fixture
def ep(monde):
    territoire = TerritoireFactory(departement=monde.departement, nom="Rouen-Elbeuf")
    equipe = EquipeFactory(territoire=territoire, quorum=2, nom="EP Rouen-Elbeuf")
    france_travail = StructureFactory(departement=monde.departement, type="france_travail", nom="France Travail Rouen")
    membre_ft = MembershipFactory(structure=france_travail, role="professionnel").user
    membre_dep = MembershipFactory(structure=monde.structure, role="professionnel").user
    admin = MembershipFactory(structure=monde.structure, role="admin_departement").user
    for user in (membre_ft, membre_dep, admin):
        TotpFactory(user=user)
    membres = [
        MembreEquipeFactory(equipe=equipe, user=membre_dep, qualite="departement"),
        MembreEquipeFactory(equipe=equipe, user=membre_ft, structure="France Travail Rouen", qualite="france_travail"),
        MembreEquipeFactory(equipe=equipe, externe=True),
    ]
    # A first sanction already served: the new failure is a repetition, where a suppression is possible.
    DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent, decide=True, etat="termine")
    dossier = dossier_notifie(monde)
    seance = equipes.seance_creer(
        equipe=equipe, date_heure=dans(days=2), lieu="Hôtel du Département, salle 2", auteur=monde.decideur
    )
    monde.territoire, monde.equipe, monde.membres, monde.seance = territoire, equipe, membres, seance
    monde.membre_ft, monde.membre_dep, monde.admin, monde.dossier = membre_ft, membre_dep, admin, dossier
    return monde


def dans(**delta):
    """An instant from now, on the minute."""
    return (timezone.now() + datetime.timedelta(**delta)).replace(second=0, microsecond=0)


def pas(monde, seance, code, *, par="decideur", **data):
    """Cross a step of a session as the décideur (default), the admin, or the référent (who organises nothing)."""
    user = getattr(monde, par)
    seance, _ = equipes.seance_franchir(
        seance=seance,
        code=code,
        data=data,
        auteur=user,
        structure=monde.structure,
        est_decideur=par == "decideur",
        organise=par in ("decideur", "admin"),
    )
    return seance


def inscrire(monde, seance=None, **extra):
    data = {
        "theme": "suppression",
        "dossier": monde.dossier,
        "carnet": None,
        "question": "Le président envisage une suppression de 100 % pendant 2 mois : quel est l'avis de l'équipe ?",
        **extra,
    }
    return pas(monde, seance or monde.seance, "inscrire", **data)


def seance_ouverte(monde, _clock):
    """The session with the suppression file on its agenda, convened, then opened (two members present)."""
    seance = inscrire(monde)
    seance = pas(monde, seance, "convoquer")
    _clock.move_to(seance.date_heure)
    return pas(monde, seance, "ouvrir", presents=monde.membres[:2])
