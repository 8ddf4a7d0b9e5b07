"""Shared machinery of the carnet services: business errors, the timeline (optimistic locking: `spie.versioning`)."""

from carnet.models import Carnet, Evenement, Sensibilite

CARNET_CLOS = "Ce carnet est clos : il n'est plus modifiable. Le référent ou un administrateur peut le rouvrir."


class RegleMetier(Exception):
    """A business rule refuses the write; the message is shown to the user as is."""


class CarnetClos(RegleMetier):
    """A write on a closed carnet (`Carnet.cloture_le`). The web pages refuse it before (`carnet_view`); the
    services refuse it again for the other writers (partner API, the person's space), which answer 409."""

    def __init__(self, message=CARNET_CLOS):
        super().__init__(message)


def carnet_est_clos(carnet_id) -> bool:
    """Read from the database: the carnet in hand may have been loaded before someone closed it."""
    return Carnet.objects.filter(pk=carnet_id, cloture_le__isnull=False).exists()


def exiger_carnet_ouvert_en_base(carnet_id) -> None:
    if carnet_est_clos(carnet_id):
        raise CarnetClos()


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
