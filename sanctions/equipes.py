"""The équipes pluridisciplinaires (CASF L.262-39) and their sessions: the only code that writes their tables.

An EP belongs to one territory of the département, with its members (a user of the platform, or an external person
named in the minutes), the structure and quality each represents, and its quorum. A session walks the small state
machine of `sanctions.etats` (`TRANSITIONS_SEANCE`): files put on the agenda by theme, the people convened (a letter
in their personal space), attendance recorded and the quorum checked, one opinion per file, the session raised, the
président's decision per file, the session closed; or postponed (the agenda moves to a new session) or cancelled.

Each step locks the session, runs the checks, then writes the session, its files, the sanction file's step when the
file is a sanction file's, and the carnet's timeline event (restricted) in one transaction: a refused step leaves
nothing behind. The opinion given here is what `sanctions.services` requires before a suppression.
"""

import datetime
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import Sensibilite, TypeEvenement
from sanctions.etats import (
    ARTICLE_EP,
    ETATS_SEANCE_VIVANTS,
    EtatSeance,
    TransitionRefusee,
    verifier_quorum,
    verifier_suppression,
    verifier_transition_seance,
)
from sanctions.models import (
    DossierManquement,
    EquipePluridisciplinaire,
    Etat,
    MembreEquipe,
    PassageEquipe,
    PresenceSeance,
    SeanceEquipe,
    SensAvis,
    SensDecision,
    ThemePassage,
)

# A session may open a little before its scheduled time (the members are there), never the day before.
OUVERTURE_AVANCE = datetime.timedelta(hours=1)
# The sanction files a session may examine for a suppression: notified or about to be, not yet decided.
ETATS_DOSSIER_EXAMINABLES = (Etat.A_NOTIFIER, Etat.NOTIFIE)


def _texte(valeur) -> str:
    return (valeur or "").strip()


def _le(instant) -> str:
    return f"{timezone.localtime(instant):%d/%m/%Y à %H:%M}"


# --- Teams and members ------------------------------------------------------------------------------------------


@transaction.atomic
def equipe_enregistrer(*, departement_id, data, equipe=None) -> EquipePluridisciplinaire:
    """Create or change an EP. `data`: nom, territoire, quorum, lieu, active."""
    nom = _texte(data.get("nom"))
    if not nom:
        raise TransitionRefusee("Donnez un nom à l'équipe.")
    territoire = data.get("territoire")
    if territoire is None or territoire.departement_id != departement_id:
        raise TransitionRefusee("Choisissez un territoire du département.")
    quorum = data.get("quorum")
    if not quorum or quorum < 1:
        raise TransitionRefusee("Le quorum est d'au moins un membre présent.")
    if equipe is None:
        equipe = EquipePluridisciplinaire(departement_id=departement_id)
    else:
        equipe = EquipePluridisciplinaire.objects.select_for_update().get(pk=equipe.pk)
        equipe.version += 1
    equipe.nom, equipe.territoire, equipe.quorum = nom, territoire, quorum
    equipe.lieu = _texte(data.get("lieu"))
    equipe.active = data.get("active", True)
    try:
        with transaction.atomic():
            equipe.save()
    except IntegrityError as exc:
        raise TransitionRefusee("Une autre équipe du département porte déjà ce nom.") from exc
    return equipe


@transaction.atomic
def membre_ajouter(*, equipe, data) -> MembreEquipe:
    """Add a member. `data`: user (a professional of the département) or nom (an external person), structure,
    qualite."""
    user, nom = data.get("user"), _texte(data.get("nom"))
    if user is None and not nom:
        raise TransitionRefusee(
            "Choisissez un utilisateur de la plateforme ou écrivez le nom d'une personne extérieure."
        )
    if user is not None and nom:
        raise TransitionRefusee("Choisissez un utilisateur ou une personne extérieure, pas les deux.")
    structure = _texte(data.get("structure"))
    if not structure:
        raise TransitionRefusee("Indiquez la structure que représente ce membre.")
    if not data.get("qualite"):
        raise TransitionRefusee("Indiquez la qualité de ce membre.")
    if user is not None and equipe.membres.filter(user=user, actif=True).exists():
        raise TransitionRefusee("Cette personne est déjà membre de l'équipe.")
    return MembreEquipe.objects.create(
        departement_id=equipe.departement_id,
        equipe=equipe,
        user=user,
        nom=nom,
        structure=structure,
        qualite=data["qualite"],
    )


@transaction.atomic
def membre_retirer(*, membre) -> MembreEquipe:
    """A member leaves: kept for the minutes of past sessions, no longer counted nor given access."""
    membre.actif = False
    membre.save(update_fields=["actif"])
    return membre


# --- Sessions ---------------------------------------------------------------------------------------------------


@transaction.atomic
def seance_creer(*, equipe, date_heure, lieu, auteur) -> SeanceEquipe:
    if not equipe.active:
        raise TransitionRefusee("Cette équipe n'est plus active : elle ne tient plus de séance.")
    if date_heure is None or date_heure <= timezone.now():
        raise TransitionRefusee("La séance doit être prévue dans le futur.")
    lieu = _texte(lieu) or equipe.lieu
    if not lieu:
        raise TransitionRefusee("Indiquez le lieu de la séance : il figure sur la convocation des personnes.")
    return SeanceEquipe.objects.create(
        departement_id=equipe.departement_id, equipe=equipe, date_heure=date_heure, lieu=lieu, created_by=auteur
    )


def _verrouiller(seance):
    return SeanceEquipe.objects.select_for_update(of=("self",)).select_related("equipe").get(pk=seance.pk)


def _evenement(passage, resume, *, auteur=None, structure=None):
    """The step in the carnet's timeline (restricted: the group never sees it); for a sanction file, a step of the
    file as well (its history and the court file read them)."""
    if passage.dossier_id:
        from sanctions.services import _etape

        dossier = passage.dossier
        _etape(
            dossier,
            transition="equipe_pluridisciplinaire",
            avant=dossier.etat,
            resume=f"équipe pluridisciplinaire : {resume}",
            auteur=auteur,
            structure=structure,
            article=ARTICLE_EP,
        )
        return
    carnet_services.evenement_record(
        carnet=passage.carnet,
        type=TypeEvenement.ORIENTATION,
        resume=f"Équipe pluridisciplinaire : {resume}"[:255],
        auteur=auteur,
        structure=structure,
        sensibilite=Sensibilite.JUSTICE,
        obj=passage,
    )


def _passage(seance, data) -> PassageEquipe:
    passage = data.get("passage")
    if passage is None or passage.seance_id != seance.pk:
        raise TransitionRefusee("Choisissez un dossier de l'ordre du jour de cette séance.")
    return PassageEquipe.objects.select_for_update(of=("self",)).select_related("carnet", "dossier").get(pk=passage.pk)


def _inscrire(seance, data, auteur, structure):
    theme, carnet, dossier = data.get("theme"), data.get("carnet"), data.get("dossier")
    if theme not in ThemePassage.values:
        raise TransitionRefusee("Choisissez le thème du dossier.")
    if dossier is not None:
        dossier = DossierManquement.objects.select_for_update(of=("self",)).select_related("carnet").get(pk=dossier.pk)
        if carnet is not None and carnet.pk != dossier.carnet_id:
            raise TransitionRefusee("Ce dossier de manquement n'est pas celui de cette personne.")
        carnet = dossier.carnet
    if carnet is None:
        raise TransitionRefusee("Choisissez la personne dont le dossier est présenté.")
    if theme == ThemePassage.SUPPRESSION:
        if dossier is None:
            raise TransitionRefusee("Une suppression s'examine sur un dossier de manquement : choisissez-le.")
        if dossier.etat not in ETATS_DOSSIER_EXAMINABLES:
            raise TransitionRefusee(
                f"Le dossier de manquement est « {Etat(dossier.etat).label} » : l'équipe examine une suppression "
                "avant la décision, sur un dossier sans motif légitime."
            )
        # Only files where a suppression is possible at all (persistence, repetition or refusal of controls).
        verifier_suppression(
            nature="suppression", rang=dossier.rang, avis_ep_le=timezone.localdate(), motif=dossier.motif
        )
    if dossier is not None and (
        PassageEquipe.objects.filter(dossier=dossier, seance__etat__in=ETATS_SEANCE_VIVANTS)
        .exclude(seance=seance)
        .exists()
    ):
        raise TransitionRefusee("Ce dossier est déjà à l'ordre du jour d'une autre séance en préparation ou en cours.")
    communes = set(seance.equipe.territoire.communes.values_list("pk", flat=True))
    if communes and carnet.beneficiaire.commune_id not in communes:
        raise TransitionRefusee(
            f"Cette personne n'habite pas le territoire « {seance.equipe.territoire.nom} » : présentez son dossier "
            "à l'équipe de son territoire."
        )
    question = _texte(data.get("question"))
    if not question:
        raise TransitionRefusee("Écrivez la question posée à l'équipe (ce sur quoi son avis est demandé).")
    try:
        with transaction.atomic():
            passage = PassageEquipe.objects.create(
                departement_id=seance.departement_id,
                seance=seance,
                theme=theme,
                carnet=carnet,
                dossier=dossier,
                question=question,
                created_by=auteur,
            )
    except IntegrityError as exc:
        raise TransitionRefusee("Cette personne est déjà à l'ordre du jour de cette séance.") from exc
    _evenement(
        passage,
        f"dossier inscrit à la séance du {_le(seance.date_heure)} ({passage.get_theme_display().lower()})",
        auteur=auteur,
        structure=structure,
    )
    return f"dossier inscrit ({passage.get_theme_display().lower()})"


def _convoquer(seance, auteur, structure):
    passages = list(seance.passages.select_related("carnet", "dossier"))
    if not passages:
        raise TransitionRefusee("L'ordre du jour est vide : inscrivez au moins un dossier avant de convoquer.")
    if seance.date_heure <= timezone.now():
        raise TransitionRefusee("La date de la séance est passée : reportez-la à une nouvelle date.")
    if not seance.equipe.membres.filter(actif=True).exists():
        raise TransitionRefusee("L'équipe n'a aucun membre : ajoutez ses membres avant de convoquer.")
    now = timezone.now()
    seance.convoquee_le = now
    for passage in passages:
        passage.convocation_envoyee_le = now
        passage.save(update_fields=["convocation_envoyee_le"])
        _evenement(
            passage,
            f"convocation à la séance du {_le(seance.date_heure)} mise dans l'espace personnel",
            auteur=auteur,
            structure=structure,
        )
    return f"{len(passages)} personne{'s' if len(passages) > 1 else ''} convoquée{'s' if len(passages) > 1 else ''}"


def _ouvrir(seance, data):
    """Attendance of every active member (`data["presents"]`: the members present) and the quorum."""
    if timezone.now() < seance.date_heure - OUVERTURE_AVANCE:
        raise TransitionRefusee(
            f"La séance est prévue le {_le(seance.date_heure)} : elle s'ouvre au plus tôt une heure avant."
        )
    membres = list(seance.equipe.membres.filter(actif=True))
    presents = {m.pk for m in data.get("presents") or []}
    if presents - {m.pk for m in membres}:
        raise TransitionRefusee("Seuls les membres de l'équipe peuvent être présents.")
    verifier_quorum(presents=len(presents), quorum=seance.equipe.quorum)
    PresenceSeance.objects.bulk_create(
        [
            PresenceSeance(departement_id=seance.departement_id, seance=seance, membre=m, present=m.pk in presents)
            for m in membres
        ]
    )
    seance.ouverte_le = timezone.now()
    return f"séance ouverte : {len(presents)} membres présents, quorum de {seance.equipe.quorum} atteint"


def _avis(seance, data, auteur, structure):
    passage = _passage(seance, data)
    if passage.avis_le is not None:
        raise TransitionRefusee("L'équipe a déjà donné son avis sur ce dossier.")
    sens, texte = data.get("sens"), _texte(data.get("texte"))
    if sens not in SensAvis.values:
        raise TransitionRefusee("Choisissez le sens de l'avis.")
    if not texte:
        raise TransitionRefusee("Écrivez l'avis motivé de l'équipe : il figure au procès-verbal.")
    passage.avis_sens, passage.avis_texte, passage.avis_le = sens, texte, timezone.now()
    passage.personne_presente = bool(data.get("personne_presente"))
    passage.save(update_fields=["avis_sens", "avis_texte", "avis_le", "personne_presente"])
    _evenement(
        passage, f"avis {passage.get_avis_sens_display().lower()} rendu en séance", auteur=auteur, structure=structure
    )
    return f"avis rendu ({passage.get_avis_sens_display().lower()})"


def _lever(seance):
    sans_avis = seance.passages.filter(avis_le__isnull=True).count()
    if sans_avis:
        raise TransitionRefusee(
            f"{sans_avis} dossier{'s' if sans_avis > 1 else ''} sans avis : l'équipe donne un avis sur chaque dossier "
            "avant de lever la séance."
        )
    seance.levee_le = timezone.now()
    return "séance levée"


def _decider(seance, data, auteur, structure):
    passage = _passage(seance, data)
    if passage.decide_le is not None:
        raise TransitionRefusee("Le président a déjà décidé sur ce dossier.")
    sens, texte = data.get("sens"), _texte(data.get("texte"))
    if sens not in SensDecision.values:
        raise TransitionRefusee("Dites si le président suit l'avis de l'équipe.")
    if not texte:
        raise TransitionRefusee("Écrivez la décision du président : elle figure au procès-verbal.")
    passage.decision_sens, passage.decision_texte = sens, texte
    passage.decide_le, passage.decideur = timezone.now(), auteur
    passage.save(update_fields=["decision_sens", "decision_texte", "decide_le", "decideur"])
    suit = "suit" if sens == SensDecision.CONFORME else "ne suit pas"
    _evenement(passage, f"décision du président (il {suit} l'avis de l'équipe)", auteur=auteur, structure=structure)
    return "décision du président enregistrée"


def _clore(seance):
    sans_decision = seance.passages.filter(decide_le__isnull=True).count()
    if sans_decision:
        raise TransitionRefusee(
            f"{sans_decision} dossier{'s' if sans_decision > 1 else ''} sans décision du président : la séance se "
            "clôt une fois chaque dossier décidé."
        )
    seance.close_le = timezone.now()
    return "séance close"


def _reporter(seance, data, auteur, structure):
    raison = _texte(data.get("raison"))
    if not raison:
        raise TransitionRefusee("Écrivez la raison du report.")
    nouvelle = seance_creer(
        equipe=seance.equipe, date_heure=data.get("date_heure"), lieu=data.get("lieu") or seance.lieu, auteur=auteur
    )
    for ancien in seance.passages.select_related("carnet", "dossier"):
        passage = PassageEquipe.objects.create(
            departement_id=seance.departement_id,
            seance=nouvelle,
            theme=ancien.theme,
            carnet=ancien.carnet,
            dossier=ancien.dossier,
            question=ancien.question,
            created_by=auteur,
        )
        _evenement(
            passage,
            f"séance du {_le(seance.date_heure)} reportée au {_le(nouvelle.date_heure)} : une nouvelle convocation "
            "suivra",
            auteur=auteur,
            structure=structure,
        )
    seance.raison_fin, seance.reportee_vers = raison, nouvelle
    return f"séance reportée au {_le(nouvelle.date_heure)}"


def _annuler(seance, data, auteur, structure):
    raison = _texte(data.get("raison"))
    if not raison:
        raise TransitionRefusee("Écrivez la raison de l'annulation.")
    for passage in seance.passages.select_related("carnet", "dossier"):
        _evenement(passage, f"séance du {_le(seance.date_heure)} annulée", auteur=auteur, structure=structure)
    seance.raison_fin = raison
    return "séance annulée"


@transaction.atomic
def seance_franchir(*, seance, code, data, auteur, structure, est_decideur, organise) -> tuple:
    """Cross one step of a session (`sanctions.etats.TRANSITIONS_SEANCE[code]`) with the data of its form; returns
    (the session, a plain-language summary of what was done)."""
    seance = _verrouiller(seance)
    transition = verifier_transition_seance(seance, code, est_decideur=est_decideur, organise=organise)
    if code == "inscrire":
        resume = _inscrire(seance, data, auteur, structure)
    elif code == "retirer":
        passage = _passage(seance, data)
        _evenement(
            passage, f"dossier retiré de la séance du {_le(seance.date_heure)}", auteur=auteur, structure=structure
        )
        passage.delete()
        resume = "dossier retiré de l'ordre du jour"
    elif code == "convoquer":
        resume = _convoquer(seance, auteur, structure)
    elif code == "ouvrir":
        resume = _ouvrir(seance, data)
    elif code == "avis":
        resume = _avis(seance, data, auteur, structure)
    elif code == "lever":
        resume = _lever(seance)
    elif code == "decider":
        resume = _decider(seance, data, auteur, structure)
    elif code == "clore":
        resume = _clore(seance)
    elif code == "reporter":
        resume = _reporter(seance, data, auteur, structure)
    elif code == "annuler":
        resume = _annuler(seance, data, auteur, structure)
    else:  # pragma: no cover - every code of TRANSITIONS_SEANCE is handled above
        raise TransitionRefusee("Cette étape n'existe pas.")
    seance.etat = transition.vers
    seance.version += 1
    seance.save()
    return seance, resume


# --- Reads for the other modules ------------------------------------------------------------------------------


def avis_en_seance(dossier):
    """The latest opinion given in a session on this sanction file (None without one): what a suppression needs."""
    return (
        PassageEquipe.objects.filter(dossier=dossier, avis_le__isnull=False)
        .select_related("seance__equipe")
        .order_by("-avis_le")
        .first()
    )


def avis_en_clair(passage) -> str:
    """The opinion as the sanction file keeps it (its free-text fields, read by its letters)."""
    return (
        f"{passage.get_avis_sens_display()} (séance du {timezone.localtime(passage.seance.date_heure):%d/%m/%Y}, "
        f"{passage.seance.equipe.nom}) : {passage.avis_texte}"
    )


def convocations_de_la_personne(carnet):
    """The convocations put in the person's space (whatever became of the session)."""
    return PassageEquipe.objects.filter(carnet=carnet, convocation_envoyee_le__isnull=False).select_related(
        "seance__equipe"
    )


def seances_tenues(*, debut: datetime.date, fin: datetime.date) -> dict:
    """Sessions held (opened) between two days included, and what they produced: the files examined by theme, the
    opinions by direction, the président's decisions (following the opinion or not). Counts only."""
    seances = SeanceEquipe.objects.filter(
        ouverte_le__date__gte=debut, ouverte_le__date__lte=fin, etat__in=(EtatSeance.TENUE, EtatSeance.CLOSE)
    )
    passages = PassageEquipe.objects.filter(seance__in=seances, avis_le__isnull=False)

    def par(champ):
        return Counter(dict(passages.exclude(**{champ: ""}).values_list(champ).annotate(n=Count("id")).order_by()))

    return {
        "seances": seances.count(),
        "dossiers_examines": passages.count(),
        "par_theme": dict(par("theme")),
        "avis": dict(par("avis_sens")),
        "decisions": dict(par("decision_sens")),
    }
