"""Transfer of a carnet to another département, when the person moves: proposed, then accepted or refused.

Proposed by an admin of the sending département (from the carnet) or by the CAF/MSA flux (a mutation,
`partenaires.flux.mutations`); accepted or refused by an admin of the receiving département
(`transferts_recus`: the proposals addressed to their département, the one cross-tenant read of this module).

What moves (CASF L.262-44: what the receiving département's professionals need to carry on the person's path,
the RSA being now its own responsibility): identity and administrative situation, situations, projects, the
diagnostic and orientations, the plan, appointments, contracts and hours, exits, notes and documents (each keeping
its sensitivity: restricted items stay with the person's référent and their author), the timeline, closed sanction
files, prescriptions, the person's own space. What is cut: the group (every membership ends on the day: the sending
département's professionals lose access at once; the periods stay as history), pending requests to join the
group, exceptional accesses still running (they end), the sending département's alert records, its CAF/MSA flux
fingerprint and identity conflicts. The access log stays where it was written (each département keeps the trace of
its own reads).

Acceptance runs in one transaction on the locked carnet: each app moves or cuts its own rows
(`TRANSFERT_PAR_MODELE` says which, for every model linked to the person; a test introspects them), the carnet
and the person move last, the receiving département's legal orientation clock restarts (origin "transfert"), and
both sides are logged: an access-log row in each département and the timeline events of the proposal and the
decision.
"""

from django.db import connection, transaction
from django.utils import timezone

from carnet.models import (
    AccesExceptionnel,
    Action,
    ActiviteEngagement,
    AxeDeTravail,
    Beneficiaire,
    Carnet,
    ConflitIdentite,
    Contrat,
    DemandeAdhesion,
    Document,
    InformationPersonne,
    JustificationConservation,
    MembreGroupe,
    Note,
    Objectif,
    ObservationPersonne,
    OppositionPartage,
    OrigineTransfert,
    PointDeSuivi,
    ProjetProfessionnel,
    RendezVous,
    SituationConstatee,
    Sortie,
    StatutDemande,
    StatutTransfert,
    TransfertCarnet,
    TypeEvenement,
)
from carnet.services.base import RegleMetier, evenement_record
from spie.audit import log_access
from spie.models import Action as ActionJournal
from spie.models import Canal, Departement, Membership, Role
from spie.notifications import notify
from spie.tenancy import departement_scope

DEPLACE = "déplacé vers le département d'arrivée"
# Every model linked to the person (`carnet.services.rapport_personne.modeles_lies`): moved, or cut with the reason.
TRANSFERT_PAR_MODELE = {
    "carnet.carnet": DEPLACE,
    "carnet.beneficiaire": DEPLACE,
    "carnet.membregroupe": DEPLACE + " (chaque appartenance se termine le jour du transfert)",
    "carnet.demandeadhesion": DEPLACE + " (les demandes en attente sont supprimées)",
    "carnet.accesexceptionnel": DEPLACE + " (les accès en cours se terminent)",
    "carnet.justificationconservation": DEPLACE,
    "carnet.document": DEPLACE,
    "carnet.note": DEPLACE,
    "carnet.evenement": DEPLACE,
    "carnet.situationconstatee": DEPLACE,
    "carnet.projetprofessionnel": DEPLACE,
    "carnet.axedetravail": DEPLACE,
    "carnet.objectif": DEPLACE,
    "carnet.action": DEPLACE,
    "carnet.rendezvous": DEPLACE,
    "carnet.contrat": DEPLACE,
    "carnet.activiteengagement": DEPLACE,
    "carnet.sortie": DEPLACE,
    "carnet.pointdesuivi": DEPLACE,
    "carnet.observationpersonne": DEPLACE,
    "carnet.transfertcarnet": DEPLACE,
    "carnet.informationpersonne": DEPLACE + " (la personne a été informée : l'information la suit)",
    "carnet.oppositionpartage": DEPLACE + " (son opposition la suit)",
    "carnet.contrat_objectifs": "table de liaison sans département : suit ses contrats et objectifs",
    "carnet.sortie_objectifs_atteints": "table de liaison sans département : suit ses sorties et objectifs",
    "carnet.conflitidentite": "coupé : conflit du flux CAF/MSA du département de départ, supprimé",
    "orientation.dossierorientation": DEPLACE + " (un dossier ouvert perd son chargé d'orientation)",
    "orientation.diagnostic": DEPLACE,
    "orientation.orientation": DEPLACE,
    "orientation.convocation": DEPLACE,
    "orientation.demandereorientation": DEPLACE,
    "orientation.candidatfile": DEPLACE + " (par déclencheur, avec le carnet)",
    "offre.prescription": DEPLACE + " (une prescription en attente est annulée)",
    "offre.etapeprescription": DEPLACE,
    "suivi.alerte": "coupé : trace des alertes envoyées par le département de départ, supprimée",
    "suivi.questionnaire": DEPLACE,
    "sanctions.dossiermanquement": DEPLACE + " (refusé tant qu'un dossier est ouvert)",
    "sanctions.etapedossier": DEPLACE,
    "sanctions.observationdossier": DEPLACE,
    "sanctions.piecedossier": DEPLACE,
    "sanctions.dossiermanquement_rendez_vous": "table de liaison sans département : suit ses dossiers",
    "sanctions.mouvementpayeur": DEPLACE + " (ce qui a été notifié à la CAF/MSA suit son dossier)",
    "sanctions.propositionpartenaire": DEPLACE,
    "sanctions.passageequipe": "reste dans le département de départ, à l'ordre du jour de sa séance close (son "
    "procès-verbal) ; sa fiche et sa convocation ne s'ouvrent plus (refusé tant qu'une séance n'est pas close)",
    "partenaires.empreinteflux": "coupé : empreinte du flux CAF/MSA du département de départ, supprimée",
    "usager.compteusager": DEPLACE,
    "usager.demandeliaison": DEPLACE,
    "usager.lienacces": DEPLACE,
    "usager.accusereception": DEPLACE,
    "usager.demandedroits": DEPLACE,
    "usager.reponseaurendezvous": DEPLACE,
}


class TransfertRefuse(RegleMetier):
    pass


def departements_destination(departement):
    """The départements a carnet of `departement` can be transferred to (the active ones, the sending one excepted)."""
    return Departement.objects.filter(actif=True).exclude(pk=departement.pk).order_by("code")


def transfert_en_cours(carnet):
    return TransfertCarnet.objects.filter(carnet=carnet, statut=StatutTransfert.PROPOSE).first()


def transferts_recus(departement):
    """The proposals addressed to `departement` (their carnet is still in the sending département: the one
    cross-tenant read of transfers, by the receiving admin's own département)."""
    return TransfertCarnet.unscoped_objects.filter(
        departement_destination=departement, statut=StatutTransfert.PROPOSE
    ).select_related("carnet__beneficiaire", "departement_origine", "propose_par")


def _verifier(carnet, vers):
    from sanctions.transfert import dossier_ouvert

    if vers is None:
        raise TransfertRefuse("Choisissez le département où la personne s'est installée.")
    if vers.pk == carnet.departement_id:
        raise TransfertRefuse("La personne est déjà suivie dans ce département : choisissez un autre département.")
    if carnet.anonymise_le is not None:
        raise TransfertRefuse("Ce carnet a été anonymisé : il n'y a plus rien à transférer.")
    if dossier_ouvert(carnet):
        raise TransfertRefuse(
            "Un dossier de manquement (sanction) est ouvert pour cette personne, ou elle est inscrite à une séance "
            "d'équipe pluridisciplinaire qui n'est pas close : il doit être décidé et clos dans ce département avant "
            "le transfert."
        )


def _nir_connu(departement, nir) -> bool:
    with departement_scope(departement):
        return Beneficiaire.objects.filter(nir_hash=nir).exists()


def _admins_du_departement():
    memberships = Membership.objects.actifs().filter(role=Role.ADMIN_DEPARTEMENT).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())


@transaction.atomic
def transfert_proposer(
    *, carnet, vers, origine, par=None, structure=None, motif="", date_mutation=None, request=None
) -> TransfertCarnet:
    """Propose the transfer of `carnet` (locked) to the département `vers`; the receiving admins are notified."""
    carnet = Carnet.objects.select_for_update(of=("self",)).select_related("beneficiaire").get(pk=carnet.pk)
    _verifier(carnet, vers)
    if transfert_en_cours(carnet) is not None:
        raise TransfertRefuse(
            "Un transfert de ce carnet est déjà en attente de réponse : attendez la décision du département d'arrivée."
        )
    transfert = TransfertCarnet.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        departement_origine_id=carnet.departement_id,
        departement_destination=vers,
        origine=origine,
        motif=motif.strip(),
        date_mutation=date_mutation,
        propose_par=par,
    )
    qui = "par le flux CAF/MSA" if origine == OrigineTransfert.FLUX else "par l'administrateur"
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.TRANSFERT,
        resume=f"Transfert vers le département {vers.code} ({vers.nom}) proposé {qui}",
        auteur=par,
        structure=structure,
        obj=transfert,
    )
    log_access(
        action=ActionJournal.TRANSFERT,
        obj=carnet,
        request=request,
        user=par,
        canal=None if request is not None else Canal.TACHE,
        details={"etape": "proposition", "vers": vers.code},
    )
    with departement_scope(vers):
        admins = _admins_du_departement()
        for admin in admins:
            _notifier(admin, carnet, transfert, vers)
    return transfert


def _notifier(admin, carnet, transfert, vers):
    notify(
        user=admin,
        titre="Transfert de carnet à examiner",
        message=f"Le département {carnet.departement.code} propose de vous transférer le carnet d'une "
        "personne installée dans votre département.",
        cle=f"transfert:{transfert.uid}",
        lien=f"/carnets/transferts/{transfert.uid}/",
        departement_id=vers.pk,
    )


def _couper_le_groupe(carnet, vers, now):
    MembreGroupe.objects.filter(carnet=carnet, fin=None).update(
        fin=now, motif_fin=f"Transfert du carnet vers le département {vers.code}"
    )
    DemandeAdhesion.objects.filter(carnet=carnet, statut=StatutDemande.EN_ATTENTE).delete()
    AccesExceptionnel.objects.filter(carnet=carnet, expire_le__gt=now).update(expire_le=now)


def _deplacer_le_carnet(carnet, vers) -> dict[str, int]:
    compte = {}
    for model in (
        MembreGroupe,
        DemandeAdhesion,
        AccesExceptionnel,
        JustificationConservation,
        Document,
        Note,
        SituationConstatee,
        ProjetProfessionnel,
        AxeDeTravail,
        RendezVous,
        Contrat,
        ActiviteEngagement,
        Sortie,
        PointDeSuivi,
        ObservationPersonne,
        TransfertCarnet,
        InformationPersonne,
        OppositionPartage,
    ):
        compte[model._meta.label_lower] = model.objects.filter(carnet=carnet).update(departement_id=vers.pk)
    compte["carnet.objectif"] = Objectif.objects.filter(axe__carnet=carnet).update(departement_id=vers.pk)
    compte["carnet.action"] = Action.objects.filter(objectif__axe__carnet=carnet).update(departement_id=vers.pk)
    compte["carnet.conflitidentite"], _ = ConflitIdentite.objects.filter(
        beneficiaire_id=carnet.beneficiaire_id
    ).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT carnet_evenement_transferer(%s, %s)", [carnet.pk, vers.pk])
        compte["carnet.evenement"] = cursor.fetchone()[0]
    compte["carnet.beneficiaire"] = Beneficiaire.objects.filter(pk=carnet.beneficiaire_id).update(
        departement_id=vers.pk
    )
    compte["carnet.carnet"] = Carnet.objects.filter(pk=carnet.pk).update(departement_id=vers.pk)
    return compte


def _autres_apps(carnet, vers) -> dict[str, int]:
    from offre.services import transfert as offre
    from orientation.services import transfert as orientation
    from partenaires import transfert as partenaires
    from sanctions import transfert as sanctions
    from suivi.services import transfert as suivi
    from usager import transfert as usager

    compte = {}
    for app in (sanctions, offre, orientation, suivi, usager, partenaires):
        compte |= app.transferer(carnet=carnet, vers=vers)
    return compte


def transfert_accepter(*, transfert, par, structure=None, request=None) -> dict[str, int]:
    """The receiving admin accepts: the carnet and its history move, in one transaction (see the module's doc).
    Returns the rows moved or cut per table."""
    from orientation.models import OrigineInformation, SourceInformation
    from orientation.services.echeances import information_recevoir

    with transaction.atomic():
        transfert = TransfertCarnet.unscoped_objects.select_for_update().get(pk=transfert.pk)
        if transfert.statut != StatutTransfert.PROPOSE:
            raise TransfertRefuse("Ce transfert a déjà été traité.")
        vers, depart = transfert.departement_destination, transfert.departement_origine
        now = timezone.now()
        with departement_scope(depart):
            carnet = (
                Carnet.objects.select_for_update(of=("self",))
                .select_related("beneficiaire")
                .get(pk=transfert.carnet_id)
            )
            _verifier(carnet, vers)
            nir = carnet.beneficiaire.nir_hash
            if nir and _nir_connu(vers, nir):
                raise TransfertRefuse(
                    "Votre département suit déjà une personne avec le même NIR (créée par un flux CAF/MSA ou un "
                    "import) : refusez ce transfert, ou rapprochez d'abord les deux fiches."
                )
            TransfertCarnet.objects.filter(pk=transfert.pk).update(
                statut=StatutTransfert.ACCEPTE, decide_par=par, decide_le=now
            )
            evenement_record(
                carnet=carnet,
                type=TypeEvenement.TRANSFERT,
                resume=f"Transfert vers le département {vers.code} ({vers.nom}) accepté : le groupe de suivi du "
                f"département {depart.code} prend fin",
                auteur=par,
                structure=structure,
                obj=transfert,
            )
            log_access(
                action=ActionJournal.TRANSFERT,
                obj=carnet,
                user=par,
                departement=depart,
                canal=Canal.WEB if request is not None else Canal.TACHE,
                details={"etape": "depart", "vers": vers.code},
            )
            _couper_le_groupe(carnet, vers, now)
            compte = _autres_apps(carnet, vers)
            compte |= _deplacer_le_carnet(carnet, vers)
        with departement_scope(vers):
            carnet = Carnet.objects.select_related("beneficiaire").get(pk=carnet.pk)
            information_recevoir(
                carnet=carnet,
                departement=vers,
                date_reception=timezone.localdate(),
                origine=OrigineInformation.TRANSFERT,
                source=SourceInformation.FLUX
                if transfert.origine == OrigineTransfert.FLUX
                else SourceInformation.SAISIE,
                auteur=par,
                structure=structure,
            )
            log_access(
                action=ActionJournal.TRANSFERT,
                obj=carnet,
                request=request,
                user=par,
                departement=vers,
                canal=None if request is not None else Canal.TACHE,
                details={"etape": "arrivee", "depuis": depart.code},
            )
    return compte


@transaction.atomic
def transfert_refuser(*, transfert, par, motif, structure=None, request=None) -> TransfertCarnet:
    """The receiving admin refuses, with a reason the sending département reads in the carnet's timeline."""
    motif = (motif or "").strip()
    if not motif:
        raise TransfertRefuse("Indiquez pourquoi vous refusez ce transfert : le département de départ le lira.")
    transfert = TransfertCarnet.unscoped_objects.select_for_update().get(pk=transfert.pk)
    if transfert.statut != StatutTransfert.PROPOSE:
        raise TransfertRefuse("Ce transfert a déjà été traité.")
    TransfertCarnet.unscoped_objects.filter(pk=transfert.pk).update(
        statut=StatutTransfert.REFUSE, decide_par=par, decide_le=timezone.now(), motif_refus=motif
    )
    transfert.refresh_from_db()
    vers = transfert.departement_destination
    with departement_scope(transfert.departement_origine):
        carnet = Carnet.objects.get(pk=transfert.carnet_id)
        evenement_record(
            carnet=carnet,
            type=TypeEvenement.TRANSFERT,
            resume=f"Transfert vers le département {vers.code} refusé : {motif}",
            auteur=par,
            structure=structure,
            obj=transfert,
        )
    log_access(
        action=ActionJournal.TRANSFERT,
        obj=transfert,
        request=request,
        user=par,
        departement=vers,
        details={"etape": "refus"},
    )
    return transfert
