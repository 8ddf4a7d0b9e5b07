"""The partners app's part of a person's anonymisation (called by carnet.services.anonymisation only).

The CAF/MSA flux's fingerprint of the person is deleted (a later file naming them again creates a new person).
Webhook deliveries about the carnet lose their payload; stored idempotent API answers that carry the carnet are
deleted (a replay then runs again, and finds nothing). API call logs keep only identifiers: they stay.
"""

from partenaires.models import CleIdempotence, EmpreinteFlux, LivraisonWebhook


def anonymiser(*, carnet) -> dict[str, int]:
    uid = str(carnet.uid)
    empreintes, _ = EmpreinteFlux.objects.filter(beneficiaire_id=carnet.beneficiaire_id).delete()
    livraisons = LivraisonWebhook.objects.filter(
        abonnement__departement_id=carnet.departement_id, payload__icontains=uid
    ).update(payload={}, derniere_erreur="")
    cles, _ = CleIdempotence.objects.filter(
        jeton__departement_id=carnet.departement_id, reponse__icontains=uid
    ).delete()
    return {
        "partenaires.empreinteflux": empreintes,
        "partenaires.livraisonwebhook": livraisons,
        "partenaires.cleidempotence": cles,
    }


supprimer = anonymiser
