"""Orientation proposals and decisions.

A proposal names a type, a programme of the département, an organisme référent (a structure of the
département) and optionally the référent; it is final at once unless the département asks for validation.
On decision the carnet's group changes (the new référent; the former one stays in the group and in its
history), the dossier's decision date is set, the people concerned are notified and the decision letter can
be printed. Every check happens before the first write and the whole runs in one transaction: a refused
proposal leaves nothing behind.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carnet.models import MembreGroupe
from carnet.services import RegleMetier, groupe_add_member
from orientation import criteres, workflow
from orientation.models import (
    Diagnostic,
    Orientation,
    StatutDiagnostic,
    StatutOrientation,
    TypeOrientation,
)
from orientation.services import regles
from orientation.services.base import evenement, lock, notifier, professionnels_de, url, valideurs
from spie.models import Membership

REVISION_SOCIALE_MOIS = (6, 12)


def _revision(type_orientation, revision_mois, motif_revision):
    """The social path's review delay: 6 months unless 12 is chosen with its reason (D.262-65-2-1 CASF);
    nothing for the other paths."""
    if type_orientation != TypeOrientation.SOCIAL:
        return None, ""
    revision_mois = revision_mois or 6
    if revision_mois not in REVISION_SOCIALE_MOIS:
        raise RegleMetier("La révision d'une orientation sociale a lieu au bout de 6 ou de 12 mois.")
    motif_revision = (motif_revision or "").strip()
    if revision_mois == 12 and not motif_revision:
        raise RegleMetier(
            "Indiquez pourquoi l'orientation sociale sera revue au bout de 12 mois : les freins durables relevés "
            "par le diagnostic."
        )
    return revision_mois, motif_revision if revision_mois == 12 else ""


def _check(*, dossier, type_orientation, dispositif, structure, referent, motif):
    """The business rules of a proposal, with messages for the user (nothing is written before)."""
    if type_orientation not in TypeOrientation.values:
        raise RegleMetier(
            "Choisissez le type d'orientation : professionnelle, socio-professionnelle, sociale ou autre."
        )
    if structure is None:
        raise RegleMetier(
            "Choisissez l'organisme référent : une orientation désigne toujours la structure qui accompagnera la "
            "personne."
        )
    if structure.departement_id != dossier.departement_id or not structure.actif:
        raise RegleMetier("L'organisme référent doit être une structure active de votre département.")
    if dispositif is None:
        raise RegleMetier("Choisissez le dispositif d'orientation.")
    if dispositif.departement_id != dossier.departement_id:
        raise RegleMetier("Ce dispositif n'appartient pas à votre département : choisissez l'un de ses dispositifs.")
    if not dispositif.actif:
        raise RegleMetier(f"Le dispositif « {dispositif.nom} » n'est plus proposé par le département.")
    if dispositif.type_orientation != type_orientation:
        raise RegleMetier(
            f"Le dispositif « {dispositif.nom} » relève d'une orientation "
            f"{dispositif.get_type_orientation_display().lower()} : choisissez un dispositif du type retenu."
        )
    if referent is not None and not Membership.objects.actifs().filter(user=referent, structure=structure).exists():
        raise RegleMetier(f"{referent.get_full_name()} n'exerce pas dans la structure {structure.nom}.")
    if not (motif or "").strip():
        raise RegleMetier("Indiquez le motif de l'orientation.")


def proposition_des_criteres(diagnostic, carnet):
    """The proposal of the national criteria for a finished diagnostic that recorded them, else None (an
    interview before 2025 has no criteria: nothing to compare with)."""
    if diagnostic is None or "criteres" not in (diagnostic.data or {}):
        return None
    jour = timezone.localdate(diagnostic.termine_le) if diagnostic.termine_le else timezone.localdate()
    return regles.proposer(
        diagnostic.data,
        date_naissance=carnet.beneficiaire.date_naissance,
        jour=jour,
        jeu=regles.regles_actives(carnet.departement_id),
    )


@transaction.atomic
def orientation_propose(
    *,
    dossier,
    type_orientation,
    dispositif,
    structure,
    referent,
    motif,
    auteur,
    auteur_structure,
    motif_ecart="",
    revision_mois=None,
    motif_revision_12_mois="",
) -> Orientation:
    dossier = lock(dossier)
    _check(
        dossier=dossier,
        type_orientation=type_orientation,
        dispositif=dispositif,
        structure=structure,
        referent=referent,
        motif=motif,
    )
    revision_mois, motif_revision_12_mois = _revision(type_orientation, revision_mois, motif_revision_12_mois)
    diagnostic = (
        Diagnostic.objects.filter(carnet_id=dossier.carnet_id, statut=StatutDiagnostic.TERMINE)
        .order_by("-numero_version")
        .first()
    )
    proposition = proposition_des_criteres(diagnostic, dossier.carnet)
    motif_ecart = (motif_ecart or "").strip()
    ecart = proposition is not None and criteres.PARCOURS_DU_TYPE.get(type_orientation) != proposition.parcours
    if ecart and not motif_ecart:
        raise RegleMetier(
            f"Les critères nationaux proposent le {proposition.parcours_libelle.lower()} : indiquez pourquoi vous "
            "décidez un autre parcours."
        )
    workflow.transition(dossier, workflow.PROPOSER)
    orientation = Orientation.objects.create(
        departement_id=dossier.departement_id,
        dossier=dossier,
        carnet_id=dossier.carnet_id,
        diagnostic=diagnostic,
        type_orientation=type_orientation,
        dispositif=dispositif,
        structure=structure,
        referent=referent,
        motif=motif.strip(),
        est_reorientation=dossier.est_reorientation,
        proposee_par=auteur,
        parcours_propose=proposition.parcours if proposition else "",
        organisme_propose=proposition.organisme if proposition else "",
        regle_proposition=proposition.regle if proposition else "",
        explication_proposition=proposition.explication if proposition else "",
        motif_ecart=motif_ecart if ecart else "",
        regles_version_id=proposition.jeu_id if proposition else None,
        revision_mois=revision_mois,
        motif_revision_12_mois=motif_revision_12_mois,
    )
    carnet = dossier.carnet
    evenement(
        carnet=carnet,
        resume=f"{_nature(orientation)} proposée : {_resume(orientation)}",
        auteur=auteur,
        structure=auteur_structure,
        obj=orientation,
    )
    if not dossier.departement.orientation_validation_requise:
        workflow.transition(orientation, workflow.VALIDER, decidee_par=auteur, decidee_le=timezone.now())
        _decide(orientation=orientation, dossier=dossier, auteur=auteur, auteur_structure=auteur_structure)
        return orientation
    notifier(
        valideurs(),
        sauf=auteur,
        titre="Une orientation attend votre validation",
        message=f"Orientation proposée pour {carnet.beneficiaire.nom_complet} par {auteur.get_full_name()}.",
        cle=f"orientation:{orientation.uid}:a_valider",
        lien=url("orientation", uid=orientation.uid),
        departement_id=dossier.departement_id,
    )
    return orientation


@transaction.atomic
def orientation_validate(*, orientation, commentaire="", auteur, auteur_structure) -> Orientation:
    orientation = lock(orientation)
    dossier = lock(orientation.dossier)
    workflow.transition(
        orientation, workflow.VALIDER, decidee_par=auteur, decidee_le=timezone.now(), commentaire=commentaire.strip()
    )
    _decide(orientation=orientation, dossier=dossier, auteur=auteur, auteur_structure=auteur_structure)
    return orientation


@transaction.atomic
def orientation_send_back(*, orientation, commentaire, auteur, auteur_structure) -> Orientation:
    """The valideur sends the proposal back with a comment; the chargé proposes again (or redoes the
    diagnostic). The comment is for the chargé, never in the carnet's timeline."""
    if not (commentaire or "").strip():
        raise RegleMetier("Expliquez au chargé d'orientation pourquoi la proposition est renvoyée.")
    orientation = lock(orientation)
    dossier = lock(orientation.dossier)
    workflow.transition(
        orientation, workflow.RENVOYER, decidee_par=auteur, decidee_le=timezone.now(), commentaire=commentaire.strip()
    )
    workflow.transition(dossier, workflow.RENVOYER)
    evenement(
        carnet=dossier.carnet,
        resume=f"{_nature(orientation)} renvoyée au chargé d'orientation par {auteur.get_full_name()}",
        auteur=auteur,
        structure=auteur_structure,
        obj=orientation,
    )
    notifier(
        [orientation.proposee_par],
        sauf=auteur,
        titre="Une orientation vous est renvoyée",
        message=f"La proposition pour {dossier.carnet.beneficiaire.nom_complet} est renvoyée avec un commentaire.",
        cle=f"orientation:{orientation.uid}:renvoyee",
        lien=url("orientation", uid=orientation.uid),
        departement_id=dossier.departement_id,
    )
    return orientation


def _decide(*, orientation, dossier, auteur, auteur_structure):
    """The decision's effects; called inside the proposal's or the validation's transaction."""
    carnet = dossier.carnet
    today = timezone.localdate()
    workflow.transition(dossier, workflow.VALIDER, date_decision=today)
    anciens = [m.user for m in MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user")]
    evenement(
        carnet=carnet,
        resume=f"{_nature(orientation)} décidée : {_resume(orientation)}",
        auteur=auteur,
        structure=auteur_structure,
        obj=orientation,
    )
    lien_carnet = reverse("carnet:detail", kwargs={"uid": carnet.uid})
    personne = carnet.beneficiaire.nom_complet
    if orientation.referent is not None:
        groupe_add_member(
            carnet=carnet,
            user=orientation.referent,
            structure=orientation.structure,
            referent=True,
            auteur=auteur,
            auteur_structure=auteur_structure,
        )
        notifier(
            [orientation.referent],
            sauf=auteur,
            titre="Vous êtes désigné référent",
            message=f"{personne} vous est orientée ({orientation.dispositif.nom}) : vous êtes son référent.",
            cle=f"orientation:{orientation.uid}:referent",
            lien=lien_carnet,
            departement_id=carnet.departement_id,
        )
    notifier(
        professionnels_de(orientation.structure),
        sauf=auteur,
        titre="Une personne est orientée vers votre structure",
        message=(
            f"{personne} est orientée vers {orientation.structure.nom} ({orientation.dispositif.nom})."
            + ("" if orientation.referent else " Désignez son référent.")
        ),
        cle=f"orientation:{orientation.uid}:structure",
        lien=url("orientation", uid=orientation.uid) if orientation.referent is None else lien_carnet,
        departement_id=carnet.departement_id,
    )
    remplaces = [user for user in anciens if orientation.referent is None or user.pk != orientation.referent_id]
    notifier(
        remplaces,
        sauf=auteur,
        titre="Nouvelle orientation d'une personne que vous accompagnez",
        message=f"{personne} est orientée vers {orientation.structure.nom} ({orientation.dispositif.nom}).",
        cle=f"orientation:{orientation.uid}:ancien_referent",
        lien=lien_carnet,
        departement_id=carnet.departement_id,
    )
    if orientation.proposee_par_id != auteur.pk:
        notifier(
            [orientation.proposee_par],
            titre="Orientation validée",
            message=f"L'orientation proposée pour {personne} est validée.",
            cle=f"orientation:{orientation.uid}:validee",
            lien=url("orientation", uid=orientation.uid),
            departement_id=carnet.departement_id,
        )


@transaction.atomic
def orientation_designate_referent(*, orientation, referent, auteur, auteur_structure) -> Orientation:
    """After a decision without a named référent, the organisme référent designates one (once)."""
    orientation = lock(orientation)
    if orientation.statut != StatutOrientation.VALIDEE:
        raise RegleMetier("Le référent se désigne une fois l'orientation décidée.")
    if orientation.referent_id is not None:
        raise RegleMetier(f"Le référent est déjà désigné : {orientation.referent.get_full_name()}.")
    later = Orientation.objects.filter(
        carnet_id=orientation.carnet_id, statut=StatutOrientation.VALIDEE, decidee_le__gt=orientation.decidee_le
    )
    if later.exists():
        raise RegleMetier("Une orientation plus récente a été décidée pour cette personne.")
    if not Membership.objects.actifs().filter(user=referent, structure_id=orientation.structure_id).exists():
        raise RegleMetier(f"{referent.get_full_name()} n'exerce pas dans la structure {orientation.structure.nom}.")
    Orientation.objects.filter(pk=orientation.pk, referent=None).update(referent=referent)
    orientation.referent = referent
    groupe_add_member(
        carnet=orientation.carnet,
        user=referent,
        structure=orientation.structure,
        referent=True,
        auteur=auteur,
        auteur_structure=auteur_structure,
    )
    notifier(
        [referent],
        sauf=auteur,
        titre="Vous êtes désigné référent",
        message=f"Vous êtes le référent de {orientation.carnet.beneficiaire.nom_complet}.",
        cle=f"orientation:{orientation.uid}:referent",
        lien=reverse("carnet:detail", kwargs={"uid": orientation.carnet.uid}),
        departement_id=orientation.departement_id,
    )
    return orientation


def _nature(orientation):
    return "Réorientation" if orientation.est_reorientation else "Orientation"


def _resume(orientation):
    referent = f", référent {orientation.referent.get_full_name()}" if orientation.referent else ""
    return (
        f"{orientation.get_type_orientation_display().lower()} — {orientation.dispositif.nom} — "
        f"{orientation.structure.nom}{referent}"
    )
