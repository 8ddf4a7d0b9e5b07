"""The sessions of the équipes pluridisciplinaires, transition by transition through `sanctions.equipes`: each step's
effect (the session, its files, the sanction file's steps, the carnet's restricted timeline), each refusal with its
message and nothing written; and the suppression that needs the opinion given in a session on that very file."""

import datetime

import pytest
from django.utils import timezone

from carnet.models import Evenement, Sensibilite, TypeEvenement
from sanctions import equipes
from sanctions.etats import TRANSITIONS_SEANCE, EtatSeance, TransitionRefusee
from sanctions.models import EtapeDossier, PassageEquipe, PresenceSeance, SeanceEquipe
from spie.models import Commune, RefDepartement
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory
from tests.sanctions.factories import DossierManquementFactory
from tests.sanctions.outils import decision, franchir
from tests.sanctions.outils_ep import dans, inscrire, pas, seance_ouverte


def _trace(seance):
    """What a step writes: the session's row, its files (with their opinions and decisions), the attendance, the
    sanction files' steps, the timeline events, the other sessions."""
    return (
        SeanceEquipe.objects.values().get(pk=seance.pk),
        list(PassageEquipe.objects.filter(seance=seance).values().order_by("pk")),
        PresenceSeance.objects.count(),
        EtapeDossier.objects.count(),
        Evenement.objects.count(),
        SeanceEquipe.objects.count(),
    )


def refuse(seance, message, appel):
    avant = _trace(seance)
    with pytest.raises(TransitionRefusee, match=message):
        appel()
    assert _trace(seance) == avant


def test_every_state_of_a_session_is_reached_by_a_transition():
    assert {t.vers for t in TRANSITIONS_SEANCE.values()} == set(EtatSeance)
    assert [c for c, t in TRANSITIONS_SEANCE.items() if t.decideur_seul] == ["decider"]


def test_a_session_from_creation_to_closing(ep, _clock):
    seance = inscrire(ep)
    passage = seance.passages.get()
    assert seance.etat == EtatSeance.CREEE and passage.dossier == ep.dossier and passage.theme == "suppression"
    seance = pas(ep, seance, "convoquer")
    passage.refresh_from_db()
    assert seance.etat == EtatSeance.CONVOQUEE and passage.convocation_envoyee_le is not None
    assert list(equipes.convocations_de_la_personne(ep.carnet)) == [passage]
    _clock.move_to(seance.date_heure)
    seance = pas(ep, seance, "ouvrir", presents=ep.membres[:2])
    assert seance.etat == EtatSeance.OUVERTE and seance.ouverte_le is not None
    assert sorted(seance.presences.values_list("present", flat=True)) == [False, True, True]
    seance = pas(ep, seance, "avis", passage=passage, sens="favorable", texte="Aucune reprise de contact.")
    seance = pas(ep, seance, "lever")
    assert seance.etat == EtatSeance.TENUE and seance.levee_le is not None
    seance = pas(ep, seance, "decider", passage=passage, sens="conforme", texte="Suppression décidée.")
    passage.refresh_from_db()
    assert passage.decideur == ep.decideur and passage.decision_sens == "conforme"
    seance = pas(ep, seance, "clore", par="admin")
    assert seance.etat == EtatSeance.CLOSE and seance.close_le is not None
    # Every step is a step of the sanction file and a restricted event of the carnet's timeline.
    etapes = list(EtapeDossier.objects.filter(dossier=ep.dossier, transition="equipe_pluridisciplinaire"))
    assert [e.resume.split(" : ")[1].split(" ")[0] for e in etapes] == ["dossier", "convocation", "avis", "décision"]
    assert all(e.article.startswith("CASF L.262-37") and e.etat_apres == "notifie" for e in etapes)
    evenements = Evenement.objects.filter(carnet=ep.carnet, resume__contains="équipe pluridisciplinaire")
    assert evenements.count() == 4
    assert set(evenements.values_list("sensibilite", "type")) == {(Sensibilite.JUSTICE, TypeEvenement.SANCTION)}


# --- Agenda ------------------------------------------------------------------------------------------------------


def test_a_suppression_needs_a_sanction_file(ep):
    refuse(ep.seance, "sur un dossier de manquement", lambda: inscrire(ep, dossier=None, carnet=ep.carnet))


def test_a_suppression_is_not_examined_at_a_first_failure(ep):
    autre = CarnetFactory(departement=ep.departement, beneficiaire=BeneficiaireFactory(departement=ep.departement))
    premier = DossierManquementFactory(carnet=autre, created_by=ep.referent, notifie=True)
    refuse(ep.seance, "Au premier manquement", lambda: inscrire(ep, dossier=premier))


def test_a_decided_file_is_not_examined_for_a_suppression(ep):
    decide = DossierManquementFactory(carnet=ep.carnet, created_by=ep.referent, decide=True, rang="repetition")
    refuse(ep.seance, "avant la décision", lambda: inscrire(ep, dossier=decide))


def test_a_file_is_on_one_live_session_at_a_time(ep):
    inscrire(ep)
    autre = equipes.seance_creer(equipe=ep.equipe, date_heure=dans(days=9), lieu="Salle 1", auteur=ep.decideur)
    refuse(autre, "déjà à l'ordre du jour d'une autre séance", lambda: inscrire(ep, autre))


def test_a_person_is_once_on_an_agenda(ep):
    inscrire(ep)
    refuse(
        ep.seance,
        "déjà à l'ordre du jour de cette séance",
        lambda: inscrire(ep, theme="reorientation_pro", dossier=None, carnet=ep.carnet),
    )


def test_the_question_to_the_team_is_required(ep):
    refuse(ep.seance, "question posée", lambda: inscrire(ep, question="  "))


def test_a_file_of_another_person_is_refused(ep):
    autre = CarnetFactory(departement=ep.departement, beneficiaire=BeneficiaireFactory(departement=ep.departement))
    refuse(ep.seance, "n'est pas celui de cette personne", lambda: inscrire(ep, carnet=autre))


def test_a_person_outside_the_territory_goes_to_the_team_of_her_territory(ep):
    RefDepartement.objects.get_or_create(code="76", defaults={"nom": "Seine-Maritime"})
    ep.territoire.communes.add(
        Commune.objects.create(code_insee="76540", nom="Rouen", departement_id="76", codes_postaux=["76000"])
    )
    refuse(ep.seance, "n'habite pas le territoire « Rouen-Elbeuf »", lambda: inscrire(ep))


def test_a_reorientation_points_at_a_carnet_without_sanction_file(ep):
    autre = CarnetFactory(departement=ep.departement, beneficiaire=BeneficiaireFactory(departement=ep.departement))
    seance = inscrire(ep, theme="reorientation_pro", dossier=None, carnet=autre, question="Vers France Travail ?")
    passage = seance.passages.get()
    assert passage.dossier is None and passage.carnet == autre
    evenement = Evenement.objects.get(carnet=autre)
    assert evenement.type == TypeEvenement.ORIENTATION and evenement.sensibilite == Sensibilite.JUSTICE
    assert EtapeDossier.objects.filter(transition="equipe_pluridisciplinaire").count() == 0


def test_a_file_is_withdrawn_before_the_convocations_only(ep):
    seance = inscrire(ep)
    passage = seance.passages.get()
    seance = pas(ep, seance, "retirer", passage=passage)
    assert not seance.passages.exists()
    seance = inscrire(ep)
    seance = pas(ep, seance, "convoquer")
    refuse(seance, "n'est possible que depuis", lambda: pas(ep, seance, "retirer", passage=seance.passages.get()))
    refuse(seance, "n'est possible que depuis", lambda: inscrire(ep, seance))


def test_only_the_organisers_prepare_a_session(ep):
    refuse(ep.seance, "Seuls les décideurs des sanctions et l'administrateur", lambda: inscrire(ep, par="referent"))


# --- Convocations -----------------------------------------------------------------------------------------------


def test_an_empty_agenda_is_not_convened(ep):
    refuse(ep.seance, "L'ordre du jour est vide", lambda: pas(ep, ep.seance, "convoquer"))


def test_a_team_without_members_convenes_nobody(ep):
    ep.equipe.membres.update(actif=False)
    seance = inscrire(ep)
    refuse(seance, "aucun membre", lambda: pas(ep, seance, "convoquer"))


def test_a_session_whose_date_has_passed_is_postponed_not_convened(ep, _clock):
    seance = inscrire(ep)
    _clock.move_to(seance.date_heure + datetime.timedelta(minutes=1))
    refuse(seance, "La date de la séance est passée", lambda: pas(ep, seance, "convoquer"))


# --- Attendance and quorum --------------------------------------------------------------------------------------


def test_no_opinion_without_the_quorum(ep, _clock):
    seance = pas(ep, inscrire(ep), "convoquer")
    _clock.move_to(seance.date_heure)
    refuse(seance, "Quorum non atteint : 0 présent pour 2 requis", lambda: pas(ep, seance, "ouvrir", presents=[]))
    refuse(
        seance,
        "Quorum non atteint : 1 présent pour 2 requis",
        lambda: pas(ep, seance, "ouvrir", presents=ep.membres[:1]),
    )
    refuse(seance, "n'est possible que depuis", lambda: pas(ep, seance, "avis", passage=seance.passages.get()))


def test_a_session_opens_at_the_earliest_one_hour_before_its_time(ep, _clock):
    seance = pas(ep, inscrire(ep), "convoquer")
    _clock.move_to(seance.date_heure - datetime.timedelta(hours=1, minutes=1))
    refuse(seance, "s'ouvre au plus tôt une heure avant", lambda: pas(ep, seance, "ouvrir", presents=ep.membres))


def test_only_members_of_the_team_are_present(ep, _clock):
    from tests.sanctions.factories_ep import EquipeFactory, MembreEquipeFactory

    etranger = MembreEquipeFactory(equipe=EquipeFactory(territoire=ep.territoire), externe=True)
    seance = pas(ep, inscrire(ep), "convoquer")
    _clock.move_to(seance.date_heure)
    refuse(
        seance,
        "Seuls les membres de l'équipe",
        lambda: pas(ep, seance, "ouvrir", presents=[ep.membres[0], etranger]),
    )


def test_a_session_cannot_open_before_its_convocations(ep, _clock):
    seance = inscrire(ep)
    _clock.move_to(seance.date_heure)
    refuse(seance, "n'est possible que depuis", lambda: pas(ep, seance, "ouvrir", presents=ep.membres))


# --- Opinions, raising, decisions, closing ----------------------------------------------------------------------


def test_an_opinion_is_reasoned_and_given_once(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    refuse(seance, "avis motivé", lambda: pas(ep, seance, "avis", passage=passage, sens="favorable", texte=""))
    refuse(seance, "sens de l'avis", lambda: pas(ep, seance, "avis", passage=passage, sens="oui", texte="Oui."))
    seance = pas(ep, seance, "avis", passage=passage, sens="defavorable", texte="Reprise récente.")
    refuse(
        seance, "déjà donné son avis", lambda: pas(ep, seance, "avis", passage=passage, sens="favorable", texte="X")
    )


def test_an_opinion_on_a_file_of_another_session_is_refused(ep, _clock):
    autre = equipes.seance_creer(equipe=ep.equipe, date_heure=dans(days=9), lieu="Salle 1", auteur=ep.decideur)
    carnet = CarnetFactory(departement=ep.departement, beneficiaire=BeneficiaireFactory(departement=ep.departement))
    autre = inscrire(ep, autre, theme="cas_complexe", dossier=None, carnet=carnet, question="Quel accompagnement ?")
    seance = seance_ouverte(ep, _clock)
    refuse(
        seance,
        "ordre du jour de cette séance",
        lambda: pas(ep, seance, "avis", passage=autre.passages.get(), sens="favorable", texte="X"),
    )


def test_the_session_is_raised_once_every_file_has_its_opinion(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    refuse(seance, "1 dossier sans avis", lambda: pas(ep, seance, "lever"))


def test_only_a_decideur_takes_the_presidents_decision_once(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    refuse(
        seance,
        "n'est possible que depuis",
        lambda: pas(ep, seance, "decider", passage=passage, sens="conforme", texte="X"),
    )
    seance = pas(ep, seance, "avis", passage=passage, sens="favorable", texte="Aucune reprise de contact.")
    seance = pas(ep, seance, "lever")
    refuse(
        seance,
        "Seul un décideur",
        lambda: pas(ep, seance, "decider", par="admin", passage=passage, sens="conforme", texte="X"),
    )
    refuse(seance, "Dites si le président suit", lambda: pas(ep, seance, "decider", passage=passage, texte="X"))
    refuse(
        seance,
        "Écrivez la décision",
        lambda: pas(ep, seance, "decider", passage=passage, sens="differente", texte=""),
    )
    refuse(seance, "1 dossier sans décision", lambda: pas(ep, seance, "clore"))
    seance = pas(ep, seance, "decider", passage=passage, sens="differente", texte="Suspension maintenue.")
    refuse(seance, "déjà décidé", lambda: pas(ep, seance, "decider", passage=passage, sens="conforme", texte="Autre."))


# --- Postponed, cancelled ---------------------------------------------------------------------------------------


def test_a_postponed_session_moves_its_agenda_to_a_new_session(ep):
    seance = pas(ep, inscrire(ep), "convoquer")
    refuse(seance, "raison du report", lambda: pas(ep, seance, "reporter", date_heure=dans(days=10), raison=""))
    refuse(
        seance,
        "prévue dans le futur",
        lambda: pas(ep, seance, "reporter", date_heure=dans(days=-1), raison="Salle indisponible."),
    )
    seance = pas(ep, seance, "reporter", date_heure=dans(days=10), raison="Salle indisponible.")
    assert seance.etat == EtatSeance.REPORTEE and seance.reportee_vers.etat == EtatSeance.CREEE
    nouveau = seance.reportee_vers.passages.get()
    assert nouveau.dossier == ep.dossier and nouveau.convocation_envoyee_le is None
    assert EtapeDossier.objects.filter(dossier=ep.dossier, resume__contains="reportée").count() == 1


def test_a_cancelled_session_frees_its_files(ep, _clock):
    seance = inscrire(ep)
    refuse(seance, "raison de l'annulation", lambda: pas(ep, seance, "annuler", raison=""))
    seance = pas(ep, seance, "annuler", raison="Équipe renouvelée.")
    assert seance.etat == EtatSeance.ANNULEE
    autre = equipes.seance_creer(equipe=ep.equipe, date_heure=dans(days=9), lieu="Salle 1", auteur=ep.decideur)
    assert inscrire(ep, autre).passages.get().dossier == ep.dossier


def test_an_open_session_is_neither_postponed_nor_cancelled(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    refuse(seance, "n'est possible que depuis", lambda: pas(ep, seance, "annuler", raison="X"))
    refuse(
        seance, "n'est possible que depuis", lambda: pas(ep, seance, "reporter", date_heure=dans(days=3), raison="X")
    )


def test_a_session_is_planned_in_the_future_with_a_place(ep):
    with pytest.raises(TransitionRefusee, match="dans le futur"):
        equipes.seance_creer(equipe=ep.equipe, date_heure=dans(hours=-1), lieu="Salle", auteur=ep.decideur)
    ep.equipe.lieu = ""
    with pytest.raises(TransitionRefusee, match="Indiquez le lieu"):
        equipes.seance_creer(equipe=ep.equipe, date_heure=dans(days=1), lieu="", auteur=ep.decideur)


# --- The suppression needs the opinion given in a session on that file -----------------------------------------


def _suppression():
    return decision(nature="suppression", taux=100, duree=2)


def test_a_suppression_without_an_opinion_in_session_is_refused(ep):
    with pytest.raises(TransitionRefusee, match="après l'avis de l'équipe pluridisciplinaire rendu en séance"):
        franchir(ep, ep.dossier, "decider", par="decideur", **_suppression())
    ep.dossier.refresh_from_db()
    assert ep.dossier.etat == "notifie" and ep.dossier.decide_le is None


def test_an_opinion_on_another_file_does_not_open_the_suppression(ep, _clock):
    carnet = CarnetFactory(departement=ep.departement, beneficiaire=BeneficiaireFactory(departement=ep.departement))
    seance = inscrire(ep, theme="cas_complexe", dossier=None, carnet=carnet, question="Quel accompagnement ?")
    seance = pas(ep, seance, "convoquer")
    _clock.move_to(seance.date_heure)
    seance = pas(ep, seance, "ouvrir", presents=ep.membres)
    pas(ep, seance, "avis", passage=seance.passages.get(), sens="favorable", texte="Accompagnement renforcé.")
    with pytest.raises(TransitionRefusee, match="rendu en séance sur ce dossier"):
        franchir(ep, ep.dossier, "decider", par="decideur", **_suppression())


def test_the_opinion_given_in_session_opens_the_suppression_and_fills_the_file(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    pas(ep, seance, "avis", passage=seance.passages.get(), sens="favorable", texte="Aucune reprise de contact.")
    dossier = franchir(ep, ep.dossier, "decider", par="decideur", **_suppression())
    assert dossier.decision_nature == "suppression" and dossier.etat == "decide"
    assert dossier.avis_ep_le == timezone.localdate(seance.passages.get().avis_le)
    assert dossier.avis_ep.startswith("Favorable (séance du ")
    assert "EP Rouen-Elbeuf) : Aucune reprise de contact." in dossier.avis_ep


def test_a_suspension_needs_no_opinion(ep):
    assert franchir(ep, ep.dossier, "decider", par="decideur", **decision()).avis_ep == ""


# --- Counting for the indicators --------------------------------------------------------------------------------


def test_sessions_held_and_their_decisions_are_counted(ep, _clock):
    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    seance = pas(ep, seance, "avis", passage=passage, sens="reserves", texte="Sous réserve d'un dernier contact.")
    seance = pas(ep, seance, "lever")
    pas(ep, seance, "decider", passage=passage, sens="conforme", texte="Suppression.")
    equipes.seance_creer(equipe=ep.equipe, date_heure=dans(days=5), lieu="Salle 1", auteur=ep.decideur)
    jour = seance.ouverte_le.date()
    assert equipes.seances_tenues(debut=jour, fin=jour) == {
        "seances": 1,
        "dossiers_examines": 1,
        "par_theme": {"suppression": 1},
        "avis": {"reserves": 1},
        "decisions": {"conforme": 1},
    }
    lendemain = jour + datetime.timedelta(days=1)
    assert equipes.seances_tenues(debut=lendemain, fin=lendemain)["seances"] == 0


def test_the_sanction_indicators_show_the_sessions_held_their_opinions_and_decisions(ep, _clock):
    from sanctions import indicateurs

    seance = seance_ouverte(ep, _clock)
    passage = seance.passages.get()
    seance = pas(ep, seance, "avis", passage=passage, sens="defavorable", texte="Une reprise de contact est en cours.")
    seance = pas(ep, seance, "lever")
    pas(ep, seance, "decider", passage=passage, sens="differente", texte="Suppression malgré l'avis.")
    jour = seance.ouverte_le.date()
    chiffres = indicateurs.calculer(debut=jour, fin=jour)
    assert (chiffres.seances_ep, chiffres.dossiers_ep) == (1, 1)
    assert dict(chiffres.ep_par_theme) == {
        "Suppression du RSA (avant la décision)": 1,
        "Réorientation du social vers le professionnel": 0,
        "Réorientation du professionnel vers le social": 0,
        "Situation complexe": 0,
    }
    assert dict(chiffres.ep_avis)["Défavorable"] == 1 and dict(chiffres.ep_avis)["Favorable"] == 0
    assert dict(chiffres.ep_decisions) == {
        "Le président suit l'avis de l'équipe": 0,
        "Le président ne suit pas l'avis de l'équipe": 1,
    }
    veille = jour - datetime.timedelta(days=1)
    assert indicateurs.calculer(debut=veille, fin=veille).seances_ep == 0
