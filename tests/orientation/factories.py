"""Factories of the orientation app.

Usage::

    dossier = DossierFactory(carnet=carnet, charge_orientation=charge)            # "à convoquer"
    dossier = DossierFactory(carnet=carnet, convoque=True)                         # with a convocation
    diagnostic = DiagnosticFactory(dossier=dossier, termine=True, auteur=charge)
    orientation = OrientationFactory(dossier=dossier, structure=structure)        # proposed
    OrientationFactory(dossier=dossier, validee=True)                              # decided
    DemandeReorientationFactory(carnet=carnet, demandeur=referent, structure=structure)
    SecteurFactory(user=charge, territoire=territoire)

All write through `unscoped_objects`; `departement` follows the carnet. The default programmes exist for
every département (created with it), `dispositif()` returns one of them.
"""

import datetime

import factory
from django.utils import timezone

from orientation.models import (
    Convocation,
    DemandeReorientation,
    Diagnostic,
    Dispositif,
    DossierOrientation,
    Orientation,
    Secteur,
)
from spie.models import Commune, RefDepartement
from tests.carnet.factories import CarnetFactory, RendezVousFactory
from tests.spie.factories import StructureFactory, TerritoireFactory, UnscopedFactory, UserFactory


def earlier_today(delta):
    """A moment `delta` ago, but never before today's local midnight (tests run at any hour)."""
    now = timezone.localtime()
    return max(now - delta, now.replace(hour=0, minute=0, second=0, microsecond=0))


def make_commune(code_insee, nom, departement="76"):
    """A commune of the national referential (empty in tests unless loaded)."""
    RefDepartement.objects.get_or_create(code=departement, defaults={"nom": f"Département {departement}"})
    return Commune.objects.get_or_create(code_insee=code_insee, defaults={"nom": nom, "departement_id": departement})[
        0
    ]


def dispositif(departement, type_orientation="pro"):
    return Dispositif.unscoped_objects.filter(departement=departement, type_orientation=type_orientation).first()


class DispositifFactory(UnscopedFactory):
    class Meta:
        model = Dispositif

    departement = factory.SubFactory("tests.spie.factories.DepartementFactory")
    nom = factory.Sequence(lambda n: f"Dispositif local {n}")
    type_orientation = "autre"


class SecteurFactory(UnscopedFactory):
    class Meta:
        model = Secteur

    territoire = factory.SubFactory(TerritoireFactory)
    departement = factory.SelfAttribute("territoire.departement")
    user = factory.SubFactory(UserFactory)


class DossierFactory(UnscopedFactory):
    class Meta:
        model = DossierOrientation
        skip_postgeneration_save = True

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    date_entree_rsa = factory.LazyAttribute(lambda o: o.carnet.beneficiaire.date_entree_rsa)

    class Params:
        convoque = factory.Trait(statut="convoque")

    @factory.post_generation
    def convocation(obj, create, extracted, **kwargs):
        """With `convoque=True`, a convocation whose interview is today (attendance can be noted)."""
        if create and obj.statut == "convoque" and extracted is not False:
            ConvocationFactory(dossier=obj)


class ConvocationFactory(UnscopedFactory):
    class Meta:
        model = Convocation

    dossier = factory.SubFactory(DossierFactory)
    departement = factory.SelfAttribute("dossier.departement")
    rendez_vous = factory.SubFactory(
        RendezVousFactory,
        carnet=factory.SelfAttribute("..dossier.carnet"),
        est_accompagnement=False,
        date_heure=factory.LazyFunction(lambda: earlier_today(datetime.timedelta(minutes=30))),
    )
    numero = factory.Sequence(lambda n: n + 1)
    created_by = factory.SelfAttribute("rendez_vous.professionnel")


class DiagnosticFactory(UnscopedFactory):
    class Meta:
        model = Diagnostic

    dossier = factory.SubFactory(DossierFactory)
    carnet = factory.SelfAttribute("dossier.carnet")
    departement = factory.SelfAttribute("carnet.departement")
    numero_version = 1
    created_by = factory.SubFactory(UserFactory)

    class Params:
        termine = factory.Trait(
            statut="termine",
            auteur=factory.SelfAttribute("created_by"),
            termine_le=factory.LazyFunction(timezone.now),
        )


class OrientationFactory(UnscopedFactory):
    class Meta:
        model = Orientation

    dossier = factory.SubFactory(DossierFactory, statut="orientation_proposee")
    carnet = factory.SelfAttribute("dossier.carnet")
    departement = factory.SelfAttribute("carnet.departement")
    type_orientation = "pro"
    dispositif = factory.LazyAttribute(lambda o: dispositif(o.departement, o.type_orientation))
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..departement"))
    motif = "Projet professionnel clair"
    proposee_par = factory.SubFactory(UserFactory)

    class Params:
        validee = factory.Trait(
            statut="validee",
            decidee_par=factory.SelfAttribute("proposee_par"),
            decidee_le=factory.LazyFunction(timezone.now),
        )


class DemandeReorientationFactory(UnscopedFactory):
    class Meta:
        model = DemandeReorientation

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    demandeur = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..departement"))
    motif = "Le projet a changé"
