"""The state machine of a sanction file, in one place: every state and transition with its legal text, and every
check a transition makes before anything is written.

Texts: CASF L.262-37 (grounds, legitimate reason, PCD decision, EP opinion before a suppression, remobilisation),
R.262-68 and following (contradictory step, scale) as written by the décret n° 2025-478 of 30 May 2025.

This module reads the file and the data of the step; it never writes. `sanctions.services` locks the row, calls
`verifier(...)`, then writes the file, its step and the carnet's timeline event in one transaction: a refused step
leaves nothing behind. Every refusal is a `TransitionRefusee` whose message is shown as is.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

DELAI_OBSERVATIONS_JOURS = 10  # R.262-68: ten days to send observations or ask to be heard


class Etat(models.TextChoices):
    OUVERT = "ouvert", "Ouvert : vérification du motif légitime"
    A_NOTIFIER = "a_notifier", "Sans motif légitime : à notifier"
    NOTIFIE = "notifie", "Notifié : délai de réponse de la personne"
    DECIDE = "decide", "Sanction en cours"
    REMOBILISE = "remobilise", "Levée : la personne s'est remobilisée"
    TERMINE = "termine", "Sanction terminée"
    MOTIF_LEGITIME = "motif_legitime", "Classé : motif légitime"
    SANS_SUITE = "sans_suite", "Classé sans sanction"


# Open files: one failure is pursued by one of them at a time.
ETATS_OUVERTS = (Etat.OUVERT, Etat.A_NOTIFIER, Etat.NOTIFIE, Etat.DECIDE)

ARTICLES_ETATS = {
    Etat.OUVERT: "CASF L.262-37 I",
    Etat.A_NOTIFIER: "CASF L.262-37 I (absence de motif légitime)",
    Etat.NOTIFIE: "CASF R.262-68 (procédure contradictoire)",
    Etat.DECIDE: "CASF L.262-37 et R.262-68 (décision du président du conseil départemental)",
    Etat.REMOBILISE: "CASF L.262-37 (remobilisation, versement des sommes suspendues)",
    Etat.TERMINE: "CASF R.262-68 (fin de la durée décidée)",
    Etat.MOTIF_LEGITIME: "CASF L.262-37 I (motif légitime)",
    Etat.SANS_SUITE: "CASF R.262-68 (observations retenues)",
}


class TransitionRefusee(Exception):
    """The step is refused; the message says why, in French, and nothing is written."""


@dataclass(frozen=True)
class Transition:
    code: str
    libelle: str
    depuis: tuple
    vers: str
    article: str
    decideur_seul: bool  # only a décideur des sanctions (for the PCD); else the référent or a décideur


TRANSITIONS = {
    t.code: t
    for t in (
        Transition(
            "sans_motif_legitime",
            "Constater l'absence de motif légitime",
            (Etat.OUVERT,),
            Etat.A_NOTIFIER,
            "CASF L.262-37 I",
            False,
        ),
        Transition(
            "motif_legitime",
            "Reconnaître un motif légitime et classer",
            (Etat.OUVERT,),
            Etat.MOTIF_LEGITIME,
            "CASF L.262-37 I",
            False,
        ),
        Transition(
            "notifier",
            "Notifier les faits et la sanction envisagée",
            (Etat.A_NOTIFIER,),
            Etat.NOTIFIE,
            "CASF R.262-68",
            False,
        ),
        Transition(
            "date_certaine",
            "Enregistrer l'avis de réception",
            (Etat.NOTIFIE,),
            Etat.NOTIFIE,
            "CASF R.262-68 (date certaine)",
            False,
        ),
        Transition(
            "decider",
            "Décider la sanction",
            (Etat.NOTIFIE,),
            Etat.DECIDE,
            "CASF L.262-37 et R.262-68",
            True,
        ),
        Transition(
            "decider_proposition_ft",
            "Suivre sans modification la proposition de France Travail",
            (Etat.A_NOTIFIER,),
            Etat.DECIDE,
            "CASF R.262-68 (proposition de France Travail suivie sans modification)",
            True,
        ),
        Transition(
            "sans_suite",
            "Classer sans sanction après les observations",
            (Etat.NOTIFIE,),
            Etat.SANS_SUITE,
            "CASF R.262-68",
            True,
        ),
        Transition(
            "remobiliser",
            "Lever la sanction : la personne s'est remobilisée",
            (Etat.DECIDE,),
            Etat.REMOBILISE,
            "CASF L.262-37",
            True,
        ),
        Transition(
            "terminer",
            "Constater la fin de la sanction",
            (Etat.DECIDE,),
            Etat.TERMINE,
            "CASF R.262-68",
            True,
        ),
    )
}


def transitions_possibles(etat, *, est_decideur: bool, peut_instruire: bool):
    """The transitions offered from `etat` to this user (the page shows only these)."""
    return [
        t
        for t in TRANSITIONS.values()
        if etat in t.depuis and (est_decideur if t.decideur_seul else (peut_instruire or est_decideur))
    ]


def fin_du_delai(date_certaine: datetime.date) -> datetime.date:
    """The last day the person may answer: ten days from the certain date of the notice."""
    return date_certaine + datetime.timedelta(days=DELAI_OBSERVATIONS_JOURS)


def delai_ecoule(date_certaine, aujourd_hui=None) -> bool:
    aujourd_hui = aujourd_hui or timezone.localdate()
    return date_certaine is not None and aujourd_hui > fin_du_delai(date_certaine)


# --- Checks, transition by transition ----------------------------------------------------------------


def verifier_ouverture(*, soumis_droits_devoirs: bool, dossier_ouvert_meme_manquement: bool, faits_du, faits_au):
    """Opening a file (L.262-37 I): only for a person in the rights-and-duties scope, one open file per failure."""
    if not soumis_droits_devoirs:
        raise TransitionRefusee(
            "Cette personne n'est pas soumise aux droits et devoirs du RSA : aucune sanction ne peut être engagée "
            "(article L.262-28 du CASF)."
        )
    if dossier_ouvert_meme_manquement:
        raise TransitionRefusee(
            "Un dossier est déjà ouvert pour ce même manquement. Complétez ce dossier au lieu d'en ouvrir un second."
        )
    aujourd_hui = timezone.localdate()
    if faits_au < faits_du:
        raise TransitionRefusee("La fin de la période des faits est avant son début.")
    if faits_au > aujourd_hui:
        raise TransitionRefusee("Les faits ne peuvent pas être datés dans le futur.")


def verifier_transition(dossier, code, *, est_decideur: bool, peut_instruire: bool) -> Transition:
    transition = TRANSITIONS.get(code)
    if transition is None:
        raise TransitionRefusee("Cette étape n'existe pas.")
    if dossier.etat not in transition.depuis:
        raise TransitionRefusee(
            f"Étape impossible : le dossier est « {Etat(dossier.etat).label} ». "
            f"« {transition.libelle} » n'est possible que depuis "
            + " ou ".join(f"« {Etat(e).label} »" for e in transition.depuis)
            + "."
        )
    if transition.decideur_seul and not est_decideur:
        raise TransitionRefusee("Seul un décideur des sanctions peut franchir cette étape.")
    if not transition.decideur_seul and not (peut_instruire or est_decideur):
        raise TransitionRefusee(
            "Seuls le référent de la personne et les décideurs des sanctions instruisent ce dossier."
        )
    return transition


def verifier_motif_legitime(*, raison: str):
    if not (raison or "").strip():
        raise TransitionRefusee("Écrivez ce qui a été vérifié (situation, justificatifs, échanges avec la personne).")


def verifier_notification(*, canal, envoyee_le, reference, date_certaine, envisage):
    """The notice (R.262-68): sent by a means that gives a certain date, never dated in the future, with the
    sanction envisaged (inside the scale: `envisage` was checked by `bareme.verifier`)."""
    aujourd_hui = timezone.localdate()
    if envoyee_le is None:
        raise TransitionRefusee("Indiquez la date d'envoi de la notification.")
    if envoyee_le > aujourd_hui:
        raise TransitionRefusee("La date de notification ne peut pas être dans le futur.")
    if canal == "recommande" and not (reference or "").strip():
        raise TransitionRefusee(
            "Indiquez le numéro de la lettre recommandée : c'est ce qui donne une date certaine à la notification."
        )
    if date_certaine is not None:
        verifier_date_certaine(date_certaine=date_certaine, envoyee_le=envoyee_le)


def verifier_date_certaine(*, date_certaine, envoyee_le):
    if date_certaine > timezone.localdate():
        raise TransitionRefusee("La date de réception ne peut pas être dans le futur.")
    if envoyee_le is not None and date_certaine < envoyee_le:
        raise TransitionRefusee("La date de réception ne peut pas précéder la date d'envoi.")


def verifier_decision(*, dossier, soumis_droits_devoirs: bool, a_repondu: bool):
    """The decision (L.262-37, R.262-68): the person still in the rights-and-duties scope, the contradictory step
    gone through (ten days passed since the certain date, or the person has answered), a suppression only after
    the EP opinion and never at a first failure. The scale is `bareme.verifier`'s."""
    if not soumis_droits_devoirs:
        raise TransitionRefusee(
            "Cette personne n'est plus soumise aux droits et devoirs du RSA : la sanction ne peut pas être décidée."
        )
    if dossier.date_certaine is None:
        raise TransitionRefusee(
            "La notification n'a pas encore de date certaine (avis de réception ou accusé de lecture dans l'espace "
            "personnel) : le délai de dix jours n'a pas commencé."
        )
    if not a_repondu and not delai_ecoule(dossier.date_certaine):
        raise TransitionRefusee(
            "La personne peut encore répondre : le délai de dix jours court jusqu'au "
            f"{fin_du_delai(dossier.date_certaine):%d/%m/%Y} inclus. Décidez après cette date, ou après ses "
            "observations."
        )


def verifier_suppression(*, nature, rang, avis_ep_le, motif):
    if nature != "suppression":
        return
    if rang == "premier" and motif != "refus_controle":
        raise TransitionRefusee(
            "Au premier manquement, seule une suspension est possible : la suppression suppose une persistance, "
            "une répétition ou un refus de contrôle (article L.262-37 du CASF)."
        )
    if avis_ep_le is None:
        raise TransitionRefusee(
            "Une suppression ne peut être décidée qu'après l'avis de l'équipe pluridisciplinaire : enregistrez "
            "la date et le sens de cet avis (article L.262-37 III du CASF)."
        )
    if avis_ep_le > timezone.localdate():
        raise TransitionRefusee("La date de l'avis de l'équipe pluridisciplinaire ne peut pas être dans le futur.")


def verifier_proposition_ft(*, dossier, nature, taux, duree):
    """Skipping the contradictory step: only when the PCD follows France Travail's proposal unchanged."""
    if not dossier.proposition_ft:
        raise TransitionRefusee(
            "Ce dossier ne vient pas d'une proposition de France Travail : "
            "la procédure contradictoire est obligatoire."
        )
    proposee = (dossier.proposition_ft_nature, dossier.proposition_ft_taux, dossier.proposition_ft_duree)
    if (nature, taux, duree) != proposee:
        raise TransitionRefusee(
            "La décision diffère de la proposition de France Travail : la personne doit d'abord être notifiée et "
            "pouvoir répondre dans les dix jours (article R.262-68 du CASF)."
        )


def verifier_levee(*, dossier, date, remobilisation=None):
    aujourd_hui = timezone.localdate()
    if date is None:
        raise TransitionRefusee("Indiquez la date.")
    if date > aujourd_hui:
        raise TransitionRefusee("La date ne peut pas être dans le futur.")
    if dossier.decision_effet and date < dossier.decision_effet:
        raise TransitionRefusee("La date est avant le début de la sanction.")
    if remobilisation is not None and not remobilisation.strip():
        raise TransitionRefusee("Décrivez comment la personne s'est remobilisée.")


# --- The sessions of the équipes pluridisciplinaires (CASF L.262-39) ---------------------------------------------
# One small state machine of its own: a session is prepared (files put on its agenda by theme), the people are
# convened, the session opens once the attendance reaches the quorum, the team gives one opinion per file, the
# session is raised, the président du conseil départemental decides each file, and the session is closed. Before
# it opens it may be postponed (the agenda moves to a new session) or cancelled. `sanctions.equipes` writes.

ARTICLE_EP = "CASF L.262-37 et L.262-39 (équipe pluridisciplinaire)"


class EtatSeance(models.TextChoices):
    CREEE = "creee", "Créée : ordre du jour en préparation"
    CONVOQUEE = "convoquee", "Convocations envoyées"
    OUVERTE = "ouverte", "Ouverte : quorum atteint, avis en cours"
    TENUE = "tenue", "Tenue : décisions du président attendues"
    CLOSE = "close", "Close : procès-verbal disponible"
    REPORTEE = "reportee", "Reportée"
    ANNULEE = "annulee", "Annulée"


# A file stays on the agenda of one live session at a time.
ETATS_SEANCE_VIVANTS = (EtatSeance.CREEE, EtatSeance.CONVOQUEE, EtatSeance.OUVERTE, EtatSeance.TENUE)
# The members read the files of their session from its opening time until it is raised.
ETATS_SEANCE_EN_COURS = (EtatSeance.CONVOQUEE, EtatSeance.OUVERTE)


@dataclass(frozen=True)
class TransitionSeance:
    code: str
    libelle: str
    depuis: tuple
    vers: str
    decideur_seul: bool  # the PCD's decisions; the other steps are the organisers' (décideurs and administrator)


TRANSITIONS_SEANCE = {
    t.code: t
    for t in (
        TransitionSeance(
            "inscrire", "Inscrire un dossier à l'ordre du jour", (EtatSeance.CREEE,), EtatSeance.CREEE, False
        ),
        TransitionSeance(
            "retirer", "Retirer un dossier de l'ordre du jour", (EtatSeance.CREEE,), EtatSeance.CREEE, False
        ),
        TransitionSeance("convoquer", "Convoquer les personnes", (EtatSeance.CREEE,), EtatSeance.CONVOQUEE, False),
        TransitionSeance(
            "ouvrir",
            "Enregistrer les présences et ouvrir la séance",
            (EtatSeance.CONVOQUEE,),
            EtatSeance.OUVERTE,
            False,
        ),
        TransitionSeance("avis", "Enregistrer l'avis de l'équipe", (EtatSeance.OUVERTE,), EtatSeance.OUVERTE, False),
        TransitionSeance("lever", "Lever la séance", (EtatSeance.OUVERTE,), EtatSeance.TENUE, False),
        TransitionSeance("decider", "Décision du président", (EtatSeance.TENUE,), EtatSeance.TENUE, True),
        TransitionSeance("clore", "Clore la séance", (EtatSeance.TENUE,), EtatSeance.CLOSE, False),
        TransitionSeance(
            "reporter",
            "Reporter la séance",
            (EtatSeance.CREEE, EtatSeance.CONVOQUEE),
            EtatSeance.REPORTEE,
            False,
        ),
        TransitionSeance(
            "annuler",
            "Annuler la séance",
            (EtatSeance.CREEE, EtatSeance.CONVOQUEE),
            EtatSeance.ANNULEE,
            False,
        ),
    )
}


def verifier_transition_seance(seance, code, *, est_decideur: bool, organise: bool) -> TransitionSeance:
    transition = TRANSITIONS_SEANCE.get(code)
    if transition is None:
        raise TransitionRefusee("Cette étape n'existe pas.")
    if seance.etat not in transition.depuis:
        raise TransitionRefusee(
            f"Étape impossible : la séance est « {EtatSeance(seance.etat).label} ». "
            f"« {transition.libelle} » n'est possible que depuis "
            + " ou ".join(f"« {EtatSeance(e).label} »" for e in transition.depuis)
            + "."
        )
    if transition.decideur_seul and not est_decideur:
        raise TransitionRefusee("Seul un décideur des sanctions prend la décision du président.")
    if not transition.decideur_seul and not organise:
        raise TransitionRefusee("Seuls les décideurs des sanctions et l'administrateur organisent les séances.")
    return transition


def verifier_quorum(*, presents: int, quorum: int):
    """No opinion without the quorum: the session opens only when enough members are present."""
    if presents < quorum:
        raise TransitionRefusee(
            f"Quorum non atteint : {presents} présent{'s' if presents > 1 else ''} pour {quorum} requis."
            f" La séance ne peut pas rendre d'avis : reportez-la."
        )


def verifier_avis_ep(*, nature, avis):
    """A suppression is decided only after an opinion of the team given in a session on that very file
    (L.262-37): `avis` is that opinion (a `PassageEquipe` with its opinion), or None."""
    if nature != "suppression":
        return
    if avis is None:
        raise TransitionRefusee(
            "Une suppression ne peut être décidée qu'après l'avis de l'équipe pluridisciplinaire rendu en séance sur "
            "ce dossier : inscrivez-le à une séance (thème « suppression ») et attendez son avis (article L.262-37 "
            "du CASF)."
        )
