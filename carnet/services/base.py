"""Shared machinery of the carnet services: business errors, the timeline (optimistic locking: `spie.versioning`)."""

from carnet.models import Evenement, Sensibilite


class RegleMetier(Exception):
    """A business rule refuses the write; the message is shown to the user as is."""


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
