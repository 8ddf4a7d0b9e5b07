"""The one Idempotency-Key helper (`spie.idempotency.idempotent_create`), with the partner API's store."""

import pytest
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from partenaires.models import CleIdempotence
from spie.idempotency import IdempotencyMismatch, body_fingerprint, idempotent_create
from tests.partenaires.test_api import make_token


def post(body, key=None, path="/api/v1/beneficiaires"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return Request(APIRequestFactory().post(path, body, format="json", **headers), parsers=[JSONParser()])


@pytest.fixture
def jeton(structure_a):
    return make_token(structure_a)[0]


@pytest.fixture
def creations():
    made = []

    def create(status=201):
        made.append(1)
        response = Response({"id": len(made), "quand": "2026-12-07"}, status=status)
        response["ETag"], response["Location"] = f'"x-{len(made)}"', f"/objets/{len(made)}"
        return response

    return made, create


def run(request, jeton, create, **kwargs):
    return idempotent_create(request, create, records=CleIdempotence, owner={"jeton": jeton}, **kwargs)


def test_without_the_header_every_call_creates(jeton, creations):
    made, create = creations
    run(post({"nom": "Dupont"}), jeton, create)
    run(post({"nom": "Dupont"}), jeton, create)
    assert len(made) == 2 and not CleIdempotence.objects.exists()


def test_a_retry_with_the_same_body_replays_the_first_answer(jeton, creations):
    made, create = creations
    first = run(post({"nom": "Dupont"}, "k1"), jeton, create)
    again = run(post({"nom": "Dupont"}, "k1"), jeton, create)
    assert len(made) == 1
    assert (again.status_code, again.data) == (201, first.data)
    assert (again["ETag"], again["Location"], again["Idempotent-Replayed"]) == ('"x-1"', "/objets/1", "true")
    assert "Idempotent-Replayed" not in first


def test_the_same_key_with_another_body_is_422(jeton, creations):
    made, create = creations
    run(post({"nom": "Dupont"}, "k1"), jeton, create)
    with pytest.raises(IdempotencyMismatch) as error:
        run(post({"nom": "Martin"}, "k1"), jeton, create)
    assert error.value.status_code == 422 and len(made) == 1


def test_a_given_fingerprint_replaces_the_body(jeton, creations):
    made, create = creations
    run(post({}, "k1"), jeton, create, fingerprint="fichier-a")
    assert run(post({}, "k1"), jeton, create, fingerprint="fichier-a")["Idempotent-Replayed"] == "true"
    with pytest.raises(IdempotencyMismatch):
        run(post({}, "k1"), jeton, create, fingerprint="fichier-b")
    assert len(made) == 1


def test_keys_belong_to_their_owner(jeton, structure_a, creations):
    made, create = creations
    other = make_token(structure_a)[0]
    run(post({"nom": "Dupont"}, "k1"), jeton, create)
    response = run(post({"nom": "Dupont"}, "k1"), other, create)
    assert len(made) == 2 and "Idempotent-Replayed" not in response


def test_a_server_error_is_not_stored_so_the_retry_runs_again(jeton, creations):
    made, create = creations
    run(post({"nom": "Dupont"}, "k1"), jeton, lambda: create(status=503))
    assert not CleIdempotence.objects.exists()
    assert run(post({"nom": "Dupont"}, "k1"), jeton, create).status_code == 201 and len(made) == 2


def test_a_key_longer_than_100_characters_is_refused(jeton, creations):
    made, create = creations
    with pytest.raises(exceptions.ValidationError):
        run(post({"nom": "Dupont"}, "k" * 101), jeton, create)
    assert made == []


def test_the_body_fingerprint_ignores_key_order_but_not_the_path():
    assert body_fingerprint(post({"a": 1, "b": 2})) == body_fingerprint(post({"b": 2, "a": 1}))
    assert body_fingerprint(post({"a": 1})) != body_fingerprint(post({"a": 1}, path="/api/v1/autre"))


@pytest.mark.django_db(transaction=True)
def test_two_first_calls_at_once_create_once_and_the_second_replays(jeton):
    """The race of two retries sent together (no stored answer yet): never a 500, never two objects."""
    import threading
    import time

    from django.db import connection

    made, answers, errors = [], [], []
    barrier = threading.Barrier(2)

    def create():
        made.append(1)
        time.sleep(0.5)  # the other call arrives while this one is still creating
        return Response({"id": len(made)}, status=201)

    def call():
        try:
            barrier.wait()
            answers.append(run(post({"nom": "Dupont"}, "course"), jeton, create))
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(made) == 1
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert [a.data for a in answers] == [{"id": 1}, {"id": 1}]
    assert sum(a.get("Idempotent-Replayed") == "true" for a in answers) == 1
    assert CleIdempotence.objects.filter(cle="course").count() == 1
