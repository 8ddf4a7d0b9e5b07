"""Exceptional access to a carnet's content by a professional outside the group (see carnet/models/acces.py)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carnet.models import AccesExceptionnel
from carnet.services.base import RegleMetier
from spie.audit import log_access
from spie.models import Action, MotifAcces

JUSTIFICATION_MIN = 15


@transaction.atomic
def acces_exceptionnel_ouvrir(*, carnet, user, structure, motif, justification, request=None) -> AccesExceptionnel:
    """Open the carnet's notes and documents to `user` for SPIE_ACCES_EXCEPTIONNEL_HEURES, with a reason code and a
    free-text justification (refused without both); the opening goes to the access log with its reason code."""
    justification = (justification or "").strip()
    if motif not in MotifAcces.values:
        raise RegleMetier("Choisissez le motif de l'accès dans la liste.")
    if len(justification) < JUSTIFICATION_MIN:
        raise RegleMetier(f"Précisez le motif de l'accès en {JUSTIFICATION_MIN} caractères au moins.")
    now = timezone.now()
    acces = AccesExceptionnel.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        user=user,
        structure=structure,
        motif=motif,
        justification=justification,
        expire_le=now + timedelta(hours=settings.SPIE_ACCES_EXCEPTIONNEL_HEURES),
    )
    log_access(
        request=request,
        user=user,
        structure=structure,
        action=Action.ACCES_EXCEPTIONNEL,
        obj=carnet,
        motif=motif,
        details={"acces": str(acces.uid), "heures": settings.SPIE_ACCES_EXCEPTIONNEL_HEURES},
    )
    # A cached relation of this request must see the access from now on.
    carnet.__dict__.pop("_acces_exceptionnels", None)
    return acces
