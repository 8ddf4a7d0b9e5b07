"""The follow-up group: members, référent hand-over, join requests."""

from django.db import transaction
from django.utils import timezone

from carnet.models import Carnet, DemandeAdhesion, MembreGroupe, StatutDemande, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record


def _end_membership(membre, motif):
    MembreGroupe.objects.actifs().filter(pk=membre.pk).update(fin=timezone.now(), motif_fin=motif)


@transaction.atomic
def groupe_add_member(*, carnet, user, structure, referent=False, auteur=None, auteur_structure=None) -> MembreGroupe:
    """Add a professional to the group; with `referent`, they become the one référent (the former one stays
    in the group as a member, and the change is kept in the history)."""
    Carnet.objects.select_for_update().filter(pk=carnet.pk).first()
    if not referent and MembreGroupe.objects.actifs().filter(carnet=carnet).exists():
        # Sharing beyond the référent's structure: once the person is informed, never after their opposition (the
        # first professional of a new carnet, who opened it, shares nothing).
        from carnet.perms import refus_de_partage

        refus = refus_de_partage(carnet, structure)
        if refus:
            raise RegleMetier(refus)
    existing = MembreGroupe.objects.actifs().filter(carnet=carnet, user=user, structure=structure).first()
    if existing and (existing.est_referent or not referent):
        return existing
    if referent:
        for former in MembreGroupe.objects.referents().filter(carnet=carnet):
            _end_membership(former, "changement de référent")
            MembreGroupe.objects.create(
                departement_id=carnet.departement_id,
                carnet=carnet,
                user_id=former.user_id,
                structure_id=former.structure_id,
            )
        if existing:
            _end_membership(existing, "devient référent")
    membre = MembreGroupe.objects.create(
        departement_id=carnet.departement_id, carnet=carnet, user=user, structure=structure, est_referent=referent
    )
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.REFERENT_CHANGE if referent else TypeEvenement.MEMBRE_AJOUTE,
        resume=f"{user.get_full_name()} ({structure.nom}) {'devient référent' if referent else 'rejoint le groupe'}",
        auteur=auteur,
        structure=auteur_structure,
        obj=membre,
    )
    return membre


@transaction.atomic
def groupe_remove_member(*, membre, motif, auteur=None, auteur_structure=None):
    if membre.est_referent:
        raise RegleMetier("Désignez d'abord un autre référent : le groupe ne peut pas rester sans référent.")
    _end_membership(membre, motif)
    evenement_record(
        carnet=membre.carnet,
        type=TypeEvenement.MEMBRE_RETIRE,
        resume=f"{membre.user.get_full_name()} ({membre.structure.nom}) quitte le groupe",
        auteur=auteur,
        structure=auteur_structure,
        obj=membre,
    )


@transaction.atomic
def adhesion_request(*, carnet, user, structure, motif) -> DemandeAdhesion:
    if MembreGroupe.objects.actifs().filter(carnet=carnet, user=user, structure=structure).exists():
        raise RegleMetier("Vous faites déjà partie du groupe de suivi.")
    if DemandeAdhesion.objects.filter(carnet=carnet, user=user, statut=StatutDemande.EN_ATTENTE).exists():
        raise RegleMetier("Votre demande est déjà en attente de réponse du référent.")
    demande = DemandeAdhesion.objects.create(
        departement_id=carnet.departement_id, carnet=carnet, user=user, structure=structure, motif=motif
    )
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.ADHESION_DEMANDEE,
        resume=f"{user.get_full_name()} ({structure.nom}) demande à rejoindre le groupe",
        auteur=user,
        structure=structure,
        obj=demande,
    )
    from spie.notifications import notify

    for referent in MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user"):
        notify(
            user=referent.user,
            departement_id=carnet.departement_id,
            titre="Demande d'adhésion à un groupe de suivi",
            message=f"{user.get_full_name()} ({structure.nom}) demande à rejoindre le groupe de suivi d'une personne.",
            lien=f"/carnets/{carnet.uid}/groupe/",
            cle=f"adhesion:{demande.uid}",
        )
    return demande


@transaction.atomic
def adhesion_decide(*, demande, accepte, auteur, auteur_structure):
    updated = DemandeAdhesion.objects.filter(pk=demande.pk, statut=StatutDemande.EN_ATTENTE).update(
        statut=StatutDemande.ACCEPTEE if accepte else StatutDemande.REFUSEE,
        decided_at=timezone.now(),
        decided_by=auteur,
    )
    if not updated:
        raise RegleMetier("Cette demande a déjà été traitée.")
    if accepte:
        groupe_add_member(
            carnet=demande.carnet,
            user=demande.user,
            structure=demande.structure,
            auteur=auteur,
            auteur_structure=auteur_structure,
        )
    evenement_record(
        carnet=demande.carnet,
        type=TypeEvenement.ADHESION_DECIDEE,
        resume=f"Demande de {demande.user.get_full_name()} {'acceptée' if accepte else 'refusée'}",
        auteur=auteur,
        structure=auteur_structure,
        obj=demande,
    )
