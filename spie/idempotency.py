"""Idempotency-Key: a client may retry a POST without creating twice (the answer of the first call is replayed).

The one mechanism of the API. The records are stored by the caller's model (the partner API's `CleIdempotence`,
one row per token and key), passed in with the fields that tie a record to its owner: the foundation does not
import the apps that use it.
"""

import hashlib
import json

from django.db import transaction
from rest_framework import exceptions, status
from rest_framework.response import Response

from spie.locks import transaction_lock

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 100
# Headers of the first answer that a replay gives again.
REPLAYED_HEADERS = ("ETag", "Location")


class IdempotencyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Cette clé d'idempotence a déjà servi pour une autre requête."
    default_code = "idempotency_key_reused"


def body_fingerprint(request) -> str:
    """The request's JSON body and path: a retry must send the same."""
    return hashlib.sha256(
        json.dumps(request.data, sort_keys=True, default=str).encode() + request.path.encode()
    ).hexdigest()


def idempotent_create(request, create, *, records, owner, fingerprint=None):
    """Run `create()` (returning a DRF Response) once per Idempotency-Key of `owner`.

    `records` is the model keeping first answers (fields `cle`, `empreinte_requete`, `statut`, `reponse`,
    `entetes`), `owner` the fields that scope a key (e.g. `{"jeton": token}`). Without the header, `create()` just
    runs. A retry with the same fingerprint (by default: `body_fingerprint`) gets the stored answer with
    `Idempotent-Replayed: true`; with another, 422. An answer of 5xx is not stored: the retry runs again.
    """
    key = request.headers.get(HEADER)
    if not key:
        return create()
    if len(key) > KEY_MAX_LENGTH:
        raise exceptions.ValidationError({HEADER: f"{KEY_MAX_LENGTH} caractères au plus."})
    fingerprint = fingerprint or body_fingerprint(request)
    with transaction.atomic():
        # Two first calls with the same key at once: the second waits for the first's answer, then replays it
        # (a row lock cannot serialise them: there is no row yet).
        owner_ids = ",".join(f"{name}={getattr(value, 'pk', value)}" for name, value in sorted(owner.items()))
        transaction_lock(f"idempotency:{records._meta.db_table}:{owner_ids}:{key}")
        previous = records.objects.filter(cle=key, **owner).first()
        if previous is not None:
            if previous.empreinte_requete != fingerprint:
                raise IdempotencyMismatch()
            response = Response(previous.reponse, status=previous.statut)
            for name, value in previous.entetes.items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            return response
        response = create()
        if response.status_code < 500:
            records.objects.create(
                cle=key,
                empreinte_requete=fingerprint,
                statut=response.status_code,
                reponse=json.loads(json.dumps(response.data, default=str)),
                entetes={name: response[name] for name in REPLAYED_HEADERS if name in response},
                **owner,
            )
        return response
