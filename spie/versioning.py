"""Optimistic locking: a write carries the `version` of the row its author read, and is refused if the row
changed since, so that no edit is silently lost. The one mechanism of every app (forms carry the version in a
hidden field, the partner API in If-Match).
"""

from django.db import router
from django.db.models import F
from django.db.models.signals import post_save


class VersionConflict(Exception):
    """The row changed since the user read it; nothing was written."""


def save_versioned(instance, *, version, fields=()):
    """UPDATE … SET version = version + 1[, fields] WHERE pk = <pk> AND version = <the version read>.

    Raises `VersionConflict` (nothing written) when another write came first. Otherwise `instance.version` is
    the new version, and the row stays locked by the UPDATE until the transaction ends:

    - with `fields`, their values (taken from `instance`) are written by the same UPDATE, and `post_save` is sent
      as `save(update_fields=fields)` would (orientation milestones and webhooks listen);
    - without, the row is only claimed: the caller goes on with its own writes of that row (`instance.save()` of
      a ModelForm, a rule checked on `instance`, which is the row as read since nobody wrote it in between).
    """
    model = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    updated = model.objects.filter(pk=instance.pk, version=version).update(version=F("version") + 1, **values)
    if not updated:
        raise VersionConflict()
    instance.version = version + 1
    if fields:
        # The UPDATE bypasses Model.save(): tell the receivers as save() would.
        post_save.send(
            sender=model,
            instance=instance,
            created=False,
            update_fields=frozenset(fields),
            raw=False,
            using=router.db_for_write(model, instance=instance),
        )
