"""Delivery of webhooks with retries and exponential backoff (imported by PartenairesConfig.ready)."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

MAX_ATTEMPTS = 8


def backoff_seconds(attempt):
    """30 s, 1 min, 2 min, 4 min… capped at 6 h."""
    return min(30 * 2 ** (attempt - 1), 6 * 3600)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def livrer_webhook(self, livraison_id):
    from partenaires.models import LivraisonWebhook, StatutLivraison
    from partenaires.webhooks import deliver

    with transaction.atomic():
        livraison = (
            LivraisonWebhook.objects.select_for_update(of=("self",))
            .select_related("abonnement")
            .filter(pk=livraison_id, statut=StatutLivraison.EN_ATTENTE)
            .first()
        )
        if livraison is None or not livraison.abonnement.actif:
            return "rien à livrer"
        delivered = deliver(livraison)
        if delivered:
            livraison.statut = StatutLivraison.LIVREE
            livraison.livree_le = timezone.now()
        elif livraison.tentatives >= MAX_ATTEMPTS:
            livraison.statut = StatutLivraison.ECHEC
        livraison.save()
    if not delivered and livraison.statut == StatutLivraison.EN_ATTENTE:
        raise self.retry(countdown=backoff_seconds(livraison.tentatives))
    return livraison.statut
