"""Réorientation: the référent asks, chargés d'orientation or valideurs accept (a new dossier follows the same
decision path) or refuse ("maintien", with a reason). The reasons are free text: they stay on the request,
never in the carnet's timeline, which only says that a request was made and how it was answered."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from carnet.models import Carnet
from carnet.services import RegleMetier
from orientation import workflow
from orientation.models import (
    DemandeReorientation,
    Diagnostic,
    DossierOrientation,
    StatutDemandeReorientation,
    StatutDiagnostic,
    StatutDossier,
)
from orientation.services.base import charges_du_secteur, evenement, lock, notifier, url
from spie.models import Role


def demande_en_attente(carnet):
    return DemandeReorientation.objects.filter(carnet=carnet, statut=StatutDemandeReorientation.EN_ATTENTE).first()


@transaction.atomic
def reorientation_request(*, carnet, demandeur, structure, motif) -> DemandeReorientation:
    if not (motif or "").strip():
        raise RegleMetier("Indiquez le motif de la demande de réorientation.")
    Carnet.objects.select_for_update(of=("self",)).filter(pk=carnet.pk).first()
    pending = demande_en_attente(carnet)
    if pending is not None:
        raise RegleMetier(
            f"Une demande de réorientation est déjà en attente pour cette personne (depuis le "
            f"{timezone.localtime(pending.created_at):%d/%m/%Y}) : attendez sa réponse."
        )
    if DossierOrientation.objects.ouverts().filter(carnet=carnet).exists():
        raise RegleMetier("Une orientation est déjà en cours pour cette personne.")
    try:
        with transaction.atomic():
            demande = DemandeReorientation.objects.create(
                departement_id=carnet.departement_id,
                carnet=carnet,
                demandeur=demandeur,
                structure=structure,
                motif=motif.strip(),
            )
    except IntegrityError:
        # A concurrent request won the race on the partial unique constraint.
        raise RegleMetier("Une demande de réorientation est déjà en attente pour cette personne.") from None
    evenement(
        carnet=carnet,
        resume=f"Réorientation demandée par {demandeur.get_full_name()} ({structure.nom})",
        auteur=demandeur,
        structure=structure,
        obj=demande,
    )
    notifier(
        charges_du_secteur(carnet),
        sauf=demandeur,
        titre="Demande de réorientation",
        message=f"{demandeur.get_full_name()} demande la réorientation de {carnet.beneficiaire.nom_complet}.",
        cle=f"reorientation:{demande.uid}:demandee",
        lien=url("reorientation", uid=demande.uid),
        departement_id=carnet.departement_id,
    )
    return demande


@transaction.atomic
def reorientation_accept(*, demande, commentaire="", auteur, auteur_structure, acting=None) -> DossierOrientation:
    """Accept: a new dossier opens at "diagnostic terminé" when the person has a finished diagnostic (the
    chargé may still take it up again), at the interview otherwise; then the usual proposal and decision."""
    demande = lock(demande)
    carnet = demande.carnet
    if DossierOrientation.objects.ouverts().filter(carnet=carnet).exists():
        raise RegleMetier("Une orientation est déjà en cours pour cette personne.")
    workflow.transition(
        demande, workflow.ACCEPTER, decidee_par=auteur, decidee_le=timezone.now(), commentaire=commentaire.strip()
    )
    a_un_diagnostic = Diagnostic.objects.filter(carnet=carnet, statut=StatutDiagnostic.TERMINE).exists()
    charge = auteur if acting is None or acting.has_role(Role.CHARGE_ORIENTATION) else None
    dossier = DossierOrientation.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        charge_orientation=charge,
        demande_reorientation=demande,
        statut=StatutDossier.DIAGNOSTIC_TERMINE if a_un_diagnostic else StatutDossier.ENTRETIEN,
        date_entree_rsa=carnet.beneficiaire.date_entree_rsa,
    )
    evenement(
        carnet=carnet,
        resume=f"Demande de réorientation acceptée par {auteur.get_full_name()} : nouvelle orientation en cours",
        auteur=auteur,
        structure=auteur_structure,
        obj=demande,
    )
    notifier(
        [demande.demandeur],
        sauf=auteur,
        titre="Demande de réorientation acceptée",
        message=f"La réorientation de {carnet.beneficiaire.nom_complet} est acceptée : une nouvelle orientation "
        "va être proposée.",
        cle=f"reorientation:{demande.uid}:decidee",
        lien=url("reorientation", uid=demande.uid),
        departement_id=carnet.departement_id,
    )
    return dossier


@transaction.atomic
def reorientation_refuse(*, demande, commentaire, auteur, auteur_structure) -> DemandeReorientation:
    """Refuse: the current orientation is kept ("maintien"); the reason is required and told to the référent."""
    if not (commentaire or "").strip():
        raise RegleMetier("Indiquez pourquoi l'orientation actuelle est maintenue.")
    demande = lock(demande)
    workflow.transition(
        demande, workflow.REFUSER, decidee_par=auteur, decidee_le=timezone.now(), commentaire=commentaire.strip()
    )
    carnet = demande.carnet
    evenement(
        carnet=carnet,
        resume=f"Demande de réorientation refusée par {auteur.get_full_name()} : maintien de l'orientation",
        auteur=auteur,
        structure=auteur_structure,
        obj=demande,
    )
    notifier(
        [demande.demandeur],
        sauf=auteur,
        titre="Demande de réorientation refusée",
        message=f"L'orientation de {carnet.beneficiaire.nom_complet} est maintenue : voyez le motif de la décision.",
        cle=f"reorientation:{demande.uid}:decidee",
        lien=url("reorientation", uid=demande.uid),
        departement_id=carnet.departement_id,
    )
    return demande
