"""Evaluation of their accompaniment by the people accompanied: sending, answering, aggregating.

30 days after an orientation decision and at the end of a contract, the person receives a single-use link
(no account). The answers are stored apart from the person (see `ReponseQuestionnaire`) and only read
aggregated, per structure and per territory, with at least `SEUIL_ANONYMAT` answers per group.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone

from carnet.models import Contrat, StatutContrat
from orientation.models import Orientation, StatutOrientation
from spie.models import Territoire
from spie.tenancy import departement_scope
from suivi import outbox
from suivi.models import QUESTIONS, Canal, MotifQuestionnaire, Questionnaire, ReponseQuestionnaire, hash_jeton
from suivi.services.base import aujourd_hui, lien_absolu, regles_du_departement, rendre, utilise_son_espace

SEUIL_ANONYMAT = 5
VALIDITE = datetime.timedelta(days=30)
# Orientation decided between 30 and 45 days ago; contracts ended in the last 15 days: a run that was missed
# catches up, while a first deployment does not write to everyone whose contract ended years ago.
APRES_ORIENTATION = datetime.timedelta(days=30)
FENETRE = datetime.timedelta(days=15)


class QuestionnaireInvalide(Exception):
    """The link is unknown, already used or expired; the message says so in plain French."""


# --- Sending --------------------------------------------------------------------------------


def _territoire_de(beneficiaire):
    if not beneficiaire.commune_id:
        return None
    return Territoire.objects.filter(communes=beneficiaire.commune_id).order_by("nom").first()


def questionnaire_creer(*, carnet, motif, cle, structure) -> Questionnaire | None:
    """Create the questionnaire of an event once and queue its e-mail; None when nothing was created.

    A person without an e-mail address who uses their own space gets the questionnaire there only (the
    space lists the open questionnaires); a person with neither is not asked.
    """
    personne = carnet.beneficiaire
    if Questionnaire.objects.filter(cle=cle).exists():
        return None
    if not personne.courriel and not utilise_son_espace(personne):
        return None
    token = Questionnaire.new_token()
    now = timezone.now()
    questionnaire = Questionnaire(
        departement_id=carnet.departement_id,
        carnet=carnet,
        motif=motif,
        cle=cle,
        structure=structure,
        territoire=_territoire_de(personne),
        envoye_le=now,
        expire_le=now + VALIDITE,
    )
    questionnaire.set_token(token)
    try:
        with transaction.atomic():
            questionnaire.save()
    except IntegrityError:  # another run created it in the meantime
        return None
    if not personne.courriel:
        return questionnaire
    # The clear token only exists in the e-mail; the outbox erases the link once the e-mail is sent.
    lien = lien_absolu(reverse("evaluation:repondre", kwargs={"token": token}))
    context = {"questionnaire": questionnaire, "lien": lien, "structure": structure}
    outbox.mettre_en_file(
        departement_id=carnet.departement_id,
        canal=Canal.EMAIL,
        destinataire=personne.courriel,
        sujet="Votre avis sur votre accompagnement",
        corps=rendre("suivi/emails/questionnaire.txt", context),
        cle=f"questionnaire:{cle}",
    )
    return questionnaire


def contrats_termines(*, jour=None):
    """Contracts that ended recently and were not renewed (a renewal continues the accompaniment)."""
    jour = aujourd_hui(jour)
    depuis = jour - FENETRE
    return (
        Contrat.objects.filter(
            Q(statut=StatutContrat.TERMINE, termine_le__gte=depuis, termine_le__lte=jour)
            | Q(statut=StatutContrat.SIGNE, date_fin__gte=depuis, date_fin__lt=jour),
            renouvellement__isnull=True,
        )
        .select_related("carnet__beneficiaire", "structure")
        .order_by("pk")
    )


def orientations_a_evaluer(*, jour=None):
    """Orientation decisions validated 30 days ago (the person is asked how it went)."""
    fin = timezone.make_aware(datetime.datetime.combine(aujourd_hui(jour), datetime.time.min)) - APRES_ORIENTATION
    return list(
        Orientation.objects.filter(statut=StatutOrientation.VALIDEE, decidee_le__lt=fin, decidee_le__gte=fin - FENETRE)
        .select_related("carnet__beneficiaire", "structure")
        .order_by("pk")
    )


def questionnaires_envoyer(*, departement, jour=None) -> int:
    """Create the questionnaires due in the département; idempotent (one per source event)."""
    if not regles_du_departement(departement).evaluations_actives:
        return 0
    created = 0
    for contrat in contrats_termines(jour=jour):
        with transaction.atomic():
            created += bool(
                questionnaire_creer(
                    carnet=contrat.carnet,
                    motif=MotifQuestionnaire.FIN_CONTRAT,
                    cle=f"contrat:{contrat.uid}",
                    structure=contrat.structure,
                )
            )
    for orientation in orientations_a_evaluer(jour=jour):
        with transaction.atomic():
            created += bool(
                questionnaire_creer(
                    carnet=orientation.carnet,
                    motif=MotifQuestionnaire.ORIENTATION,
                    cle=f"orientation:{orientation.uid}",
                    structure=getattr(orientation, "structure", None),
                )
            )
    return created


# --- Answering (public link, no account) ---------------------------------------------------


def _trouver(token, *, verrouiller=False):
    # A public link arrives without a logged-in user, hence without a scope: the hash is unique across
    # départements, and everything after this lookup happens in the questionnaire's own département.
    queryset = Questionnaire.unscoped_objects.select_related("structure")
    if verrouiller:
        queryset = queryset.select_for_update(of=("self",))
    questionnaire = queryset.filter(token_hash=hash_jeton(token)).first()
    if questionnaire is None:
        raise QuestionnaireInvalide("Ce lien n'est pas valide. Vérifiez qu'il est complet dans votre message.")
    if questionnaire.repondu_le:
        raise QuestionnaireInvalide("Vous avez déjà répondu à ce questionnaire. Merci pour votre participation.")
    if questionnaire.expire_le <= timezone.now():
        raise QuestionnaireInvalide("Ce questionnaire a expiré : il n'est plus possible d'y répondre.")
    return questionnaire


def questionnaire_trouver(token) -> Questionnaire:
    """The questionnaire behind a link (a GET: nothing is written), or QuestionnaireInvalide."""
    return _trouver(token)


@transaction.atomic
def questionnaire_repondre(*, token, reponses: dict) -> None:
    """Consume the link and store the answers apart from the person, atomically (the row is locked)."""
    _enregistrer(_trouver(token, verrouiller=True), reponses)


# --- Answering from the person's own space (no link: the person is logged in) ---------------


def questionnaires_ouverts(carnet):
    """The questionnaires of the person's carnet still waiting for an answer (the person's space lists them)."""
    return (
        Questionnaire.objects.filter(carnet=carnet, repondu_le=None, expire_le__gt=timezone.now())
        .select_related("structure")
        .order_by("envoye_le", "pk")
    )


@transaction.atomic
def questionnaire_repondre_espace(*, questionnaire, reponses: dict) -> None:
    """The same answer as through the e-mailed link, for a person logged in to their space: the e-mailed link
    is consumed with it (one answer per questionnaire, whichever way comes first)."""
    row = Questionnaire.objects.select_for_update(of=("self",)).select_related("structure").get(pk=questionnaire.pk)
    if row.repondu_le:
        raise QuestionnaireInvalide("Vous avez déjà répondu à ce questionnaire. Merci pour votre participation.")
    if row.expire_le <= timezone.now():
        raise QuestionnaireInvalide("Ce questionnaire a expiré : il n'est plus possible d'y répondre.")
    _enregistrer(row, reponses)


def _enregistrer(questionnaire, reponses):
    with departement_scope(questionnaire.departement_id):
        now = timezone.now()
        Questionnaire.objects.filter(pk=questionnaire.pk).update(repondu_le=now)
        ReponseQuestionnaire.objects.create(
            departement_id=questionnaire.departement_id,
            motif=questionnaire.motif,
            structure_id=questionnaire.structure_id,
            territoire_id=questionnaire.territoire_id,
            mois=timezone.localdate(now).replace(day=1),
            commentaire=(reponses.get("commentaire") or "").strip(),
            **{name: int(reponses[name]) for name, _ in QUESTIONS},
        )


# --- Aggregates -----------------------------------------------------------------------------


@dataclass
class Groupe:
    libelle: str
    nombre: int
    moyennes: list = field(default_factory=list)
    moyenne: float | None = None

    @property
    def visible(self):
        return self.nombre >= SEUIL_ANONYMAT


@dataclass
class Agregats:
    seuil: int
    total: Groupe
    structures: list
    territoires: list
    questions: list = field(default_factory=lambda: [label for _, label in QUESTIONS])

    @property
    def ensemble(self):
        return [self.total]


_MOYENNES = {f"m_{name}": Avg(name) for name, _ in QUESTIONS}


def _groupe(libelle, row):
    nombre = row["nombre"]
    if nombre < SEUIL_ANONYMAT:
        # Below the threshold nothing but the fact is shown: not even the exact count.
        return Groupe(libelle=libelle, nombre=nombre)
    moyennes = [round(row[f"m_{name}"], 1) for name, _ in QUESTIONS]
    return Groupe(libelle=libelle, nombre=nombre, moyennes=moyennes, moyenne=round(sum(moyennes) / len(moyennes), 1))


def _par(queryset, cle, libelle, defaut):
    rows = queryset.values(cle, libelle).annotate(nombre=Count("pk"), **_MOYENNES).order_by(libelle, cle)
    return [_groupe(row[libelle] or defaut, row) for row in rows]


def agregats_evaluations(departement, periode, *, structure=None) -> Agregats:
    """Counts and mean scores of the answers of a period (`periode`: first and last day, or None for all),
    per structure and per territory; groups under `SEUIL_ANONYMAT` answers show no score.

    With `structure`, only that structure's answers (what its manager may see).
    """
    with departement_scope(departement):
        queryset = ReponseQuestionnaire.objects.all()
        if periode is not None:
            debut, fin = periode
            queryset = queryset.filter(mois__gte=debut.replace(day=1), mois__lte=fin)
        if structure is not None:
            queryset = queryset.filter(structure=structure)
        total = queryset.aggregate(nombre=Count("pk"), **_MOYENNES)
        return Agregats(
            seuil=SEUIL_ANONYMAT,
            total=_groupe("Ensemble", total),
            structures=_par(queryset, "structure_id", "structure__nom", "Structure non renseignée"),
            territoires=[]
            if structure is not None
            else _par(queryset, "territoire_id", "territoire__nom", "Hors territoire défini"),
        )


def commentaires(departement, periode, *, structure):
    """Free comments of a structure, for the département's administrators only, when the structure has enough
    answers; sorted by text so that their order says nothing about when (or by whom) they were written."""
    with departement_scope(departement):
        queryset = ReponseQuestionnaire.objects.filter(structure=structure)
        if periode is not None:
            queryset = queryset.filter(mois__gte=periode[0].replace(day=1), mois__lte=periode[1])
        if queryset.count() < SEUIL_ANONYMAT:
            return []
        return list(queryset.exclude(commentaire="").order_by("commentaire").values_list("commentaire", flat=True))


def taux_de_reponse(departement, periode) -> dict:
    with departement_scope(departement):
        queryset = Questionnaire.objects.exclude(envoye_le=None)
        if periode is not None:
            debut, fin = periode
            queryset = queryset.filter(envoye_le__date__gte=debut, envoye_le__date__lte=fin)
        counts = queryset.aggregate(envoyes=Count("pk"), repondus=Count("pk", filter=Q(repondu_le__isnull=False)))
    counts["taux"] = round(100 * counts["repondus"] / counts["envoyes"]) if counts["envoyes"] else None
    return counts
