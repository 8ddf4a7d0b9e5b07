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


@shared_task(acks_late=True)
def republier_taches():
    """Beat: publish again the outbox tasks never published (broker down at commit) or never started."""
    from spie.outbox import republier

    return republier()


@shared_task(acks_late=True)
def purger_sessions():
    """Beat: sessions live in the database (they survive a Redis outage); expired rows are deleted daily."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(acks_late=True)
def purger_journal_acces():
    """Beat: the next months' partitions of the access log are prepared, and the rows past the retention period
    are removed (a second run finds nothing)."""
    from spie.audit import preparer_partitions, purger_journal

    preparer_partitions()
    return purger_journal()._asdict()
