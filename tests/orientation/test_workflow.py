"""The state machine of the orientation (orientation/workflow.py): every allowed transition, the refused ones,
the race between two people, and the pages offering only what the machine allows."""

import pytest
from django.urls import reverse

from orientation import workflow
from orientation.models import (
    DemandeReorientation,
    DossierOrientation,
    Orientation,
    StatutDemandeReorientation,
    StatutDossier,
    StatutOrientation,
)
from tests.orientation.factories import DemandeReorientationFactory, DossierFactory, OrientationFactory

pytestmark = pytest.mark.usefixtures("scope_a")

DOSSIER_ALLOWED = [
    (state, action, target) for state, moves in workflow.DOSSIER.items() for action, target in moves.items()
]
DOSSIER_ACTIONS = [
    workflow.CONVOQUER,
    workflow.PRESENT,
    workflow.EXCUSE,
    workflow.ABSENT,
    workflow.TERMINER_DIAGNOSTIC,
    workflow.REPRENDRE_DIAGNOSTIC,
    workflow.PROPOSER,
    workflow.VALIDER,
    workflow.RENVOYER,
    workflow.DELAI_DEPASSE,
]


def test_the_machine_covers_every_status_and_leads_only_to_statuses():
    assert set(workflow.DOSSIER) == set(StatutDossier.values)
    assert set(workflow.PROPOSITION) == set(StatutOrientation.values)
    assert set(workflow.DEMANDE) == set(StatutDemandeReorientation.values)
    for machine, statuses in (
        (workflow.DOSSIER, StatutDossier.values),
        (workflow.PROPOSITION, StatutOrientation.values),
        (workflow.DEMANDE, StatutDemandeReorientation.values),
    ):
        for moves in machine.values():
            assert set(moves.values()) <= set(statuses)
            assert set(moves) <= set(workflow.ACTIONS)


def test_the_path_of_a_dossier_reads_as_the_issue_says():
    chemin = [
        (StatutDossier.A_CONVOQUER, workflow.CONVOQUER, StatutDossier.CONVOQUE),
        (StatutDossier.CONVOQUE, workflow.ABSENT, StatutDossier.A_CONVOQUER),
        (StatutDossier.CONVOQUE, workflow.EXCUSE, StatutDossier.A_CONVOQUER),
        (StatutDossier.CONVOQUE, workflow.PRESENT, StatutDossier.ENTRETIEN),
        (StatutDossier.ENTRETIEN, workflow.TERMINER_DIAGNOSTIC, StatutDossier.DIAGNOSTIC_TERMINE),
        (StatutDossier.DIAGNOSTIC_TERMINE, workflow.PROPOSER, StatutDossier.ORIENTATION_PROPOSEE),
        (StatutDossier.ORIENTATION_PROPOSEE, workflow.RENVOYER, StatutDossier.DIAGNOSTIC_TERMINE),
        (StatutDossier.ORIENTATION_PROPOSEE, workflow.VALIDER, StatutDossier.ORIENTE),
    ]
    assert set(chemin) <= set(DOSSIER_ALLOWED)
    assert workflow.DOSSIER[StatutDossier.ORIENTE] == {}


@pytest.mark.parametrize("state,action,target", DOSSIER_ALLOWED)
def test_every_allowed_dossier_transition_moves_the_row(state, action, target, dep_a):
    dossier = DossierFactory(carnet__departement=dep_a, statut=state, convocation=False)
    workflow.transition(dossier, action)
    row = DossierOrientation.objects.get(pk=dossier.pk)
    assert (row.statut, dossier.statut) == (target, target)
    assert row.version == dossier.version == 2


def test_every_other_dossier_action_is_refused_and_writes_nothing(dep_a):
    refused = 0
    for state in StatutDossier.values:
        dossier = DossierFactory(carnet__departement=dep_a, statut=state, convocation=False)
        for action in DOSSIER_ACTIONS:
            if action in workflow.DOSSIER[state]:
                continue
            with pytest.raises(workflow.TransitionInterdite) as error:
                workflow.transition(dossier, action, date_decision=None)
            assert "Impossible de" in str(error.value) and "le dossier d'orientation est" in str(error.value)
            refused += 1
        row = DossierOrientation.objects.get(pk=dossier.pk)
        assert (row.statut, row.version) == (state, 1)
    assert refused == len(StatutDossier.values) * len(DOSSIER_ACTIONS) - len(DOSSIER_ALLOWED)


def test_a_closed_dossier_refuses_everything(dep_a):
    dossier = DossierFactory(carnet__departement=dep_a, statut=StatutDossier.ORIENTE)
    assert workflow.actions_permises(dossier) == []
    with pytest.raises(workflow.TransitionInterdite, match="« orienté »"):
        workflow.transition(dossier, workflow.CONVOQUER)


def test_past_the_legal_deadline_every_open_dossier_and_no_closed_one_passes_to_france_travail():
    for state in StatutDossier.values:
        passe = workflow.DOSSIER[state].get(workflow.DELAI_DEPASSE)
        if state in (StatutDossier.ORIENTE, StatutDossier.ORIENTE_FRANCE_TRAVAIL):
            assert workflow.DOSSIER[state] == {}
        else:
            assert passe == StatutDossier.ORIENTE_FRANCE_TRAVAIL


def test_the_second_of_two_concurrent_transitions_is_refused(dep_a):
    dossier = DossierFactory(carnet__departement=dep_a, statut=StatutDossier.CONVOQUE, convocation=False)
    mine, theirs = DossierOrientation.objects.get(pk=dossier.pk), DossierOrientation.objects.get(pk=dossier.pk)
    workflow.transition(theirs, workflow.ABSENT)
    with pytest.raises(workflow.TransitionInterdite, match="à convoquer"):
        workflow.transition(mine, workflow.PRESENT, date_entretien=None)
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.A_CONVOQUER
    assert mine.statut == StatutDossier.A_CONVOQUER  # the object now tells the truth


def test_fields_are_written_with_the_transition(dep_a):
    import datetime

    dossier = DossierFactory(carnet__departement=dep_a, statut=StatutDossier.CONVOQUE, convocation=False)
    workflow.transition(dossier, workflow.PRESENT, date_entretien=datetime.date(2026, 3, 2))
    assert DossierOrientation.objects.get(pk=dossier.pk).date_entretien == datetime.date(2026, 3, 2)


@pytest.mark.parametrize(
    "action,target", [(workflow.VALIDER, StatutOrientation.VALIDEE), (workflow.RENVOYER, StatutOrientation.RENVOYEE)]
)
def test_a_proposal_is_validated_or_sent_back_once(action, target, dep_a):
    orientation = OrientationFactory(dossier__carnet__departement=dep_a)
    workflow.transition(orientation, action)
    assert Orientation.objects.get(pk=orientation.pk).statut == target
    for again in (workflow.VALIDER, workflow.RENVOYER):
        with pytest.raises(workflow.TransitionInterdite, match="la proposition d'orientation est"):
            workflow.transition(orientation, again)


@pytest.mark.parametrize(
    "action,target",
    [(workflow.ACCEPTER, StatutDemandeReorientation.ACCEPTEE), (workflow.REFUSER, StatutDemandeReorientation.REFUSEE)],
)
def test_a_reorientation_request_is_answered_once(action, target, dep_a):
    demande = DemandeReorientationFactory(carnet__departement=dep_a)
    workflow.transition(demande, action)
    assert DemandeReorientation.objects.get(pk=demande.pk).statut == target
    with pytest.raises(workflow.TransitionInterdite, match="la demande de réorientation est"):
        workflow.transition(demande, workflow.ACCEPTER)


def test_an_unknown_action_is_refused(dep_a):
    dossier = DossierFactory(carnet__departement=dep_a)
    with pytest.raises(workflow.TransitionInterdite):
        workflow.transition(dossier, "teleporter")


# --- The pages offer only what the machine allows -------------------------------------------


def _page(client, dossier):
    return client.get(reverse("orientation:dossier", kwargs={"uid": dossier.uid})).content.decode()


def test_dossier_page_offers_only_the_allowed_actions(client_charge, charge, dep_a):
    dossier = DossierFactory(carnet__departement=dep_a, charge_orientation=charge)
    page = _page(client_charge, dossier)
    assert "Convoquer la personne" in page
    assert "Proposer une orientation" not in page and "Enregistrer la présence" not in page
    DossierOrientation.objects.filter(pk=dossier.pk).update(statut=StatutDossier.DIAGNOSTIC_TERMINE)
    page = _page(client_charge, dossier)
    assert "Proposer une orientation" in page and "Reprendre le diagnostic" in page
    assert "Convoquer la personne" not in page


@pytest.mark.parametrize("name", ["convoquer", "proposer"])
def test_a_page_for_a_refused_action_redirects_with_the_reason(name, client_charge, charge, dep_a):
    dossier = DossierFactory(carnet__departement=dep_a, charge_orientation=charge, statut=StatutDossier.ORIENTE)
    response = client_charge.get(reverse(f"orientation:{name}", kwargs={"uid": dossier.uid}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("orientation:dossier", kwargs={"uid": dossier.uid})
    assert "Impossible de" in response.content.decode()


def test_posting_a_refused_action_changes_nothing(client_charge, charge, dep_a):
    dossier = DossierFactory(carnet__departement=dep_a, charge_orientation=charge, statut=StatutDossier.ENTRETIEN)
    response = client_charge.post(
        reverse("orientation:proposer", kwargs={"uid": dossier.uid}), {"motif": "x", "type_orientation": "pro"}
    )
    assert response.status_code == 302
    assert Orientation.objects.filter(dossier=dossier).count() == 0
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.ENTRETIEN


def test_a_transition_tells_the_receivers_like_save_would(dep_a):
    from django.db.models.signals import post_save

    seen = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        seen.append((instance.pk, instance.statut, created, set(update_fields or ())))

    post_save.connect(receiver, sender=Orientation, dispatch_uid="test_transition_signal")
    try:
        orientation = OrientationFactory(dossier__carnet__departement=dep_a)
        seen.clear()
        workflow.transition(orientation, workflow.RENVOYER, commentaire="À revoir")
    finally:
        post_save.disconnect(sender=Orientation, dispatch_uid="test_transition_signal")
    assert seen == [(orientation.pk, StatutOrientation.RENVOYEE, False, {"statut", "commentaire"})]
