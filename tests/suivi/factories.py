"""Factories of the follow-up.

Usage::

    questionnaire = QuestionnaireFactory(carnet=carnet, token="jeton-connu")   # link /evaluation/jeton-connu/
    ReponseFactory.create_batch(5, departement=dep, structure=structure, q1=4)
    regles(dep, digest_jour_semaine=3)                 # the département's rules with these values

All write through `unscoped_objects`.
"""

import datetime

import factory
from django.utils import timezone

from suivi.models import Questionnaire, ReglesRappel, ReponseQuestionnaire, hash_jeton
from tests.carnet.factories import CarnetFactory
from tests.spie.factories import DepartementFactory, UnscopedFactory


class ReglesFactory(UnscopedFactory):
    class Meta:
        model = ReglesRappel
        django_get_or_create = ("departement",)

    departement = factory.SubFactory(DepartementFactory)


class QuestionnaireFactory(UnscopedFactory):
    class Meta:
        model = Questionnaire
        exclude = ("token",)

    token = factory.Sequence(lambda n: f"jeton-questionnaire-{n:06d}-abcdefghijkl")
    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    motif = "fin_contrat"
    cle = factory.Sequence(lambda n: f"test:{n}")
    token_hash = factory.LazyAttribute(lambda o: hash_jeton(o.token))
    envoye_le = factory.LazyFunction(timezone.now)
    expire_le = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class ReponseFactory(UnscopedFactory):
    class Meta:
        model = ReponseQuestionnaire

    departement = factory.SubFactory(DepartementFactory)
    motif = "fin_contrat"
    mois = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    q1 = q2 = q3 = q4 = q5 = 4


def regles(departement, **values):
    """The département's single rules row (created with the defaults if needed), with `values` applied."""
    row = ReglesFactory(departement=departement)
    if values:
        ReglesRappel.unscoped_objects.filter(pk=row.pk).update(**values)
        row.refresh_from_db()
    return row
