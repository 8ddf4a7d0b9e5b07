"""Periodic housekeeping of the foundation."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from spie.models import Invitation


@shared_task(acks_late=True)
def purger_invitations_expirees():
    """Invitations expired for more than 30 days are deleted: their link is long dead, nothing else refers to them.

    Idempotent: a second run finds nothing to delete.
    """
    limite = timezone.now() - timedelta(days=30)
    deleted, _ = Invitation.unscoped_objects.filter(accepted_at=None, expires_at__lt=limite).delete()
    return deleted
