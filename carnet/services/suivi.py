"""Appointments and contracts of a carnet.

Every write refreshes the carnet's portfolio dates (`carnet_refresh_dates`) and records an event.
A contract goes brouillon → signé → terminé; a renewal is a new row (`precedent`, version + 1)
and ends the previous one, so the history is never rewritten.
"""

import datetime

from django.db import transaction
from django.utils import formats, timezone

from carnet.models import Carnet, Contrat, RendezVous, StatutContrat, TypeContrat, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record, exiger_carnet_ouvert_en_base
from carnet.services.notes import carnet_refresh_dates
from orientation.lecture import orientation_du_carnet
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
    structure's and the appointment is recorded as created by its professional (`data["professionnel"]`).
    Refused on a closed carnet (`CarnetClos`)."""
    exiger_carnet_ouvert_en_base(carnet.pk)
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
    `auteur` is None when a structure acts (partner API). Refused on a closed carnet (`CarnetClos`)."""
    exiger_carnet_ouvert_en_base(rendez_vous.carnet_id)
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
    "motif_reduction_heures",
    "precision_reduction_heures",
]


def _check_dates(data):
    if data["date_fin"] < data["date_debut"]:
        raise RegleMetier("La date de fin doit être postérieure ou égale à la date de début.")


def _check_objectifs(carnet, objectifs):
    if any(o.axe.carnet_id != carnet.pk for o in objectifs):
        raise RegleMetier("Un contrat ne couvre que des objectifs du carnet de la personne.")


# --- Contrat d'engagement (loi pour le plein emploi) -----------------------------------------

STATUTS_ACTIFS = (StatutContrat.BROUILLON, StatutContrat.SIGNE)


def heures_cible(carnet) -> int:
    """The weekly hours target of a contrat d'engagement: the département's setting (15 by default)."""
    return carnet.departement.heures_activite_cible


def _check_engagement(carnet, data, contrat=None):
    """The rules of a contrat d'engagement, checked before any write; cleans `data` in place.

    Below the département's target, a reason from the legal list is required (restricted data); at or above
    it, and on other contract types, no reason is kept. Two active (draft or signed) contrats d'engagement of
    the same person cannot cover the same days."""
    est_engagement = data.get("type") == TypeContrat.CONTRAT_ENGAGEMENT
    cible = heures_cible(carnet) if est_engagement else None
    if not est_engagement or data["heures_hebdomadaires"] >= cible:
        data["motif_reduction_heures"] = data["precision_reduction_heures"] = ""
        if not est_engagement:
            return
    elif not data.get("motif_reduction_heures"):
        raise RegleMetier(
            f"Un contrat d'engagement de moins de {cible} heures par semaine doit indiquer le motif de la "
            "réduction (santé, handicap, invalidité, logement, situation familiale ou aidant d'un proche)."
        )
    # Concurrent writes on the same carnet's contracts wait for each other, so the overlap check holds.
    Carnet.objects.select_for_update().filter(pk=carnet.pk).values_list("pk", flat=True).first()
    autres = Contrat.objects.filter(
        carnet=carnet,
        type=TypeContrat.CONTRAT_ENGAGEMENT,
        statut__in=STATUTS_ACTIFS,
        date_debut__lte=data["date_fin"],
        date_fin__gte=data["date_debut"],
    )
    if contrat is not None:
        autres = autres.exclude(pk=contrat.pk)
    autre = autres.order_by("date_debut").first()
    if autre is not None:
        raise RegleMetier(
            f"Un autre contrat d'engagement en cours ({autre.get_statut_display().lower()}, du "
            f"{autre.date_debut:%d/%m/%Y} au {autre.date_fin:%d/%m/%Y}) couvre déjà une partie de cette période : "
            "terminez-le ou choisissez d'autres dates."
        )


def _check_signature_apres_orientation(contrat, date_signature):
    """A contrat d'engagement follows the orientation decision: it cannot be signed before it."""
    if contrat.type != TypeContrat.CONTRAT_ENGAGEMENT:
        return
    decision = orientation_du_carnet(contrat.carnet).orientation
    if decision is None or decision.decidee_le is None:
        return
    decidee_le = timezone.localdate(decision.decidee_le)
    if date_signature < decidee_le:
        raise RegleMetier(
            f"Le contrat d'engagement ne peut pas être signé avant la décision d'orientation du {decidee_le:%d/%m/%Y}."
        )


@transaction.atomic
def contrat_create(*, carnet, data, objectifs, auteur, structure, precedent=None) -> Contrat:
    """A draft contract; `data` holds CONTRAT_FIELDS, `objectifs` are objectives of this carnet."""
    data = {"motif_reduction_heures": "", "precision_reduction_heures": "", **data}
    _check_dates(data)
    _check_objectifs(carnet, objectifs)
    _check_engagement(carnet, data)
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
    data = {"type": contrat.type, "motif_reduction_heures": "", "precision_reduction_heures": "", **data}
    _check_dates(data)
    _check_objectifs(contrat.carnet, objectifs)
    _check_engagement(contrat.carnet, data, contrat=contrat)
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
    _check_signature_apres_orientation(contrat, date_signature)
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
