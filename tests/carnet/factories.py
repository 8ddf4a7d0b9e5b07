"""Factories of the carnet.

Usage::

    carnet = CarnetFactory(departement=dep)                 # with its Beneficiaire
    MembreGroupeFactory(carnet=carnet, user=u, structure=s, est_referent=True)
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet))
    NoteFactory(carnet=carnet, auteur=u, structure=s, sensibilite="justice")

All write through `unscoped_objects`; the `departement` of children follows their carnet.
"""

import datetime

import factory
from django.utils import timezone

from carnet.models import (
    Action,
    ActiviteEngagement,
    AxeDeTravail,
    Beneficiaire,
    Carnet,
    Contrat,
    Document,
    InformationPersonne,
    MembreGroupe,
    Note,
    Objectif,
    RendezVous,
    Theme,
)
from tests.spie.factories import DepartementFactory, StructureFactory, UnscopedFactory, UserFactory


class BeneficiaireFactory(UnscopedFactory):
    class Meta:
        model = Beneficiaire
        skip_postgeneration_save = True

    departement = factory.SubFactory(DepartementFactory)
    civilite = "mme"
    nom_usage = factory.Sequence(lambda n: f"Durand{n}")
    prenoms = "Léa Marie"
    date_naissance = datetime.date(1988, 4, 12)
    numero_allocataire = factory.Sequence(lambda n: f"{1000000 + n}")
    etat_droit_rsa = "2"
    soumis_droits_devoirs = True
    date_entree_rsa = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))

    @factory.post_generation
    def nir(obj, create, extracted, **kwargs):
        """`BeneficiaireFactory(nir="295109912611193")` stores it encrypted with its hash."""
        value = extracted
        if value:
            obj.set_nir(value)
            if create:
                Beneficiaire.unscoped_objects.filter(pk=obj.pk).update(
                    nir_chiffre=obj.nir_chiffre, nir_hash=obj.nir_hash
                )


class CarnetFactory(UnscopedFactory):
    class Meta:
        model = Carnet
        skip_postgeneration_save = True

    departement = factory.SubFactory(DepartementFactory)
    beneficiaire = factory.SubFactory(BeneficiaireFactory, departement=factory.SelfAttribute("..departement"))

    @factory.post_generation
    def informee(carnet, create, extracted, **kwargs):
        """The person was informed of the sharing (the condition of sharing beyond the référent's structure);
        `CarnetFactory(informee=False)` for a carnet whose person was not informed yet."""
        if create and extracted is not False:
            InformationPersonne.unscoped_objects.create(
                departement=carnet.departement,
                carnet=carnet,
                informee_le=timezone.localdate(),
                canal="entretien",
                version_notice="2026-01",
            )


class MembreGroupeFactory(UnscopedFactory):
    class Meta:
        model = MembreGroupe

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..carnet.departement"))
    est_referent = False


def theme(code="emploi"):
    return Theme.objects.get(code=code)


class AxeFactory(UnscopedFactory):
    class Meta:
        model = AxeDeTravail

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    theme = factory.LazyFunction(theme)
    created_by = factory.SubFactory(UserFactory)


class ObjectifFactory(UnscopedFactory):
    class Meta:
        model = Objectif

    axe = factory.SubFactory(AxeFactory)
    departement = factory.SelfAttribute("axe.departement")
    libelle = "Trouver un emploi"
    created_by = factory.SelfAttribute("axe.created_by")


class ActionFactory(UnscopedFactory):
    class Meta:
        model = Action

    objectif = factory.SubFactory(ObjectifFactory)
    departement = factory.SelfAttribute("objectif.departement")
    libelle = "Atelier CV"
    created_by = factory.SelfAttribute("objectif.created_by")


class RendezVousFactory(UnscopedFactory):
    class Meta:
        model = RendezVous

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    date_heure = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    professionnel = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..carnet.departement"))
    created_by = factory.SelfAttribute("professionnel")


class ContratFactory(UnscopedFactory):
    class Meta:
        model = Contrat

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    type = "cer"
    date_debut = factory.LazyFunction(timezone.localdate)
    date_fin = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=180))
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..carnet.departement"))
    created_by = factory.SubFactory(UserFactory)


class NoteFactory(UnscopedFactory):
    class Meta:
        model = Note

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    texte = "Point d'étape : la personne avance sur son projet."
    auteur = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..carnet.departement"))


class DocumentFactory(UnscopedFactory):
    class Meta:
        model = Document

    carnet = factory.SubFactory(CarnetFactory)
    departement = factory.SelfAttribute("carnet.departement")
    fichier = factory.django.FileField(filename="attestation.pdf", data=b"%PDF-1.4\n%test\n")
    nom = "Attestation"
    type_mime = "application/pdf"
    taille = 15
    analyse = "saine"
    auteur = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory, departement=factory.SelfAttribute("..carnet.departement"))


class ActiviteEngagementFactory(UnscopedFactory):
    """An activity of a contrat d'engagement, done, 3 hours, on the contract's first day:
    `ActiviteEngagementFactory(contrat=ce, date=..., duree_minutes=..., etat="prevue")`."""

    class Meta:
        model = ActiviteEngagement

    contrat = factory.SubFactory(ContratFactory, type="contrat_engagement", statut="signe")
    carnet = factory.SelfAttribute("contrat.carnet")
    departement = factory.SelfAttribute("contrat.departement")
    type = "atelier"
    date = factory.SelfAttribute("contrat.date_debut")
    duree_minutes = 180
    etat = "realisee"
    structure = factory.SelfAttribute("contrat.structure")
