"""The state machine, transition by transition, through the services: each step's effect, each refusal with its
message, and nothing written by a refused step (no field, no step row, no timeline event)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from carnet.models import Beneficiaire, Evenement, TypeEvenement
from sanctions import services
from sanctions.etats import ARTICLES_ETATS, TRANSITIONS, Etat, TransitionRefusee, transitions_possibles
from sanctions.models import DossierManquement, EtapeDossier, ParametresSanctions
from tests.carnet.factories import BeneficiaireFactory
from tests.sanctions.factories import DossierManquementFactory
from tests.sanctions.outils import decision, dossier_notifie, franchir, notifier, ouvrir


def _trace(dossier):
    """What a step writes: the file's fields, its steps, the carnet's sanction events."""
    row = DossierManquement.objects.values().get(pk=dossier.pk)
    return (
        row,
        EtapeDossier.objects.filter(dossier=dossier).count(),
        Evenement.objects.filter(carnet=dossier.carnet, type=TypeEvenement.SANCTION).count(),
    )


def refuse(dossier, message, appel):
    """`appel()` is refused with `message` and leaves nothing behind."""
    avant = _trace(dossier)
    with pytest.raises(TransitionRefusee, match=message):
        appel()
    assert _trace(dossier) == avant


def test_every_state_and_transition_names_its_legal_text():
    assert set(ARTICLES_ETATS) == set(Etat)
    assert all(t.article.startswith("CASF") for t in TRANSITIONS.values())
    assert {t.vers for t in TRANSITIONS.values()} | {Etat.OUVERT} == set(Etat)


def test_only_decideurs_are_offered_the_decision():
    referent = {t.code for t in transitions_possibles(Etat.NOTIFIE, est_decideur=False, peut_instruire=True)}
    decideur = {t.code for t in transitions_possibles(Etat.NOTIFIE, est_decideur=True, peut_instruire=False)}
    assert referent == {"date_certaine"}
    assert decideur == {"date_certaine", "decider", "sans_suite"}


# --- Opening ------------------------------------------------------------------------------------------------


def test_referent_opens_a_file_with_rank_household_step_and_restricted_event(monde):
    BeneficiaireFactory(departement=monde.departement, numero_allocataire="7654321", role_foyer="cjt")
    BeneficiaireFactory(departement=monde.departement, numero_allocataire="7654321", role_foyer="enf")
    dossier = ouvrir(monde)
    assert dossier.etat == Etat.OUVERT and dossier.rang == "premier"
    assert dossier.foyer == {"personnes": 3, "adultes": 2, "enfants": 1, "autres": 0, "source": "caf_msa"}
    assert list(dossier.rendez_vous.all()) == [monde.rdv]
    etape = EtapeDossier.objects.get(dossier=dossier)
    assert etape.transition == "ouvrir" and etape.article == "CASF L.262-37 I"
    evenement = Evenement.objects.get(carnet=monde.carnet, type=TypeEvenement.SANCTION)
    assert evenement.sensibilite == "justice" and evenement.object_uid == dossier.uid
    assert "Absente" not in evenement.resume  # the facts stay in the file


def test_opening_is_refused_for_a_person_not_subject_to_rights_and_duties(monde):
    Beneficiaire.objects.filter(pk=monde.beneficiaire.pk).update(soumis_droits_devoirs=False)
    monde.carnet.beneficiaire.refresh_from_db()
    with pytest.raises(TransitionRefusee, match="n'est pas soumise aux droits et devoirs"):
        ouvrir(monde)
    assert not DossierManquement.objects.exists()
    assert not Evenement.objects.filter(type=TypeEvenement.SANCTION).exists()


def test_two_open_files_on_the_same_failure_are_refused_until_the_first_is_closed(monde):
    premier = ouvrir(monde)
    with pytest.raises(TransitionRefusee, match="déjà ouvert pour ce même manquement"):
        ouvrir(monde)
    assert DossierManquement.objects.count() == 1
    autre = ouvrir(monde, obligation="contrat", rendez_vous=[])  # another failure: allowed
    assert autre.pk != premier.pk
    franchir(monde, premier, "motif_legitime", raison="Hospitalisée ce jour-là (bulletin fourni).")
    assert ouvrir(monde).pk not in (premier.pk, autre.pk)


def test_facts_in_the_future_or_reversed_are_refused(monde):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(TransitionRefusee, match="dans le futur"):
        ouvrir(monde, faits_au=demain)
    with pytest.raises(TransitionRefusee, match="avant son début"):
        ouvrir(monde, faits_du=datetime.date(2026, 11, 1), faits_au=datetime.date(2026, 10, 1))
    assert not DossierManquement.objects.exists()


def test_a_missed_obligation_must_point_at_what_was_missed(monde):
    with pytest.raises(TransitionRefusee, match="rendez-vous manqués"):
        ouvrir(monde, rendez_vous=[])
    with pytest.raises(TransitionRefusee, match="semaines du relevé"):
        ouvrir(monde, obligation="semaines", rendez_vous=[])
    dossier = ouvrir(monde, obligation="semaines", rendez_vous=[], semaines=[datetime.date(2026, 10, 5)])
    assert dossier.semaines == [datetime.date(2026, 10, 5)]


# --- Legitimate reason ----------------------------------------------------------------------------------------


def test_legitimate_reason_closes_the_file(monde):
    dossier = franchir(monde, ouvrir(monde), "motif_legitime", raison="Enfant hospitalisé.")
    assert dossier.etat == Etat.MOTIF_LEGITIME and dossier.motif_legitime is True


def test_no_legitimate_reason_needs_what_was_checked(monde):
    dossier = ouvrir(monde)
    refuse(
        dossier, "Écrivez ce qui a été vérifié", lambda: franchir(monde, dossier, "sans_motif_legitime", raison=" ")
    )
    dossier = franchir(monde, dossier, "sans_motif_legitime", raison="Aucun justificatif.")
    assert dossier.etat == Etat.A_NOTIFIER and dossier.motif_legitime is False


# --- Notice ---------------------------------------------------------------------------------------------------


@pytest.fixture
def a_notifier(monde):
    return franchir(monde, ouvrir(monde), "sans_motif_legitime", raison="Aucun justificatif.")


def test_notice_date_in_the_future_is_refused(monde, a_notifier):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    refuse(a_notifier, "ne peut pas être dans le futur", lambda: notifier(monde, a_notifier, envoyee_le=demain))


def test_registered_post_needs_its_number(monde, a_notifier):
    refuse(a_notifier, "numéro de la lettre recommandée", lambda: notifier(monde, a_notifier, reference=""))


@pytest.mark.parametrize(
    "taux, duree, message",
    [(20, 2, "entre 30 % et 100 %"), (30, 3, "entre 1 et 2 mois au premier manquement"), (30, 0, "entre 1 et 2")],
)
def test_envisaged_sanction_outside_the_scale_is_refused(monde, a_notifier, taux, duree, message):
    refuse(a_notifier, message, lambda: notifier(monde, a_notifier, taux=taux, duree=duree))


def test_suppression_cannot_be_envisaged_at_a_first_failure(monde, a_notifier):
    refuse(
        a_notifier,
        "premier manquement, seule une suspension",
        lambda: notifier(monde, a_notifier, nature="suppression"),
    )


def test_notice_through_the_space_waits_for_the_acknowledgement(monde, a_notifier):
    dossier = notifier(monde, a_notifier, canal="espace", reference="", date_certaine=None)
    assert dossier.etat == Etat.NOTIFIE and dossier.date_certaine is None
    assert (dossier.envisage_nature, dossier.envisage_taux, dossier.envisage_duree) == ("suspension", 30, 2)
    dossier = services.notification_accuser(dossier=dossier)
    assert dossier.date_certaine == timezone.localdate() and dossier.notification_accusee_le is not None


def test_acknowledgement_receipt_of_a_registered_letter(monde, a_notifier):
    dossier = notifier(monde, a_notifier, date_certaine=None)
    refuse(
        dossier,
        "ne peut pas précéder",
        lambda: franchir(monde, dossier, "date_certaine", date_certaine=datetime.date(2026, 11, 1)),
    )
    dossier = franchir(monde, dossier, "date_certaine", date_certaine=datetime.date(2026, 11, 5))
    assert dossier.date_certaine == datetime.date(2026, 11, 5) and dossier.etat == Etat.NOTIFIE
    refuse(
        dossier,
        "déjà connue",
        lambda: franchir(monde, dossier, "date_certaine", date_certaine=datetime.date(2026, 11, 6)),
    )


# --- Decision -------------------------------------------------------------------------------------------------


def test_decision_before_the_ten_days_without_an_answer_is_refused(monde):
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, tzinfo=datetime.UTC), tick=False):
        dossier = dossier_notifie(monde)  # certain date 4 November: answers until 14 November
        refuse(
            dossier,
            "jusqu'au 14/11/2026 inclus",
            lambda: franchir(monde, dossier, "decider", par="decideur", **decision()),
        )
    with time_machine.travel(datetime.datetime(2026, 11, 14, 20, tzinfo=datetime.UTC), tick=False):
        refuse(
            dossier, "délai de dix jours", lambda: franchir(monde, dossier, "decider", par="decideur", **decision())
        )
    with time_machine.travel(datetime.datetime(2026, 11, 15, 9, tzinfo=datetime.UTC), tick=False):
        dossier = franchir(monde, dossier, "decider", par="decideur", **decision())
    assert dossier.etat == Etat.DECIDE and dossier.decideur == monde.decideur
    assert dossier.decide_le == datetime.date(2026, 11, 15)


def test_decision_after_the_persons_answer_may_come_before_the_ten_days(monde):
    with time_machine.travel(datetime.datetime(2026, 11, 6, 9, tzinfo=datetime.UTC), tick=False):
        dossier = dossier_notifie(monde)
        services.observation_enregistrer(
            dossier=dossier,
            source="audition",
            texte="Reçue avec sa sœur : dit avoir oublié le rendez-vous.",
            recue_le=timezone.now(),
            accompagnant="sa sœur",
            auteur=monde.referent,
            structure=monde.structure,
        )
        dossier = franchir(monde, dossier, "decider", par="decideur", **decision())
    assert dossier.etat == Etat.DECIDE


def test_decision_without_certain_date_is_refused(monde, a_notifier):
    dossier = notifier(monde, a_notifier, date_certaine=None)
    refuse(
        dossier,
        "pas encore de date certaine",
        lambda: franchir(monde, dossier, "decider", par="decideur", **decision()),
    )


def test_only_a_decideur_decides(monde):
    dossier = dossier_notifie(monde)
    refuse(dossier, "Seul un décideur", lambda: franchir(monde, dossier, "decider", par="referent", **decision()))


def test_decision_outside_the_scale_is_refused(monde):
    dossier = dossier_notifie(monde)
    refuse(dossier, "hors barème", lambda: franchir(monde, dossier, "decider", par="decideur", **decision(duree=4)))
    refuse(dossier, "hors barème", lambda: franchir(monde, dossier, "decider", par="decideur", **decision(taux=25)))


def test_household_cap_of_the_departement_applies_to_households_of_more_than_one_person(monde):
    ParametresSanctions.objects.create(departement=monde.departement, plafond_taux_foyer=50)
    BeneficiaireFactory(departement=monde.departement, numero_allocataire="7654321", role_foyer="cjt")
    dossier = dossier_notifie(monde)
    assert dossier.foyer["personnes"] == 2
    refuse(
        dossier,
        "plafond du département pour un foyer de plus d'une personne : 50 %",
        lambda: franchir(monde, dossier, "decider", par="decideur", **decision(taux=60)),
    )
    assert franchir(monde, dossier, "decider", par="decideur", **decision(taux=50)).decision_taux == 50


def test_suppression_needs_the_ep_opinion(monde):
    DossierManquementFactory(carnet=monde.carnet, created_by=monde.referent, decide=True, etat="termine")
    dossier = dossier_notifie(monde)
    assert dossier.rang == "repetition"
    refuse(
        dossier,
        "après l'avis de l'équipe pluridisciplinaire",
        lambda: franchir(monde, dossier, "decider", par="decideur", **decision(nature="suppression", duree=4)),
    )
    # The opinion comes from a session of an équipe pluridisciplinaire on this file: tests/sanctions/test_ep_etats.py.


def test_decision_for_a_person_who_left_the_rights_and_duties_scope_is_refused(monde):
    dossier = dossier_notifie(monde)
    Beneficiaire.objects.filter(pk=monde.beneficiaire.pk).update(soumis_droits_devoirs=False)
    refuse(dossier, "n'est plus soumise", lambda: franchir(monde, dossier, "decider", par="decideur", **decision()))


def test_decision_from_a_wrong_state_is_refused(monde):
    dossier = ouvrir(monde)
    refuse(
        dossier, "n'est possible que depuis", lambda: franchir(monde, dossier, "decider", par="decideur", **decision())
    )


def test_closing_without_sanction_after_the_observations(monde):
    dossier = franchir(
        monde, dossier_notifie(monde), "sans_suite", par="decideur", raison="Justificatif médical reçu."
    )
    assert dossier.etat == Etat.SANS_SUITE and dossier.cloture_raison == "Justificatif médical reçu."


# --- France Travail's proposal ----------------------------------------------------------------------------------


def _proposition(**extra):
    return {
        "proposition_ft": True,
        "proposition_ft_reference": "FT-2026-118",
        "proposition_ft_nature": "suspension",
        "proposition_ft_taux": 30,
        "proposition_ft_duree": 1,
        **extra,
    }


def test_following_france_travails_proposal_unchanged_skips_the_contradictory_step_and_says_so(monde):
    dossier = franchir(monde, ouvrir(monde, **_proposition()), "sans_motif_legitime", raison="Aucun justificatif.")
    dossier = franchir(monde, dossier, "decider_proposition_ft", par="decideur", **decision(duree=1))
    assert dossier.etat == Etat.DECIDE and dossier.procedure_contradictoire_omise is True
    assert dossier.notifie_le is None
    assert "proposition de France Travail suivie sans modification" in dossier.etapes.last().resume


def test_changing_france_travails_proposal_requires_the_contradictory_step(monde):
    dossier = franchir(monde, ouvrir(monde, **_proposition()), "sans_motif_legitime", raison="Aucun justificatif.")
    refuse(
        dossier,
        "diffère de la proposition",
        lambda: franchir(monde, dossier, "decider_proposition_ft", par="decideur", **decision(duree=2)),
    )


def test_skipping_the_contradictory_step_without_a_proposal_is_refused(monde, a_notifier):
    refuse(
        a_notifier,
        "ne vient pas d'une proposition de France Travail",
        lambda: franchir(monde, a_notifier, "decider_proposition_ft", par="decideur", **decision()),
    )


# --- Remobilisation, end, rank --------------------------------------------------------------------------------


@pytest.fixture
def decide(monde):
    dossier = dossier_notifie(monde)
    return franchir(monde, dossier, "decider", par="decideur", **decision(montant_mensuel=Decimal("635.71")))


def test_remobilisation_lifts_the_suspension_and_computes_the_arrears(monde, decide):
    with time_machine.travel(datetime.datetime(2027, 1, 10, 9, tzinfo=datetime.UTC), tick=False):
        dossier = franchir(
            monde,
            decide,
            "remobiliser",
            par="decideur",
            date=datetime.date(2027, 1, 10),
            remobilisation="Ateliers repris.",
        )
    assert dossier.etat == Etat.REMOBILISE and dossier.leve_le == datetime.date(2027, 1, 10)
    # December and January started: 2 months × 30 % × 635.71 €.
    assert dossier.rattrapage_mois == 2 and dossier.rattrapage_montant == Decimal("381.43")
    assert "à rendre : 2 mois à 30 %, soit 381,43 €" in dossier.etapes.last().resume


def test_arrears_without_the_amount_and_with_the_departements_cap(monde, decide):
    ParametresSanctions.objects.create(departement=monde.departement, rattrapage_mois_max=1)
    DossierManquement.objects.filter(pk=decide.pk).update(montant_mensuel=None)
    with time_machine.travel(datetime.datetime(2027, 1, 20, 9, tzinfo=datetime.UTC), tick=False):
        dossier = franchir(
            monde, decide, "remobiliser", par="decideur", date=datetime.date(2027, 1, 20), remobilisation="Reprise."
        )
    assert dossier.rattrapage_mois == 1 and dossier.rattrapage_montant is None


def test_remobilisation_before_the_sanction_starts_is_refused(monde, decide):
    refuse(
        decide,
        "avant le début de la sanction",
        lambda: franchir(
            monde, decide, "remobiliser", par="decideur", date=datetime.date(2026, 11, 30), remobilisation="Reprise."
        ),
    )


def test_the_end_is_recorded_once_the_duration_has_run(monde, decide):
    with time_machine.travel(datetime.datetime(2027, 1, 15, 9, tzinfo=datetime.UTC), tick=False):
        refuse(
            decide,
            "court jusqu'au 01/02/2027",
            lambda: franchir(monde, decide, "terminer", par="decideur", date=datetime.date(2027, 1, 15)),
        )
    with time_machine.travel(datetime.datetime(2027, 2, 2, 9, tzinfo=datetime.UTC), tick=False):
        dossier = franchir(monde, decide, "terminer", par="decideur", date=datetime.date(2027, 2, 1))
    assert dossier.etat == Etat.TERMINE and dossier.rattrapage_mois is None


def test_rank_is_persistence_while_a_sanction_runs(monde, decide):
    assert ouvrir(monde, obligation="contrat", rendez_vous=[]).rang == "persistance"
