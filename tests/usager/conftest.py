"""Fixtures of the person's space: a fake FranceConnect (the fake OIDC provider of tests/spie), a person's session."""

import time

import pytest
from django.test import Client

from spie.tenancy import departement_scope
from tests.spie.fake_oidc import FakeOIDCProvider, _fresh_base_settings
from usager.models import CompteUsager
from usager.session import SESSION_KEY


@pytest.fixture
def fake_franceconnect(settings, monkeypatch):
    provider = FakeOIDCProvider().start()
    try:
        monkeypatch.setenv("OIDC_FRANCECONNECT_SERVER_URL", provider.url)
        monkeypatch.setenv("OIDC_FRANCECONNECT_CLIENT_ID", provider.client_id)
        monkeypatch.setenv("OIDC_FRANCECONNECT_CLIENT_SECRET", provider.client_secret)
        base = _fresh_base_settings()
        settings.FRANCECONNECT_SERVER_URL = base.FRANCECONNECT_SERVER_URL
        settings.FRANCECONNECT_ACR_VALUES = base.FRANCECONNECT_ACR_VALUES
        settings.SOCIALACCOUNT_PROVIDERS = base.SOCIALACCOUNT_PROVIDERS
        yield provider
    finally:
        provider.stop()


def compte_pour(carnet):
    with departement_scope(carnet.departement_id):
        compte, _ = CompteUsager.objects.get_or_create(
            beneficiaire=carnet.beneficiaire, defaults={"departement_id": carnet.departement_id}
        )
    return compte


def client_usager(carnet):
    """A browser with the person's session open on their own carnet."""
    compte = compte_pour(carnet)
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"compte": str(compte.uid), "departement": compte.departement_id, "activite": time.time()}
    session.save()
    return client


@pytest.fixture(autouse=True)
def _envoi_immediat(monkeypatch):
    """The outbox sends after the commit, which test transactions never reach: send at once instead."""
    import spie.outbox

    class _Transaction:
        def __getattr__(self, name):
            from django.db import transaction

            return getattr(transaction, name)

        @staticmethod
        def on_commit(func, *args, **kwargs):
            func()

    monkeypatch.setattr(spie.outbox, "transaction", _Transaction())
