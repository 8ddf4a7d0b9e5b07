"""The queue's candidates (`CandidatFile`) kept by PostgreSQL triggers, checked against the rule computed from
scratch after each kind of write: creation, group changes, orientation and dossier changes, deletion."""

import re

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from carnet.models import Carnet, MembreGroupe
from orientation.models import (
    STATUTS_OUVERTS,
    CandidatFile,
    DossierOrientation,
    Orientation,
    StatutDossier,
    StatutOrientation,
)
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.orientation.factories import DossierFactory, OrientationFactory

pytestmark = pytest.mark.django_db


def attendus():
    """The candidates by the rule, written with the ORM (not with the trigger's SQL)."""
    ouvert = DossierOrientation.unscoped_objects.filter(carnet=OuterRef("pk"), statut__in=STATUTS_OUVERTS)
    referent = MembreGroupe.unscoped_objects.filter(carnet=OuterRef("pk"), fin=None, est_referent=True)
    decidee = Orientation.unscoped_objects.filter(carnet=OuterRef("pk"), statut=StatutOrientation.VALIDEE)
    france_travail = DossierOrientation.unscoped_objects.filter(
        carnet=OuterRef("pk"), statut=StatutDossier.ORIENTE_FRANCE_TRAVAIL
    )
    regle = Q(Exists(ouvert)) | (~Q(Exists(referent)) & ~Q(Exists(decidee)) & ~Q(Exists(france_travail)))
    return set(Carnet.unscoped_objects.filter(regle).values_list("pk", flat=True))


def tenus():
    return set(CandidatFile.unscoped_objects.values_list("carnet_id", flat=True))


@pytest.fixture
def carnets(dep_a, dep_b):
    nouveau = CarnetFactory(departement=dep_a)
    suivi = MembreGroupeFactory(carnet__departement=dep_a, est_referent=True).carnet
    simple_membre = MembreGroupeFactory(carnet__departement=dep_b).carnet
    parti = MembreGroupeFactory(carnet__departement=dep_a, est_referent=True, fin=timezone.now()).carnet
    proposee = OrientationFactory(carnet__departement=dep_a).carnet
    decidee = OrientationFactory(carnet__departement=dep_a, validee=True, dossier__statut="oriente").carnet
    france_travail = DossierFactory(carnet__departement=dep_a, statut=StatutDossier.ORIENTE_FRANCE_TRAVAIL).carnet
    reorientation = MembreGroupeFactory(carnet__departement=dep_a, est_referent=True).carnet
    DossierFactory(carnet=reorientation, statut=StatutDossier.A_CONVOQUER)
    return {
        "nouveau": nouveau,
        "suivi": suivi,
        "simple_membre": simple_membre,
        "parti": parti,
        "proposee": proposee,
        "decidee": decidee,
        "france_travail": france_travail,
        "reorientation": reorientation,
    }


def test_candidates_follow_the_rule_on_creation(carnets):
    assert tenus() == attendus()
    noms = {carnet.pk: nom for nom, carnet in carnets.items()}
    assert {noms[pk] for pk in tenus()} == {"nouveau", "simple_membre", "parti", "proposee", "reorientation"}
    departements = dict(CandidatFile.unscoped_objects.values_list("carnet_id", "departement_id"))
    assert departements == {pk: Carnet.unscoped_objects.get(pk=pk).departement_id for pk in departements}


def test_candidates_follow_every_later_write(carnets):
    # The référent leaves the group: the person is a candidate again.
    MembreGroupe.unscoped_objects.filter(carnet=carnets["suivi"]).update(fin=timezone.now())
    assert carnets["suivi"].pk in tenus() and tenus() == attendus()
    # A référent joins: out.
    MembreGroupeFactory(carnet=carnets["nouveau"], est_referent=True)
    assert carnets["nouveau"].pk not in tenus() and tenus() == attendus()
    # The proposal is decided: out; its dossier closed too.
    Orientation.unscoped_objects.filter(carnet=carnets["proposee"]).update(statut=StatutOrientation.VALIDEE)
    DossierOrientation.unscoped_objects.filter(carnet=carnets["proposee"]).update(statut=StatutDossier.ORIENTE)
    assert carnets["proposee"].pk not in tenus() and tenus() == attendus()
    # The réorientation dossier is closed: the référent is still there, out.
    DossierOrientation.unscoped_objects.filter(carnet=carnets["reorientation"]).update(statut=StatutDossier.ORIENTE)
    assert carnets["reorientation"].pk not in tenus() and tenus() == attendus()
    # France Travail's dossier goes: the person is a candidate again (rows are not deleted by the product;
    # the triggers must hold for any write all the same).
    DossierOrientation.unscoped_objects.filter(carnet=carnets["france_travail"]).delete()
    assert carnets["france_travail"].pk in tenus() and tenus() == attendus()
    # Several carnets in one statement.
    MembreGroupe.unscoped_objects.filter(est_referent=True).update(fin=timezone.now())
    assert tenus() == attendus()


def test_a_deleted_carnet_leaves_no_candidate(carnets):
    carnet = carnets["simple_membre"]
    Carnet.unscoped_objects.filter(pk=carnet.pk).delete()  # the group rows go first, then the carnet
    assert carnet.pk not in tenus() and tenus() == attendus()


def test_the_trigger_knows_the_statuses_of_the_python_models():
    """A new dossier status must come with a migration replacing `orientation_file_condition`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'orientation_file_condition'")
        (source,) = cursor.fetchone()
    ouverts = set(re.findall(r"'(\w+)'", re.search(r"statut IN \(([^)]*)\)", source).group(1)))
    assert ouverts == set(STATUTS_OUVERTS)
    assert f"'{StatutOrientation.VALIDEE}'" in source
    assert f"'{StatutDossier.ORIENTE_FRANCE_TRAVAIL}'" in source
