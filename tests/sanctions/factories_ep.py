"""Équipes pluridisciplinaires written directly (the sessions' own tests go through `sanctions.equipes`).

Usage: `EquipeFactory(territoire=territoire)` (quorum 2); `MembreEquipeFactory(equipe=equipe, user=user)` or
`MembreEquipeFactory(equipe=equipe, externe=True)`; `SeanceFactory(equipe=equipe, created_by=user)`
(two days from now).
"""

import datetime

import factory
from django.utils import timezone

from sanctions.models import EquipePluridisciplinaire, MembreEquipe, SeanceEquipe
from tests.spie.factories import UnscopedFactory


class EquipeFactory(UnscopedFactory):
    class Meta:
        model = EquipePluridisciplinaire

    departement = factory.SelfAttribute("territoire.departement")
    nom = factory.Sequence(lambda n: f"Équipe pluridisciplinaire {n}")
    quorum = 2
    lieu = "Maison du Département, salle 3"


class MembreEquipeFactory(UnscopedFactory):
    class Meta:
        model = MembreEquipe

    departement = factory.SelfAttribute("equipe.departement")
    structure = "Service insertion du Département"
    qualite = "departement"

    class Params:
        externe = factory.Trait(user=None, nom="Mme Bénévole", structure="Collectif RSA", qualite="beneficiaires")


class SeanceFactory(UnscopedFactory):
    class Meta:
        model = SeanceEquipe

    departement = factory.SelfAttribute("equipe.departement")
    date_heure = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    lieu = "Maison du Département, salle 3"
