"""The plan of action: axes de travail (one theme each) → objectifs → actions.

An axe on a sensitive theme (health, family) carries its theme's sensitivity class in its events, and their
summary never names the theme, the objective or the action.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from carnet.models import Action, AxeDeTravail, Objectif, StatutAction, StatutObjectif, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record
from spie.versioning import save_versioned


def _sensibilite(axe) -> str:
    return axe.theme.sensibilite


def _libelle(axe, text) -> str:
    """What a summary may say about an item of this axe: nothing on a sensitive theme."""
    return "(thème protégé)" if axe.theme.sensible else f"« {text} »"


@transaction.atomic
def axe_create(*, carnet, theme, auteur, structure) -> AxeDeTravail:
    if AxeDeTravail.objects.filter(carnet=carnet, theme=theme).exists():
        raise RegleMetier("Un axe de travail existe déjà sur ce thème.")
    try:
        with transaction.atomic():
            axe = AxeDeTravail.objects.create(
                departement_id=carnet.departement_id, carnet=carnet, theme=theme, created_by=auteur
            )
    except IntegrityError as error:
        # Two professionals added the same theme at the same moment: the unique constraint decides.
        raise RegleMetier("Un axe de travail existe déjà sur ce thème.") from error
    resume = "Axe de travail ajouté (thème protégé)" if theme.sensible else f"Axe de travail ajouté : {theme.libelle}"
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.AXE,
        resume=resume,
        auteur=auteur,
        structure=structure,
        sensibilite=_sensibilite(axe),
        obj=axe,
    )
    return axe


def _consent_changes(objectif, consentement, previous=None) -> str:
    """Stamp (or clear) the date of the person's agreement; return what the summary should add."""
    if consentement and not previous:
        objectif.consentement_le = timezone.now()
        objectif.desaccord_le, objectif.desaccord_commentaire = None, ""  # an agreement replaces a disagreement
        return " ; accord de la personne recueilli"
    if not consentement and previous:
        objectif.consentement_le = None
        return " ; accord de la personne retiré"
    return ""


@transaction.atomic
def objectif_create(*, axe, libelle, consentement, auteur, structure) -> Objectif:
    objectif = Objectif(
        departement_id=axe.departement_id,
        axe=axe,
        libelle=libelle,
        statut=StatutObjectif.EN_COURS,
        consentement=consentement,
        created_by=auteur,
    )
    suffix = _consent_changes(objectif, consentement)
    objectif.save()
    evenement_record(
        carnet=axe.carnet,
        type=TypeEvenement.OBJECTIF,
        resume=f"Objectif ajouté {_libelle(axe, libelle)}{suffix}",
        auteur=auteur,
        structure=structure,
        sensibilite=_sensibilite(axe),
        obj=objectif,
    )
    return objectif


@transaction.atomic
def objectif_update(*, objectif, libelle, statut, consentement, version, auteur, structure) -> Objectif:
    """Raises `VersionConflict` when someone saved the objective since `version` was read."""
    previous_consent = Objectif.objects.filter(pk=objectif.pk).values_list("consentement", flat=True).first()
    objectif.libelle, objectif.statut, objectif.consentement = libelle, statut, consentement
    suffix = _consent_changes(objectif, consentement, previous_consent)
    save_versioned(
        objectif,
        version=version,
        fields=[
            "libelle",
            "statut",
            "consentement",
            "consentement_le",
            "desaccord_le",
            "desaccord_commentaire",
        ],
    )
    axe = objectif.axe
    evenement_record(
        carnet=axe.carnet,
        type=TypeEvenement.OBJECTIF,
        resume=f"Objectif {_libelle(axe, libelle)} mis à jour : {objectif.get_statut_display().lower()}{suffix}",
        auteur=auteur,
        structure=structure,
        sensibilite=_sensibilite(axe),
        obj=objectif,
    )
    return objectif


ACTION_FIELDS = ["libelle", "statut", "date_debut", "date_fin", "structure"]


@transaction.atomic
def action_create(*, objectif, data, auteur, structure) -> Action:
    """`data` holds ACTION_FIELDS (`structure` is the structure carrying the action)."""
    action = Action.objects.create(
        departement_id=objectif.departement_id,
        objectif=objectif,
        created_by=auteur,
        **{"statut": StatutAction.EN_PROJET, **data},
    )
    axe = objectif.axe
    evenement_record(
        carnet=axe.carnet,
        type=TypeEvenement.ACTION,
        resume=f"Action ajoutée {_libelle(axe, action.libelle)} : {action.get_statut_display().lower()}",
        auteur=auteur,
        structure=structure,
        sensibilite=_sensibilite(axe),
        obj=action,
    )
    return action


@transaction.atomic
def action_update(*, action, data, version, auteur, structure) -> Action:
    """Raises `VersionConflict` when someone saved the action since `version` was read."""
    for name, value in data.items():
        setattr(action, name, value)
    save_versioned(action, version=version, fields=list(data))
    axe = action.objectif.axe
    evenement_record(
        carnet=axe.carnet,
        type=TypeEvenement.ACTION,
        resume=f"Action {_libelle(axe, action.libelle)} mise à jour : {action.get_statut_display().lower()}",
        auteur=auteur,
        structure=structure,
        sensibilite=_sensibilite(axe),
        obj=action,
    )
    return action
