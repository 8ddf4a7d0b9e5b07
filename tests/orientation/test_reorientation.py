"""Réorientation: the référent asks from the carnet; chargés or valideurs accept (a new dossier, the same
decision path) or refuse ("maintien", with a reason); everyone concerned is notified; the timeline tells it."""

import html

import pytest
from django.urls import reverse

from carnet.models import Evenement, MembreGroupe, TypeEvenement
from carnet.services import RegleMetier
from orientation import services
from orientation.models import (
    DemandeReorientation,
    DossierOrientation,
    Orientation,
    StatutDemandeReorientation,
    StatutDossier,
    StatutOrientation,
)
from tests.carnet.factories import MembreGroupeFactory
from tests.conftest import logged_client
from tests.orientation.factories import DemandeReorientationFactory, DiagnosticFactory, DossierFactory, dispositif
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.usefixtures("scope_a")


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def oriente(nouvel_entrant, charge, structure_ft, conseiller_ft):
    """A person oriented to France Travail, with conseiller_ft as référent."""
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, statut=StatutDossier.ORIENTE)
    DiagnosticFactory(dossier=dossier, termine=True, created_by=charge)
    from tests.orientation.factories import OrientationFactory

    OrientationFactory(dossier=dossier, structure=structure_ft, referent=conseiller_ft, validee=True)
    MembreGroupeFactory(carnet=nouvel_entrant, user=conseiller_ft, structure=structure_ft, est_referent=True)
    return nouvel_entrant


def _demander(client, carnet, motif="La personne souhaite d'abord régler sa situation de logement."):
    return client.post(reverse("orientation:reorientation_demander", kwargs={"uid": carnet.uid}), {"motif": motif})


def test_the_referent_asks_from_the_carnet_and_the_charges_are_notified(oriente, conseiller_ft, charge, valideur):
    referent = logged_client(conseiller_ft)
    page = text(referent.get(reverse("carnet:detail", kwargs={"uid": oriente.uid})))
    assert "Demander une réorientation" in page
    assert _demander(referent, oriente)["Location"] == reverse("carnet:detail", kwargs={"uid": oriente.uid})
    demande = DemandeReorientation.objects.get(carnet=oriente)
    assert (demande.statut, demande.demandeur) == (StatutDemandeReorientation.EN_ATTENTE, conseiller_ft)
    assert charge.notifications.filter(titre="Demande de réorientation").exists()
    assert valideur.notifications.filter(titre="Demande de réorientation").exists()
    event = Evenement.objects.get(carnet=oriente, type=TypeEvenement.ORIENTATION, object_uid=demande.uid)
    assert event.resume.startswith("Réorientation demandée par") and "logement" not in event.resume
    page = text(referent.get(reverse("carnet:detail", kwargs={"uid": oriente.uid})))
    assert "Une demande de réorientation est en attente" in page and "Demander une réorientation" not in page


def test_a_pending_request_refuses_a_second_one(oriente, conseiller_ft, structure_ft):
    referent = logged_client(conseiller_ft)
    _demander(referent, oriente)
    response = _demander(referent, oriente, motif="Encore")
    assert response.status_code == 200 and "déjà en attente" in text(response)
    assert DemandeReorientation.objects.filter(carnet=oriente).count() == 1
    with pytest.raises(RegleMetier, match="déjà en attente"):
        services.reorientation_request(carnet=oriente, demandeur=conseiller_ft, structure=structure_ft, motif="x")
    assert Evenement.objects.filter(carnet=oriente, resume__startswith="Réorientation demandée").count() == 1


def test_only_the_referent_asks(oriente, structure_ft, charge, admin_a):
    collegue = MembershipFactory(structure=structure_ft, role="professionnel").user
    MembreGroupeFactory(carnet=oriente, user=collegue, structure=structure_ft)
    for user in (collegue, charge, admin_a):
        assert _demander(logged_client(user), oriente).status_code == 403
    assert not DemandeReorientation.objects.exists()


def _decider(client, demande, decision, commentaire=""):
    return client.post(
        reverse("orientation:reorientation", kwargs={"uid": demande.uid}),
        {"decision": decision, "commentaire": commentaire},
    )


def test_accepting_opens_a_new_dossier_that_follows_the_same_decision_path(
    oriente, conseiller_ft, charge, client_charge, client_valideur, structure_a, valideur
):
    _demander(logged_client(conseiller_ft), oriente)
    demande = DemandeReorientation.objects.get()
    response = _decider(client_charge, demande, "accepter")
    dossier = DossierOrientation.objects.get(carnet=oriente, demande_reorientation=demande)
    assert response["Location"] == reverse("orientation:dossier", kwargs={"uid": dossier.uid})
    # The person has a finished diagnostic: the new dossier starts at "diagnostic terminé".
    assert (dossier.statut, dossier.charge_orientation) == (StatutDossier.DIAGNOSTIC_TERMINE, charge)
    assert DemandeReorientation.objects.get(pk=demande.pk).statut == StatutDemandeReorientation.ACCEPTEE
    assert conseiller_ft.notifications.filter(titre="Demande de réorientation acceptée").exists()
    assert oriente.pk in {row.pk for row in client_charge.get(reverse("orientation:file")).context["rows"]}
    # Same path: proposal, validation, new référent; the former one is told and kept in the history.
    social = StructureFactory(departement=oriente.departement, type="ccas", nom="CCAS de Rouen")
    travailleur = MembershipFactory(structure=social, role="professionnel").user
    client_charge.post(
        reverse("orientation:proposer", kwargs={"uid": dossier.uid}),
        {
            "type_orientation": "social",
            "dispositif": dispositif(oriente.departement, "social").pk,
            "structure": social.pk,
            "referent": str(travailleur.uid),
            "motif": "Logement d'abord.",
        },
    )
    orientation = Orientation.objects.get(dossier=dossier)
    assert orientation.est_reorientation
    client_valideur.post(reverse("orientation:valider", kwargs={"uid": orientation.uid}))
    assert MembreGroupe.objects.referents().get(carnet=oriente).user == travailleur
    assert MembreGroupe.objects.filter(carnet=oriente, user=conseiller_ft, est_referent=True).exclude(fin=None)
    assert conseiller_ft.notifications.filter(titre="Nouvelle orientation d'une personne que vous accompagnez")
    resumes = list(Evenement.objects.filter(carnet=oriente).values_list("resume", flat=True))
    assert any(r.startswith("Demande de réorientation acceptée") for r in resumes)
    assert any(r.startswith("Réorientation décidée : sociale") for r in resumes)
    assert Orientation.objects.filter(carnet=oriente, statut=StatutOrientation.VALIDEE).count() == 2


def test_without_a_diagnostic_the_new_dossier_starts_at_the_interview(
    nouvel_entrant, conseiller_ft, structure_ft, charge, structure_a
):
    MembreGroupeFactory(carnet=nouvel_entrant, user=conseiller_ft, structure=structure_ft, est_referent=True)
    demande = services.reorientation_request(
        carnet=nouvel_entrant, demandeur=conseiller_ft, structure=structure_ft, motif="Projet changé"
    )
    dossier = services.reorientation_accept(demande=demande, auteur=charge, auteur_structure=structure_a)
    assert dossier.statut == StatutDossier.ENTRETIEN


def test_refusing_keeps_the_orientation_with_a_reason(oriente, conseiller_ft, client_valideur):
    _demander(logged_client(conseiller_ft), oriente)
    demande = DemandeReorientation.objects.get()
    response = _decider(client_valideur, demande, "refuser")
    assert response.status_code == 200 and "Indiquez pourquoi" in text(response)
    assert DemandeReorientation.objects.get(pk=demande.pk).statut == StatutDemandeReorientation.EN_ATTENTE
    _decider(
        client_valideur, demande, "refuser", "L'accompagnement vient de commencer : faisons un point dans 3 mois."
    )
    demande.refresh_from_db()
    assert demande.statut == StatutDemandeReorientation.REFUSEE
    assert demande.commentaire.startswith("L'accompagnement vient de commencer")
    assert not DossierOrientation.objects.filter(carnet=oriente).exclude(statut=StatutDossier.ORIENTE).exists()
    assert MembreGroupe.objects.referents().get(carnet=oriente).user == conseiller_ft
    assert conseiller_ft.notifications.filter(titre="Demande de réorientation refusée").exists()
    event = Evenement.objects.filter(carnet=oriente).latest("created_at")
    assert event.resume.endswith("maintien de l'orientation") and "3 mois" not in event.resume
    # The référent reads the answer and its reason.
    page = text(logged_client(conseiller_ft).get(reverse("orientation:reorientation", kwargs={"uid": demande.uid})))
    assert "faisons un point dans 3 mois" in page
    # Answered once.
    _decider(client_valideur, demande, "accepter")
    assert DemandeReorientation.objects.get(pk=demande.pk).statut == StatutDemandeReorientation.REFUSEE


def test_a_professional_outside_the_path_cannot_decide(oriente, partner_a, conseiller_ft):
    demande = DemandeReorientationFactory(carnet=oriente, demandeur=conseiller_ft)
    assert _decider(logged_client(partner_a), demande, "accepter").status_code == 403
    # The référent reads the request but does not decide it.
    assert _decider(logged_client(conseiller_ft), demande, "accepter").status_code == 403
    assert DemandeReorientation.objects.get(pk=demande.pk).statut == StatutDemandeReorientation.EN_ATTENTE
