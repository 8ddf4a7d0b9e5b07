"""What the person writes into their carnet from their own space: their agreement (or disagreement) on an
objective of the plan d'action, and their observations. The person has no professional account: the timeline
events have no author and say that the person wrote them."""

from django.db import transaction
from django.utils import timezone

from carnet.models import Objectif, ObservationPersonne, Sensibilite, StatutObjectif, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record, exiger_carnet_ouvert_en_base
from spie.versioning import save_versioned

OBSERVATION_LONGUEUR_MAX = 5000


def objectif_visible_par_la_personne(objectif) -> bool:
    """An objective on a protected theme (health, family) is restricted: the person's space never shows it."""
    return not objectif.axe.theme.sensible


@transaction.atomic
def objectif_avis_personne(*, objectif, accord, commentaire="", version) -> Objectif:
    """The person agrees with an objective, or says they disagree and why.

    `version` is the version of the objective the person read: if the group changed it since, nothing is written
    (`VersionConflict`), so that the person never agrees to a wording they have not seen."""
    exiger_carnet_ouvert_en_base(objectif.axe.carnet_id)
    if not objectif_visible_par_la_personne(objectif):
        raise RegleMetier("Cet objectif se discute avec votre référent, en rendez-vous.")
    if objectif.statut != StatutObjectif.EN_COURS:
        raise RegleMetier("Cet objectif n'est plus en cours : votre avis n'est plus demandé.")
    commentaire = (commentaire or "").strip()
    now = timezone.now()
    if accord:
        objectif.consentement, objectif.consentement_le = True, now
        objectif.desaccord_le, objectif.desaccord_commentaire = None, ""
        resume = f"Objectif « {objectif.libelle} » : accord donné par la personne depuis son espace"
    else:
        if not commentaire:
            raise RegleMetier("Dites en quelques mots pourquoi vous n'êtes pas d'accord.")
        objectif.consentement, objectif.consentement_le = False, None
        objectif.desaccord_le, objectif.desaccord_commentaire = now, commentaire[:2000]
        resume = f"Objectif « {objectif.libelle} » : la personne n'est pas d'accord (depuis son espace)"
    save_versioned(
        objectif,
        version=version,
        fields=["consentement", "consentement_le", "desaccord_le", "desaccord_commentaire"],
    )
    evenement_record(carnet=objectif.axe.carnet, type=TypeEvenement.OBJECTIF, resume=resume, obj=objectif)
    return objectif


@transaction.atomic
def observation_envoyer(
    *,
    carnet,
    texte,
    demande_audition=False,
    objet_type="",
    objet_uid=None,
    date_limite=None,
    sensibilite=Sensibilite.GENERALE,
) -> ObservationPersonne:
    """Record the person's observations, dated on receipt. `date_limite` (an aware datetime), when the
    observations answer something with a period (a sanction notice: 10 days), refuses them once it has passed.
    `sensibilite` is the timeline event's (restricted for an answer to a sanction notice: the group never sees it)."""
    texte = (texte or "").strip()
    if not texte and not demande_audition:
        raise RegleMetier("Écrivez vos observations, ou cochez « Je demande à être reçu(e) ».")
    if len(texte) > OBSERVATION_LONGUEUR_MAX:
        raise RegleMetier(f"Votre message est trop long : {OBSERVATION_LONGUEUR_MAX} caractères au plus.")
    if date_limite is not None and timezone.now() > date_limite:
        raise RegleMetier(
            f"Le délai pour répondre est passé depuis le {timezone.localtime(date_limite):%d/%m/%Y à %H:%M}. "
            "Votre message n'est pas envoyé. Appelez votre référent."
        )
    observation = ObservationPersonne.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        objet_type=objet_type,
        objet_uid=objet_uid,
        texte=texte,
        demande_audition=demande_audition,
    )
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.OBSERVATION,
        resume="Observations envoyées par la personne depuis son espace"
        + (" ; elle demande à être reçue" if demande_audition else ""),
        sensibilite=sensibilite,
        obj=observation,
    )
    return observation


def observation_marquer_lue(*, observation, lecteur) -> ObservationPersonne:
    """The référent acknowledges the observations (once: the first reading is the one kept)."""
    now = timezone.now()
    updated = ObservationPersonne.objects.filter(pk=observation.pk, lue_le=None).update(lue_le=now, lue_par=lecteur)
    if not updated:
        raise RegleMetier("Ces observations sont déjà marquées comme lues.")
    observation.lue_le, observation.lue_par = now, lecteur
    return observation
