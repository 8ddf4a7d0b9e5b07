"""Signed webhooks: subscription, after-commit enqueue, signature, retries, need-to-know filtering."""

import hashlib
import hmac
import http.server
import json
import threading

import pytest
from celery.exceptions import Retry
from django.urls import reverse

from carnet import services
from offre.models import StatutPrescription
from orientation.models import StatutOrientation
from partenaires.models import AbonnementWebhook, LivraisonWebhook, Scope
from partenaires.tasks_webhooks import livrer_webhook
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.offre.factories import PrescriptionFactory
from tests.orientation.factories import DossierFactory, OrientationFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import MembershipFactory, StructureFactory


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 recording what it receives and answering a chosen status."""

    def __init__(self, status=200, headers=None):
        self.status = status
        self.headers = headers or {}
        self.requests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def ft(dep_a):
    return StructureFactory(departement=dep_a, type="france_travail")


@pytest.fixture
def carnet(dep_a, ft):
    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=MembershipFactory(structure=ft).user, structure=ft, est_referent=True)
    return carnet


def subscribe(token_value, url, events):
    response = api(token_value).post(
        reverse("api:webhooks"), {"url": url, "evenements": events}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_subscription_returns_the_secret_once_and_stores_it_encrypted(ft, receiver, unscoped):
    _, value = make_token(ft)
    body = subscribe(value, receiver.url, ["carnet.modifie"])
    abonnement = AbonnementWebhook.objects.get(uid=body["id"])
    assert body["secret"] and body["secret"] not in abonnement.secret_chiffre
    assert abonnement.secret_en_clair() == body["secret"]
    assert "secret" not in api(value).get(reverse("api:webhook", kwargs={"uid": body["id"]})).json()


def test_subscription_needs_https_and_the_scope_of_its_events(ft, unscoped):
    _, value = make_token(ft, scopes=[Scope.BENEFICIAIRES_READ])
    response = api(value).post(
        reverse("api:webhooks"),
        {"url": "http://partenaire.example/hook", "evenements": ["orientation.decidee"]},
        content_type="application/json",
    )
    errors = response.json()["errors"]
    assert (
        response.status_code == 400 and "https" in errors["url"][0] and "orientations:read" in errors["evenements"][0]
    )


def test_carnet_change_is_delivered_signed_after_commit(
    ft, carnet, receiver, dep_a, django_capture_on_commit_callbacks, unscoped
):
    _, value = make_token(ft)
    secret = subscribe(value, receiver.url, ["carnet.modifie"])["secret"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with departement_scope(dep_a):
            services.evenement_record(carnet=carnet, type="note", resume="Note ajoutée")
    assert LivraisonWebhook.objects.count() == 1 and receiver.requests == []  # nothing before the commit
    for callback in callbacks:
        callback()
    raw_headers, body = receiver.requests[0]
    headers = {name.lower(): value for name, value in raw_headers.items()}
    expected = hmac.new(secret.encode(), f"{headers['x-spie-horodatage']}.".encode() + body, hashlib.sha256)
    assert headers["x-spie-signature"] == f"sha256={expected.hexdigest()}"
    assert headers["x-spie-evenement"] == "carnet.modifie"
    payload = json.loads(body)
    assert payload["evenement"] == "carnet.modifie" and payload["donnees"]["carnet_id"] == str(carnet.uid)
    assert LivraisonWebhook.objects.get().statut == "livree"


def test_restricted_events_and_unfollowed_carnets_are_not_sent(
    ft, carnet, receiver, dep_a, django_capture_on_commit_callbacks, unscoped
):
    _, value = make_token(ft)
    subscribe(value, receiver.url, ["carnet.modifie"])
    other = CarnetFactory(departement=dep_a)
    with django_capture_on_commit_callbacks(execute=True):
        with departement_scope(dep_a):
            services.evenement_record(carnet=carnet, type="note", resume="Note restreinte", sensibilite="justice")
            services.evenement_record(carnet=other, type="note", resume="Note ajoutée")
    assert receiver.requests == [] and LivraisonWebhook.objects.count() == 0


def deliveries():
    queryset = LivraisonWebhook.objects.select_related("abonnement__structure").order_by("pk")
    return [(d.abonnement.structure, d.evenement) for d in queryset]


def test_an_orientation_is_announced_when_decided_not_when_proposed(
    ft, carnet, receiver, dep_a, django_capture_on_commit_callbacks, unscoped
):
    _, value = make_token(ft)
    subscribe(value, receiver.url, ["orientation.decidee"])
    with django_capture_on_commit_callbacks(execute=False):
        orientation = OrientationFactory(dossier=DossierFactory(carnet=carnet))
        assert deliveries() == []
        orientation.statut = StatutOrientation.VALIDEE
        with departement_scope(dep_a):
            orientation.save()
    assert deliveries() == [(ft, "orientation.decidee")]
    assert LivraisonWebhook.objects.get().payload["donnees"]["organisme_referent"] == orientation.structure.nom


def test_a_prescription_is_announced_to_its_receiver_and_its_answer_to_its_prescriber(
    dep_a, receiver, django_capture_on_commit_callbacks, unscoped
):
    association, prescriptrice, autre = (StructureFactory(departement=dep_a) for _ in range(3))
    for structure in (association, prescriptrice, autre):
        subscribe(make_token(structure)[1], receiver.url, ["prescription.envoyee", "prescription.repondue"])
    with django_capture_on_commit_callbacks(execute=False):
        prescription = PrescriptionFactory(service__structure=association, structure_prescriptrice=prescriptrice)
        assert deliveries() == [(association, "prescription.envoyee")]
        with departement_scope(dep_a):
            prescription.relancee_le = prescription.created_at
            prescription.save()  # still waiting for an answer: nothing to announce
            assert len(deliveries()) == 1
            prescription.statut = StatutPrescription.ACCEPTEE
            prescription.save()
    assert deliveries()[1:] == [(prescriptrice, "prescription.repondue")]


def test_failed_deliveries_are_retried_then_abandoned(ft, carnet, dep_a, django_capture_on_commit_callbacks, unscoped):
    failing = Receiver(status=503)
    try:
        _, value = make_token(ft)
        subscribe(value, failing.url, ["carnet.modifie"])
        # Eagerly (tests), a retry is only announced (Retry raised); the worker's later runs are simulated.
        with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
            with departement_scope(dep_a):
                services.evenement_record(carnet=carnet, type="note", resume="Note ajoutée")
        livraison = LivraisonWebhook.objects.get()
        assert livraison.tentatives == 1 and livraison.statut == "en_attente"
        outcomes = []
        for _ in range(10):
            try:
                outcomes.append(livrer_webhook.apply(args=[livraison.pk]).get())
            except Retry:
                outcomes.append("retry")
        livraison.refresh_from_db()
        assert livraison.statut == "echec" and livraison.tentatives == 8 and livraison.dernier_statut == 503
        assert len(failing.requests) == 8
        assert outcomes[:7] == ["retry"] * 6 + ["echec"] and outcomes[7:] == ["rien à livrer"] * 3
    finally:
        failing.close()


def test_backoff_grows_exponentially():
    from partenaires.tasks_webhooks import backoff_seconds

    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 6 * 3600


# --- Targets: public addresses only (no server-side request forgery) ------------------------------------------


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.10", False),
        ("169.254.169.254", False),  # a cloud's metadata service
        ("127.0.0.1", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),  # shared address space (carrier NAT)
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),  # IPv4-mapped
        ("2002:7f00:1::1", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 around 169.254.169.254
        ("2001:db8::1", False),  # documentation
        ("193.51.24.1", True),
        ("2a01:e0a::1", True),
    ],
)
def test_only_public_addresses_may_receive_webhooks(settings, address, allowed):
    from partenaires.webhook_targets import address_allowed

    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = False
    assert address_allowed(address) is allowed


def test_loopback_is_allowed_only_for_test_servers(settings):
    from partenaires.webhook_targets import address_allowed, url_refusal

    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = True
    assert address_allowed("127.0.0.1") and address_allowed("::1") and not address_allowed("10.0.0.1")
    assert url_refusal("http://localhost:8080/hook") is None
    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = False
    assert "https" in url_refusal("http://localhost:8080/hook")


def test_subscription_to_a_name_resolving_to_loopback_is_refused(ft, settings, unscoped):
    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = False
    _, value = make_token(ft)
    response = api(value).post(
        reverse("api:webhooks"),
        {"url": "https://localhost:8443/hook", "evenements": ["carnet.modifie"]},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "privée, locale ou réservée" in response.json()["errors"]["url"][0]
    assert not AbonnementWebhook.objects.exists()


def test_delivery_to_a_name_now_resolving_to_loopback_is_never_made(
    ft, carnet, receiver, dep_a, settings, django_capture_on_commit_callbacks, unscoped
):
    local_name = receiver.url.replace("127.0.0.1", "localhost")
    _, value = make_token(ft)
    subscribe(value, local_name, ["carnet.modifie"])  # accepted while test servers were allowed
    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = False
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        with departement_scope(dep_a):
            services.evenement_record(carnet=carnet, type="note", resume="Note ajoutée")
    livraison = LivraisonWebhook.objects.get()
    assert receiver.requests == [] and livraison.statut == "en_attente"
    assert (
        livraison.tentatives == 1
        and livraison.dernier_statut is None
        and livraison.derniere_erreur == "ForbiddenTarget"
    )


def test_connection_is_checked_again_against_dns_rebinding(receiver, settings, monkeypatch):
    """The name resolved to a public address when checked, then to 127.0.0.1 when connecting: refused."""
    from partenaires import webhook_targets

    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = False
    monkeypatch.setattr(webhook_targets, "url_refusal", lambda url: None)
    with pytest.raises(webhook_targets.ForbiddenTarget, match="127.0.0.1"):
        webhook_targets.post(receiver.url, data=b"{}", timeout=5)
    assert receiver.requests == []
    settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = True
    assert webhook_targets.post(receiver.url, data=b"{}", timeout=5).status_code == 200


def test_redirects_are_not_followed(ft, carnet, dep_a, django_capture_on_commit_callbacks, unscoped):
    inside = Receiver()
    redirecting = Receiver(status=307, headers={"Location": inside.url})
    try:
        _, value = make_token(ft)
        subscribe(value, redirecting.url, ["carnet.modifie"])
        with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
            with departement_scope(dep_a):
                services.evenement_record(carnet=carnet, type="note", resume="Note ajoutée")
        livraison = LivraisonWebhook.objects.get()
        assert len(redirecting.requests) == 1 and inside.requests == []
        assert livraison.dernier_statut == 307 and livraison.statut == "en_attente"
    finally:
        inside.close()
        redirecting.close()
