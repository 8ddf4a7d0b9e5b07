"""Appointments and contracts of a carnet.

Every write refreshes the carnet's portfolio dates (`carnet_refresh_dates`) and records an event.
A contract goes brouillon → signé → terminé; a renewal is a new row (`precedent`, version + 1)
and ends the previous one, so the history is never rewritten.
"""

import datetime

from django.db import transaction
from django.utils import formats, timezone

from carnet.models import Contrat, RendezVous, Sortie, StatutContrat, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record
from carnet.services.notes import carnet_refresh_dates
from spie.versioning import save_versioned

# --- Rendez-vous ----------------------------------------------------------------------------


def _rdv_resume(rendez_vous, verbe) -> str:
    # The purpose (`objet`) is free text and may be sensitive: the timeline only gets date, mode and status.
    quand = formats.date_format(timezone.localtime(rendez_vous.date_heure), "d/m/Y à H:i")
    return (
        f"Rendez-vous du {quand} {verbe} ({rendez_vous.get_mode_display().lower()}, "
        f"{rendez_vous.get_statut_display().lower()})"
    )


@transaction.atomic
def rendez_vous_create(*, carnet, data, auteur, structure) -> RendezVous:
    """`auteur` is the person who acts; None when a structure acts (partner API): the event is then the
    structure's and the appointment is recorded as created by its professional (`data["professionnel"]`)."""
    rendez_vous = RendezVous.objects.create(
        departement_id=carnet.departement_id, carnet=carnet, created_by=auteur or data["professionnel"], **data
    )
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.RENDEZ_VOUS,
        resume=_rdv_resume(rendez_vous, "planifié"),
        auteur=auteur,
        structure=structure,
        obj=rendez_vous,
    )
    carnet_refresh_dates(carnet)
    return rendez_vous


@transaction.atomic
def rendez_vous_update(*, rendez_vous, data, version, auteur, structure) -> RendezVous:
    """Raises `VersionConflict` when someone saved the appointment since `version` was read.
    `auteur` is None when a structure acts (partner API)."""
    for name, value in data.items():
        setattr(rendez_vous, name, value)
    save_versioned(rendez_vous, version=version, fields=list(data))
    evenement_record(
        carnet=rendez_vous.carnet,
        type=TypeEvenement.RENDEZ_VOUS,
        resume=_rdv_resume(rendez_vous, "mis à jour"),
        auteur=auteur,
        structure=structure,
        obj=rendez_vous,
    )
    carnet_refresh_dates(rendez_vous.carnet)
    return rendez_vous


# --- Contrats -------------------------------------------------------------------------------

MODIFIER, SIGNER, TERMINER, RENOUVELER = "modifier", "signer", "terminer", "renouveler"

# The whole lifecycle of a contract: what may be done in each status. Views show only these actions.
CONTRAT_TRANSITIONS = {
    StatutContrat.BROUILLON: frozenset({MODIFIER, SIGNER}),
    StatutContrat.SIGNE: frozenset({TERMINER, RENOUVELER}),
    StatutContrat.TERMINE: frozenset({RENOUVELER}),
}

REFUS = {
    MODIFIER: "Seul un contrat en brouillon peut être modifié.",
    SIGNER: "Seul un contrat en brouillon peut être signé.",
    TERMINER: "Seul un contrat signé peut être terminé.",
    RENOUVELER: "Seul un contrat signé ou terminé, pas encore renouvelé, peut être renouvelé.",
}


def contrat_actions_permises(contrat) -> frozenset:
    """The actions allowed on this contract now; a contract is renewed once (its successor carries on)."""
    actions = CONTRAT_TRANSITIONS.get(contrat.statut, frozenset())
    if RENOUVELER in actions and _a_un_renouvellement(contrat):
        actions = actions - {RENOUVELER}
    return actions


def _a_un_renouvellement(contrat) -> bool:
    if hasattr(contrat, "renouvellement_uid"):  # annotated by list queries
        return contrat.renouvellement_uid is not None
    return Contrat.objects.filter(precedent=contrat).exists()


def _check(contrat, action):
    if action not in contrat_actions_permises(contrat):
        raise RegleMetier(REFUS[action])


def _contrat_event(contrat, resume, auteur, structure):
    evenement_record(
        carnet=contrat.carnet,
        type=TypeEvenement.CONTRAT,
        resume=f"{contrat.get_type_display()} v{contrat.numero_version} {resume}",
        auteur=auteur,
        structure=structure,
        obj=contrat,
    )


CONTRAT_FIELDS = [
    "type",
    "structure",
    "date_debut",
    "date_fin",
    "heures_hebdomadaires",
    "engagements_personne",
    "engagements_structure",
]


def _check_dates(data):
    if data["date_fin"] < data["date_debut"]:
        raise RegleMetier("La date de fin doit être postérieure ou égale à la date de début.")


def _check_objectifs(carnet, objectifs):
    if any(o.axe.carnet_id != carnet.pk for o in objectifs):
        raise RegleMetier("Un contrat ne couvre que des objectifs du carnet de la personne.")


@transaction.atomic
def contrat_create(*, carnet, data, objectifs, auteur, structure, precedent=None) -> Contrat:
    """A draft contract; `data` holds CONTRAT_FIELDS, `objectifs` are objectives of this carnet."""
    _check_dates(data)
    _check_objectifs(carnet, objectifs)
    contrat = Contrat.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        statut=StatutContrat.BROUILLON,
        numero_version=precedent.numero_version + 1 if precedent else 1,
        precedent=precedent,
        created_by=auteur,
        **data,
    )
    contrat.objectifs.set(objectifs)
    _contrat_event(contrat, "préparé (brouillon)", auteur, structure)
    carnet_refresh_dates(carnet)
    return contrat


@transaction.atomic
def contrat_update(*, contrat, data, objectifs, version, auteur, structure) -> Contrat:
    """Edit a draft. Raises `VersionConflict` on a stale version, `RegleMetier` if it is no longer a draft.

    Each write on a contract first claims the version read (a stale form is refused, the row is locked): the
    rules are then checked on `contrat`, which is the row as it stands since nobody wrote it in between."""
    save_versioned(contrat, version=version)
    _check(contrat, MODIFIER)
    _check_dates(data)
    _check_objectifs(contrat.carnet, objectifs)
    for name, value in data.items():
        setattr(contrat, name, value)
    contrat.save(update_fields=list(data))
    contrat.objectifs.set(objectifs)
    _contrat_event(contrat, "modifié", auteur, structure)
    carnet_refresh_dates(contrat.carnet)
    return contrat


@transaction.atomic
def contrat_sign(*, contrat, date_signature, version, auteur, structure) -> Contrat:
    save_versioned(contrat, version=version)
    _check(contrat, SIGNER)
    if date_signature > timezone.localdate():
        raise RegleMetier("La date de signature ne peut pas être dans le futur.")
    contrat.statut, contrat.date_signature = StatutContrat.SIGNE, date_signature
    contrat.save(update_fields=["statut", "date_signature"])
    _contrat_event(contrat, f"signé le {date_signature:%d/%m/%Y}", auteur, structure)
    carnet_refresh_dates(contrat.carnet)
    return contrat


def _end(contrat):
    contrat.statut, contrat.termine_le = StatutContrat.TERMINE, timezone.localdate()
    contrat.save(update_fields=["statut", "termine_le"])


@transaction.atomic
def contrat_terminate(*, contrat, version, auteur, structure) -> Contrat:
    save_versioned(contrat, version=version)
    _check(contrat, TERMINER)
    _end(contrat)
    _contrat_event(contrat, f"terminé le {contrat.termine_le:%d/%m/%Y}", auteur, structure)
    carnet_refresh_dates(contrat.carnet)
    return contrat


@transaction.atomic
def contrat_renew(*, contrat, data, objectifs, version, auteur, structure) -> Contrat:
    """A new draft version following `contrat`; a signed `contrat` ends today (a terminated one stays as is)."""
    # The claim also makes a concurrent renewal of the same version fail, whatever the status.
    save_versioned(contrat, version=version)
    _check(contrat, RENOUVELER)
    if contrat.statut == StatutContrat.SIGNE:
        _end(contrat)
    _contrat_event(contrat, "renouvelé : la version précédente prend fin", auteur, structure)
    return contrat_create(
        carnet=contrat.carnet, data=data, objectifs=objectifs, auteur=auteur, structure=structure, precedent=contrat
    )


def contrat_renewal_initial(contrat) -> dict:
    """Defaults of the renewal form: same terms, starting the day after the previous end (or today)."""
    debut = max(contrat.date_fin + datetime.timedelta(days=1), timezone.localdate())
    duree = contrat.date_fin - contrat.date_debut
    return {
        **{name: getattr(contrat, name) for name in CONTRAT_FIELDS},
        "structure": contrat.structure_id,
        "date_debut": debut,
        "date_fin": debut + duree,
    }


# --- Sorties --------------------------------------------------------------------------------


@transaction.atomic
def sortie_create(*, carnet, data, auteur, structure) -> Sortie:
    """Record the end of the accompaniment. The date cannot be in the future (an exit is a fact)."""
    if data["date_sortie"] > timezone.localdate():
        raise RegleMetier("La date de sortie ne peut pas être dans le futur.")
    sortie = Sortie.objects.create(
        departement_id=carnet.departement_id, carnet=carnet, auteur=auteur, structure=structure, **data
    )
    resume = f"Sortie du parcours le {formats.date_format(sortie.date_sortie, 'd/m/Y')} : {sortie.get_motif_display()}"
    if sortie.suivi_dans_emploi:
        resume += " (suivi poursuivi dans l'emploi)"
    evenement_record(
        carnet=carnet, type=TypeEvenement.SORTIE, resume=resume, auteur=auteur, structure=structure, obj=sortie
    )
    return sortie
