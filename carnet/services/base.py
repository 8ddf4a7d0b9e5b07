"""Shared machinery of the carnet services: business errors, optimistic locking, the timeline."""

from django.db import router
from django.db.models.signals import post_save

from carnet.models import Evenement, Sensibilite


class ConflitDeVersion(Exception):
    """The row changed since the user read it; nothing was written."""


class RegleMetier(Exception):
    """A business rule refuses the write; the message is shown to the user as is."""


def save_versioned(instance, *, version, fields):
    """UPDATE ... WHERE version = <read version>; raise ConflitDeVersion when another write came first."""
    from django.db.models import F

    model = type(instance)
    db_alias = router.db_for_write(model, instance=instance)
    values = {name: getattr(instance, name) for name in fields}
    updated = model.objects.filter(pk=instance.pk, version=version).update(version=F("version") + 1, **values)
    if not updated:
        raise ConflitDeVersion()
    instance.version = version + 1
    # The UPDATE bypasses Model.save(): tell the receivers (orientation milestones, webhooks) as save() would.
    post_save.send(
        sender=model, instance=instance, created=False, update_fields=frozenset(fields), raw=False, using=db_alias
    )


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
