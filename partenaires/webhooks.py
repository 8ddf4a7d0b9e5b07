"""Signed webhooks: partners subscribe per event type; deliveries are signed, retried, logged.

Events are produced by `post_save` receivers (connected in PartenairesConfig.ready) and only become
deliveries when the database transaction commits (`transaction.on_commit`). Payloads obey the same
need-to-know rules as the API: a structure only hears about carnets it follows, never about
restricted content.

Signature: header `X-SPIE-Signature: sha256=<hex>` where <hex> is HMAC-SHA256, keyed by the
subscription's secret, of `<X-SPIE-Horodatage>.<raw body>`. A partner verifies it with:

    expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    hmac.compare_digest(expected, signature.removeprefix("sha256="))

and refuses timestamps older than 5 minutes (replay).
"""

import hashlib
import hmac
import json
import time

from carnet.perms import can_partner_read_carnet
from spie.outbox import enqueue
from spie.tenancy import departement_scope

EVENTS = {
    "carnet.modifie": "Le carnet d'une personne suivie a changé (événement de l'historique).",
    "rendez_vous.cree": "Un rendez-vous a été créé.",
    "rendez_vous.modifie": "Un rendez-vous a été modifié (date, présence).",
    "orientation.decidee": "Une orientation a été décidée.",
    "prescription.envoyee": "Une prescription a été envoyée à votre structure.",
    "prescription.repondue": "Une prescription de votre structure a reçu une réponse.",
    "sanction.decidee": "Une sanction a été décidée pour une personne dont votre organisme verse le RSA (CAF, MSA).",
    "sanction.levee": "Une sanction a été levée (remobilisation) ou est arrivée à son terme (CAF, MSA).",
    "sanction.rattrapage": "Des sommes retenues sont à rendre à une personne qui s'est remobilisée (CAF, MSA).",
}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def emit(*, event, departement_id, payload_for, carnet=None, structure_ids=None):
    """Queue deliveries of `event` to the subscriptions of the département that may hear about it.

    `payload_for(structure)` builds the (already filtered) payload for one structure, or None when that structure
    may read none of it (no delivery). With `carnet`,
    only structures following the carnet receive it; with `structure_ids`, only those structures.
    """
    from partenaires.models import AbonnementWebhook, LivraisonWebhook

    # The receiver may run in any context (a task, a command): the event's own département is the scope.
    deliveries = []
    with departement_scope(departement_id):
        subscriptions = AbonnementWebhook.objects.filter(actif=True, evenements__contains=[event])
        for subscription in subscriptions.select_related("structure"):
            structure = subscription.structure
            if structure_ids is not None and structure.pk not in structure_ids:
                continue
            if carnet is not None and not can_partner_read_carnet(structure, carnet):
                continue
            donnees = payload_for(structure)
            if donnees is None:  # nothing this structure may read (`carnet.sensibilite`)
                continue
            deliveries.append(
                LivraisonWebhook.objects.create(
                    abonnement=subscription,
                    evenement=event,
                    payload={"evenement": event, "date": _now_iso(), "donnees": donnees},
                )
            )
    if deliveries:
        from partenaires.tasks_webhooks import livrer_webhook

        for delivery in deliveries:
            enqueue(livrer_webhook, delivery.pk)
    return deliveries


def _now_iso():
    from django.utils import timezone

    return timezone.now().isoformat()


def deliver(livraison, *, post=None):
    """One attempt. Returns True when the partner answered 2xx."""
    import requests

    from partenaires.webhook_targets import ForbiddenTarget
    from partenaires.webhook_targets import post as checked_post

    post = post or checked_post
    secret = livraison.abonnement.secret_en_clair()
    body = json.dumps({"id": str(livraison.uid), **livraison.payload}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-SPIE-Evenement": livraison.evenement,
        "X-SPIE-Livraison": str(livraison.uid),
        "X-SPIE-Horodatage": timestamp,
        "X-SPIE-Signature": sign(secret, timestamp, body),
        "User-Agent": "SPIE-webhooks/1",
    }
    try:
        response = post(livraison.abonnement.url, data=body, headers=headers, timeout=10, allow_redirects=False)
        status = response.status_code
    except (requests.RequestException, ForbiddenTarget) as error:  # a private address: never called
        status = None
        livraison.derniere_erreur = type(error).__name__
    livraison.tentatives += 1
    livraison.dernier_statut = status
    return status is not None and 200 <= status < 300
