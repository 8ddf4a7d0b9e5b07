"""Shared machinery of the carnet services: business errors, optimistic locking, the timeline."""

from carnet.models import Evenement, Sensibilite


class ConflitDeVersion(Exception):
    """The row changed since the user read it; nothing was written."""


class RegleMetier(Exception):
    """A business rule refuses the write; the message is shown to the user as is."""


def save_versioned(instance, *, version, fields):
    """UPDATE ... WHERE version = <read version>; raise ConflitDeVersion when another write came first."""
    from django.db.models import F

    model = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    updated = model.objects.filter(pk=instance.pk, version=version).update(version=F("version") + 1, **values)
    if not updated:
        raise ConflitDeVersion()
    instance.version = version + 1


def evenement_record(*, carnet, type, resume, auteur=None, structure=None, sensibilite=Sensibilite.GENERALE, obj=None):
    return Evenement.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        type=type,
        resume=resume[:255],
        auteur=auteur,
        structure=structure,
        sensibilite=sensibilite,
        object_uid=getattr(obj, "uid", None),
    )
