"""Turn business writes into webhook events (after commit, through partenaires.webhooks.emit)."""

from collections import defaultdict

from django.db.models.signals import post_save

from carnet import sensibilite
from carnet.models import Evenement, RendezVous
from carnet.services.bulk import evenements_enregistres
from offre.models import Prescription, StatutPrescription
from orientation.models import Orientation, StatutOrientation
from sanctions.models import MouvementPayeur
from spie.tenancy import departement_scope


def _carnet_payload(evenement, structure):
    """The event for one structure, if the one sensitivity rule lets it read the event's class (else None)."""
    lecteur = sensibilite.lecteur_partenaire(structure, evenement.carnet)
    if not sensibilite.peut_lire(lecteur, evenement.sensibilite):
        return None
    return {
        "carnet_id": str(evenement.carnet.uid),
        "type": evenement.type,
        "resume": evenement.resume,
        "date": evenement.created_at.isoformat(),
    }


def _carnet_event(sender, instance, created, **kwargs):
    if not created or not sensibilite.classe_partagee_avec_les_partenaires(instance.sensibilite):
        return
    from partenaires.webhooks import emit

    emit(
        event="carnet.modifie",
        departement_id=instance.departement_id,
        carnet=instance.carnet,
        payload_for=lambda structure: _carnet_payload(instance, structure),
    )


def _carnet_events(sender, evenements, **kwargs):
    """Events written in bulk (`carnet.services.bulk.evenements_enregistres`): one query per département tells
    whether anyone listens to `carnet.modifie` (usually nobody: nothing more); if so, each event as above."""
    from partenaires.models import AbonnementWebhook

    generaux = defaultdict(list)
    for evenement in evenements:
        if sensibilite.classe_partagee_avec_les_partenaires(evenement.sensibilite):
            generaux[evenement.departement_id].append(evenement)
    for departement_id, events in generaux.items():
        with departement_scope(departement_id):
            abonnes = AbonnementWebhook.objects.filter(actif=True, evenements__contains=["carnet.modifie"]).exists()
        if abonnes:
            for evenement in events:
                _carnet_event(sender, evenement, created=True)


def _rendez_vous_event(sender, instance, created, **kwargs):
    from partenaires.api.serializers import RendezVousSerializer
    from partenaires.webhooks import emit

    data = RendezVousSerializer(instance).data
    emit(
        event="rendez_vous.cree" if created else "rendez_vous.modifie",
        departement_id=instance.departement_id,
        carnet=instance.carnet,
        payload_for=lambda structure: dict(data),
    )


def _orientation_event(sender, instance, created, **kwargs):
    if instance.statut != StatutOrientation.VALIDEE:
        return
    from partenaires.webhooks import emit

    emit(
        event="orientation.decidee",
        departement_id=instance.departement_id,
        carnet=instance.carnet,
        payload_for=lambda structure: {
            "carnet_id": str(instance.carnet.uid),
            "orientation_id": str(instance.uid),
            "type": instance.type_orientation,
            "organisme_referent": instance.structure.nom,
        },
    )


def _prescription_event(sender, instance, created, **kwargs):
    from partenaires.webhooks import emit

    if created:
        emit(
            event="prescription.envoyee",
            departement_id=instance.departement_id,
            structure_ids={instance.structure_destinataire_id},
            payload_for=lambda structure: {"prescription_id": str(instance.uid), "statut": instance.statut},
        )
    elif instance.statut != StatutPrescription.EN_ATTENTE:
        emit(
            event="prescription.repondue",
            departement_id=instance.departement_id,
            structure_ids={instance.structure_prescriptrice_id},
            payload_for=lambda structure: {"prescription_id": str(instance.uid), "statut": instance.statut},
        )


EVENEMENT_DU_MOUVEMENT = {
    "decision": "sanction.decidee",
    "levee": "sanction.levee",
    "rattrapage": "sanction.rattrapage",
}


def _sanction_event(sender, instance, created, **kwargs):
    """The paying body hears of a decision, a lift or arrears: only the CAF or MSA structures of the département that
    pay this person, with the fields of the API (`views_sanctions.donnees_payeur`), never the facts."""
    if not created:
        return
    from partenaires.api.views_sanctions import SanctionPayeurSerializer, donnees_payeur
    from partenaires.webhooks import emit
    from sanctions.payeur import ORGANISME_DE_STRUCTURE
    from spie.models import Structure

    dossier = instance.dossier
    organisme = dossier.carnet.beneficiaire.organisme_payeur
    with departement_scope(instance.departement_id):
        structure_ids = set(
            Structure.objects.filter(
                type__in=[t for t, o in ORGANISME_DE_STRUCTURE.items() if o == organisme]
            ).values_list("pk", flat=True)
        )
    if not structure_ids:
        return
    data = SanctionPayeurSerializer(donnees_payeur(dossier)).data
    emit(
        event=EVENEMENT_DU_MOUVEMENT[instance.type],
        departement_id=instance.departement_id,
        structure_ids=structure_ids,
        payload_for=lambda structure: {"mouvement": instance.type, "carnet_id": str(dossier.carnet.uid), **data},
    )


def connect():
    post_save.connect(_carnet_event, sender=Evenement, dispatch_uid="webhook_carnet")
    evenements_enregistres.connect(_carnet_events, sender=Evenement, dispatch_uid="webhook_carnet_lot")
    post_save.connect(_rendez_vous_event, sender=RendezVous, dispatch_uid="webhook_rdv")
    post_save.connect(_orientation_event, sender=Orientation, dispatch_uid="webhook_orientation.Orientation")
    post_save.connect(_prescription_event, sender=Prescription, dispatch_uid="webhook_offre.Prescription")
    post_save.connect(_sanction_event, sender=MouvementPayeur, dispatch_uid="webhook_sanctions.MouvementPayeur")
