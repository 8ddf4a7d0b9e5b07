"""The orientation facts of the carnet's summary, read in one query (`orientation.lecture`)."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from orientation.lecture import orientation_du_carnet
from orientation.models import StatutDemandeReorientation, StatutDossier
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.orientation.factories import DemandeReorientationFactory, DossierFactory, OrientationFactory
from tests.spie.factories import StructureFactory

pytestmark = pytest.mark.usefixtures("scope_a")


def test_a_carnet_without_orientation_reads_empty(nouvel_entrant, django_assert_num_queries):
    with django_assert_num_queries(1):
        info = orientation_du_carnet(nouvel_entrant)
    assert (info.orientation, info.dossier, info.demande) == (None, None, None)


def test_the_latest_validated_decision_the_open_dossier_and_the_pending_request(
    nouvel_entrant, dep_a, charge, django_assert_num_queries
):
    ancienne_structure = StructureFactory(departement=dep_a, nom="Mission locale de Dieppe")
    nouvelle_structure = StructureFactory(departement=dep_a, nom="Association Tremplin")
    ancienne = OrientationFactory(
        dossier=DossierFactory(carnet=nouvel_entrant, statut=StatutDossier.ORIENTE),
        structure=ancienne_structure,
        validee=True,
        decidee_le=timezone.now() - datetime.timedelta(days=400),
    )
    recente = OrientationFactory(
        dossier=DossierFactory(carnet=nouvel_entrant, statut=StatutDossier.ORIENTE),
        structure=nouvelle_structure,
        type_orientation="social",
        validee=True,
    )
    # Neither a proposal nor another person's decision counts.
    OrientationFactory(dossier=DossierFactory(carnet=nouvel_entrant, statut=StatutDossier.ORIENTATION_PROPOSEE))
    autre = CarnetFactory(departement=dep_a)
    OrientationFactory(dossier=DossierFactory(carnet=autre, statut=StatutDossier.ORIENTE), validee=True)
    ouvert = nouvel_entrant.dossiers_orientation.get(statut=StatutDossier.ORIENTATION_PROPOSEE)
    ouvert.charge_orientation = charge
    ouvert.save(update_fields=["charge_orientation"])
    DemandeReorientationFactory(carnet=nouvel_entrant, statut=StatutDemandeReorientation.ACCEPTEE)
    en_attente = DemandeReorientationFactory(carnet=nouvel_entrant)

    with django_assert_num_queries(1):
        info = orientation_du_carnet(nouvel_entrant)

    assert info.orientation.uid == recente.uid != ancienne.uid
    assert info.orientation.get_type_orientation_display() == "Sociale"
    assert (info.orientation.structure, info.orientation.dispositif) == (
        "Association Tremplin",
        recente.dispositif.nom,
    )
    assert info.orientation.decidee_le == recente.decidee_le
    assert info.dossier.uid == ouvert.uid
    assert info.dossier.get_statut_display() == "Orientation proposée"
    assert info.dossier.charge_orientation == charge.get_full_name()
    assert (info.demande.uid, info.demande.created_at) == (en_attente.uid, en_attente.created_at)


def test_an_open_dossier_nobody_took_yet(nouvel_entrant):
    DossierFactory(carnet=nouvel_entrant, statut=StatutDossier.A_CONVOQUER)
    info = orientation_du_carnet(nouvel_entrant)
    assert (info.dossier.statut, info.dossier.charge_orientation, info.orientation) == ("a_convoquer", "", None)


def test_the_summary_shows_them(accompagne, conseiller_ft, structure_ft, charge, structure_a):
    decision = OrientationFactory(
        dossier=DossierFactory(carnet=accompagne, statut=StatutDossier.ORIENTE),
        structure=structure_ft,
        validee=True,
        decidee_le=timezone.make_aware(datetime.datetime(2026, 3, 14, 10)),
    )
    DossierFactory(carnet=accompagne, statut=StatutDossier.CONVOQUE, charge_orientation=charge, convocation=False)
    MembreGroupeFactory(carnet=accompagne, user=charge, structure=structure_a)
    page = logged_client(conseiller_ft).get(reverse("carnet:detail", args=[accompagne.uid])).content.decode()
    page = html.unescape(page)
    assert f"Professionnelle — {decision.dispositif.nom} — {structure_ft.nom}, décidée le 14/03/2026." in page
    assert f"Une orientation est en cours (convoqué), suivie par {charge.get_full_name()}." in page
    # The référent may ask for a réorientation only when nothing is in progress.
    assert "Demander une réorientation" not in page
