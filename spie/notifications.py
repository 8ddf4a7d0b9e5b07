"""Send in-app notifications; idempotent by key."""

from spie.models import Notification


def notify(*, user, titre, message, cle, lien="", departement_id=None):
    """Create the notification unless one with the same key already exists for this user."""
    notification, created = Notification.objects.get_or_create(
        user=user,
        cle=cle,
        defaults={"titre": titre, "message": message, "lien": lien, "departement_id": departement_id},
    )
    if created:
        forget_unread_count(getattr(user, "pk", user))
    return notification


def forget_unread_count(user_id):
    from django.core.cache import cache
    from django.db import transaction

    from spie.context_processors import unread_cache_key

    cache.delete(unread_cache_key(user_id))
    # Also after commit: a page rendered before the commit may have cached the old count.
    transaction.on_commit(lambda: cache.delete(unread_cache_key(user_id)))
