"""Turn business writes into webhook events (after commit, through partenaires.webhooks.emit)."""

from django.apps import apps
from django.db.models.signals import post_save

from carnet.models import Evenement, RendezVous, Sensibilite


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
    if getattr(instance, "statut", None) not in ("validee", "decidee"):
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
            "organisme_referent": getattr(instance.structure, "nom", None),
        },
    )


def _prescription_event(sender, instance, created, **kwargs):
    from partenaires.webhooks import emit

    service_structure = getattr(getattr(instance, "service", None), "structure_id", None)
    if created:
        emit(
            event="prescription.envoyee",
            departement_id=instance.departement_id,
            structure_ids={service_structure},
            payload_for=lambda structure: {"prescription_id": str(instance.uid), "statut": instance.statut},
        )
    elif instance.statut not in ("envoyee", "en_attente"):
        prescriber = getattr(instance, "structure_prescriptrice_id", None)
        emit(
            event="prescription.repondue",
            departement_id=instance.departement_id,
            structure_ids={prescriber} if prescriber else set(),
            payload_for=lambda structure: {"prescription_id": str(instance.uid), "statut": instance.statut},
        )


def connect():
    post_save.connect(_carnet_event, sender=Evenement, dispatch_uid="webhook_carnet")
    post_save.connect(_rendez_vous_event, sender=RendezVous, dispatch_uid="webhook_rdv")
    # The orientation and offre apps are optional for this module: connect when they define the models.
    for label, receiver in (
        ("orientation.Orientation", _orientation_event),
        ("offre.Prescription", _prescription_event),
    ):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(receiver, sender=model, dispatch_uid=f"webhook_{label}")
