"""Turn business writes into webhook events (after commit, through partenaires.webhooks.emit)."""

from django.db.models.signals import post_save

from carnet.models import Evenement, RendezVous, Sensibilite
from offre.models import Prescription, StatutPrescription
from orientation.models import Orientation, StatutOrientation


def _carnet_event(sender, instance, created, **kwargs):
    if not created or instance.sensibilite != Sensibilite.GENERALE:
        return
    from partenaires.webhooks import emit

    emit(
        event="carnet.modifie",
        departement_id=instance.departement_id,
        carnet=instance.carnet,
        payload_for=lambda structure: {
            "carnet_id": str(instance.carnet.uid),
            "type": instance.type,
            "resume": instance.resume,
            "date": instance.created_at.isoformat(),
        },
    )


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


def connect():
    post_save.connect(_carnet_event, sender=Evenement, dispatch_uid="webhook_carnet")
    post_save.connect(_rendez_vous_event, sender=RendezVous, dispatch_uid="webhook_rdv")
    post_save.connect(_orientation_event, sender=Orientation, dispatch_uid="webhook_orientation.Orientation")
    post_save.connect(_prescription_event, sender=Prescription, dispatch_uid="webhook_offre.Prescription")
