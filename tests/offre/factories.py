"""Factories of the offer catalogue.

Usage::

    service = ServiceFactory(structure=structure)                      # published, zone "france"
    ServiceFactory(structure=s, zone_eligibilite=["76540"], thematiques=["mobilite--preparer-un-permis"])
    ServiceFactory(structure=s, a_valider=True)                        # awaiting moderation
    SessionFactory(service=service, places_restantes=0)                # a full session
    PrescriptionFactory(carnet=carnet, service=service, prescripteur=user, structure_prescriptrice=s)

All write through `unscoped_objects`; `departement` follows the structure (or the service, the carnet).
A service's `save()` computes its zone keys, keywords and quality score as in production.
"""

import datetime

import factory
from django.utils import timezone

from offre.models import Prescription, Service, SessionService
from tests.carnet.factories import CarnetFactory
from tests.spie.factories import StructureFactory, UnscopedFactory, UserFactory

DESCRIPTION = (
    "Un atelier collectif pour construire un CV clair et une lettre de motivation adaptée à chaque offre. Le groupe "
    "travaille sur ordinateur avec une conseillère ; chacun repart avec un CV imprimé et enregistré en ligne."
)


class ServiceFactory(UnscopedFactory):
    class Meta:
        model = Service

    structure = factory.SubFactory(StructureFactory)
    departement = factory.SelfAttribute("structure.departement")
    source = factory.LazyAttribute(lambda o: o.departement.source_slug)
    di_id = factory.Sequence(lambda n: f"test--service-{n}")
    nom = factory.Sequence(lambda n: f"Atelier numéro {n}")
    description = DESCRIPTION
    date_maj = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    type = "atelier"
    thematiques = factory.LazyFunction(
        lambda: ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"]
    )
    publics = factory.LazyFunction(lambda: ["tous-publics"])
    frais = "gratuit"
    zone_eligibilite = factory.LazyFunction(lambda: ["france"])
    modes_accueil = factory.LazyFunction(lambda: ["en-presentiel"])
    adresse = "1 rue de la République"
    telephone = "02 35 00 00 00"
    courriel = "contact@structure.example"
    modes_mobilisation = factory.LazyFunction(lambda: ["telephoner"])
    mobilisable_par = factory.LazyFunction(lambda: ["professionnels"])
    statut = "publie"

    class Params:
        a_valider = factory.Trait(statut="a_valider")
        suspendu = factory.Trait(statut="suspendu", motif_moderation="Fiche à compléter")


class SessionFactory(UnscopedFactory):
    class Meta:
        model = SessionService

    service = factory.SubFactory(ServiceFactory)
    departement = factory.SelfAttribute("service.departement")
    date_debut = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=15))
    date_fin = factory.LazyAttribute(lambda o: o.date_debut + datetime.timedelta(days=10))
    places_total = 10
    places_restantes = 4


class PrescriptionFactory(UnscopedFactory):
    class Meta:
        model = Prescription

    service = factory.SubFactory(ServiceFactory)
    departement = factory.SelfAttribute("service.departement")
    carnet = factory.SubFactory(CarnetFactory, departement=factory.SelfAttribute("..departement"))
    structure_destinataire = factory.SelfAttribute("service.structure")
    prescripteur = factory.SubFactory(UserFactory)
    structure_prescriptrice = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..departement"))
    personne_prenom = "Léa"
    personne_nom = "Durand"
    personne_telephone = "06 12 34 56 78"
    message = "La personne est disponible le matin."
    consentement = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Saved inside the département's scope, as the platform does: post_save receivers of other apps
        # (partner webhooks) read scoped tables.
        from spie.tenancy import departement_scope

        with departement_scope(kwargs["departement"]):
            return super()._create(model_class, *args, **kwargs)


def referentiel_geo():
    """A few rows of the national geography referential: Rouen and its metropolis, Dieppe, Évreux (27) and
    Charleville-Mézières (08). Returns them by name."""
    from types import SimpleNamespace

    from spie.models import Commune, Epci, RefDepartement

    for code, nom in (("76", "Seine-Maritime"), ("27", "Eure"), ("08", "Ardennes")):
        RefDepartement.objects.get_or_create(code=code, defaults={"nom": nom})
    metropole, _ = Epci.objects.get_or_create(code="200023414", defaults={"nom": "Métropole Rouen Normandie"})
    dieppoise, _ = Epci.objects.get_or_create(code="247600786", defaults={"nom": "CA de la Région Dieppoise"})
    evreux_agglo, _ = Epci.objects.get_or_create(code="200089456", defaults={"nom": "Évreux Portes de Normandie"})
    ardenne, _ = Epci.objects.get_or_create(code="200041630", defaults={"nom": "CA Ardenne Métropole"})

    def commune(code, nom, departement, epci, codes_postaux, population):
        found, _ = Commune.objects.get_or_create(
            code_insee=code,
            defaults={
                "nom": nom,
                "departement_id": departement,
                "epci": epci,
                "codes_postaux": codes_postaux,
                "population": population,
            },
        )
        return found

    return SimpleNamespace(
        metropole=metropole,
        dieppoise=dieppoise,
        rouen=commune("76540", "Rouen", "76", metropole, ["76000", "76100"], 114000),
        sotteville=commune("76681", "Sotteville-lès-Rouen", "76", metropole, ["76300"], 28000),
        dieppe=commune("76217", "Dieppe", "76", dieppoise, ["76200"], 28000),
        evreux=commune("27229", "Évreux", "27", evreux_agglo, ["27000"], 47000),
        charleville=commune("08105", "Charleville-Mézières", "08", ardenne, ["08000"], 45000),
    )
