"""A local OpenID Connect provider standing in for ProConnect in tests.

A real HTTP server (stdlib `http.server`) runs in a background thread on 127.0.0.1 with an
ephemeral port, so that allauth talks to it over HTTP exactly as it would to ProConnect: discovery
document, authorization redirect, token endpoint (client secret + PKCE checked), userinfo.

Usage::

    def test_something(fake_oidc, client):
        fake_oidc.identity = {"sub": "abc", "email": "camille@exemple.fr", ...}
        # POST to the allauth login view, follow the redirect to fake_oidc.authorization_endpoint
        # with `requests`, then give the callback URL back to the Django test client.

It enforces ProConnect's documented rules where they matter: `state` and `nonce` of at least 32
characters at /authorize, client_secret_post at /token, PKCE (S256) checked, codes usable once.

Knobs a test may turn before the flow: `identity` (claims of the next person to authenticate),
`id_token_issuer` (sign the ID token with another `iss`), `id_token_nonce` (put another nonce in
the ID token), `discovery_issuer` (announce another issuer in the discovery document). What the
server saw is kept in `authorize_requests` and `token_requests`.
"""

import base64
import hashlib
import importlib.util
import json
import secrets
import threading
import time
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

import spie.settings.base

CLIENT_ID = "spie-client-de-test"
CLIENT_SECRET = "secret-du-client-de-test"
KEY_ID = "cle-de-test-1"


@cache
def _signing_key():
    # Generating an RSA key costs tens of milliseconds: one per test session is enough.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url_sha256(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class FakeOIDCProvider:
    """The provider's state, shared between the test (main thread) and the HTTP server thread."""

    def __init__(self, *, client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
        self.client_id = client_id
        self.client_secret = client_secret
        self.private_key = _signing_key()
        self.identity = {
            "sub": "sub-par-defaut",
            "email": "personne@exemple.fr",
            "given_name": "Dominique",
            "usual_name": "Durand",
        }
        self.discovery_issuer = None
        self.id_token_issuer = None
        self.id_token_nonce = None
        self.id_token_acr = None
        self.authorize_requests = []
        self.token_requests = []
        self._codes = {}
        self._access_tokens = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        # A short poll interval keeps `shutdown()` (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-oidc", daemon=True
        )

    # --- Life cycle -------------------------------------------------------------------------

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- Addresses --------------------------------------------------------------------------

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def issuer(self):
        """What the discovery document announces (the server URL unless a test says otherwise)."""
        return self.discovery_issuer or self.url

    @property
    def authorization_endpoint(self):
        return f"{self.url}/authorize"

    def openid_configuration(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "given_name", "usual_name", "uid"],
        }

    def jwks(self):
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    # --- Endpoints (called from the server thread) ------------------------------------------

    def authorize(self, query):
        """Record the request and answer as if the person had authenticated at once."""
        params = {key: values[0] for key, values in parse_qs(query).items()}
        with self._lock:
            self.authorize_requests.append(params)
            if params.get("client_id") != self.client_id or params.get("response_type") != "code":
                return HTTPStatus.BAD_REQUEST, {"error": "invalid_request"}, None
            if "redirect_uri" not in params or "openid" not in params.get("scope", "").split():
                return HTTPStatus.BAD_REQUEST, {"error": "invalid_request"}, None
            # ProConnect requires a random state and nonce of at least 32 characters each.
            if len(params.get("state", "")) < 32 or len(params.get("nonce", "")) < 32:
                return HTTPStatus.BAD_REQUEST, {"error": "invalid_request", "error_description": "state/nonce"}, None
            code = secrets.token_urlsafe(24)
            self._codes[code] = {
                "redirect_uri": params["redirect_uri"],
                "nonce": self.id_token_nonce or params["nonce"],
                "code_challenge": params.get("code_challenge"),
                "code_challenge_method": params.get("code_challenge_method"),
                "identity": dict(self.identity),
                # FranceConnect: the eIDAS level asked for comes back as the `acr` claim (or the one a test forces).
                "acr": self.id_token_acr or params.get("acr_values"),
            }
        answer = urlencode({"code": code, "state": params["state"]})
        return HTTPStatus.FOUND, None, f"{params['redirect_uri']}?{answer}"

    def token(self, form):
        """Exchange a code once, for the client it was issued to, with the matching PKCE verifier."""
        params = {key: values[0] for key, values in parse_qs(form).items()}
        with self._lock:
            self.token_requests.append(params)
            if params.get("client_id") != self.client_id or params.get("client_secret") != self.client_secret:
                return HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}
            grant = self._codes.pop(params.get("code", ""), None)
            if params.get("grant_type") != "authorization_code" or grant is None:
                return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant"}
            if params.get("redirect_uri") != grant["redirect_uri"]:
                return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant"}
            verifier = params.get("code_verifier")
            if (
                grant["code_challenge_method"] != "S256"
                or not verifier
                or _b64url_sha256(verifier) != grant["code_challenge"]
            ):
                return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant", "error_description": "PKCE"}
            access_token = secrets.token_urlsafe(24)
            self._access_tokens[access_token] = grant["identity"]
        return HTTPStatus.OK, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": self._id_token(grant),
        }

    def userinfo(self, authorization):
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            identity = self._access_tokens.get(token) if scheme.lower() == "bearer" else None
        if identity is None:
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_token"}
        return HTTPStatus.OK, identity

    def _id_token(self, grant):
        now = int(time.time())
        identity = grant["identity"]
        claims = {
            "iss": self.id_token_issuer or self.issuer,
            "sub": identity["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 60,
            "nonce": grant["nonce"],
            "email": identity.get("email"),
        }
        if grant.get("acr"):
            claims["acr"] = grant["acr"]
        if identity.get("amr"):
            claims["amr"] = identity["amr"]  # the authentication methods the provider used (RFC 8176)
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": KEY_ID})


def _make_handler(provider):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(HTTPStatus.OK, provider.openid_configuration())
            elif url.path == "/jwks":
                self._json(HTTPStatus.OK, provider.jwks())
            elif url.path == "/authorize":
                status, body, location = provider.authorize(url.query)
                if location:
                    self.send_response(status)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(status, body)
            elif url.path == "/userinfo":
                self._json(*provider.userinfo(self.headers.get("Authorization")))
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            if urlsplit(self.path).path == "/token":
                self._json(*provider.token(body))
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

        def _json(self, status, payload):
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            # Keep the test output clean: requests are recorded on the provider instead.
            pass

    return Handler


@pytest.fixture
def fake_oidc(settings, monkeypatch):
    """Start the fake provider and point the ProConnect app of allauth at it.

    The allauth settings are those `spie.settings.base` builds from the OIDC_PROCONNECT_* variables,
    so that the tests exercise the production configuration (scope, PKCE, client authentication).
    """
    provider = FakeOIDCProvider().start()
    try:
        monkeypatch.setenv("OIDC_PROCONNECT_SERVER_URL", provider.url)
        monkeypatch.setenv("OIDC_PROCONNECT_CLIENT_ID", provider.client_id)
        monkeypatch.setenv("OIDC_PROCONNECT_CLIENT_SECRET", provider.client_secret)
        base = _fresh_base_settings()
        settings.PROCONNECT_SERVER_URL = base.PROCONNECT_SERVER_URL
        settings.SOCIALACCOUNT_PROVIDERS = base.SOCIALACCOUNT_PROVIDERS
        yield provider
    finally:
        provider.stop()


def _fresh_base_settings():
    """Execute a private copy of `spie.settings.base` against the current environment."""
    spec = importlib.util.spec_from_file_location("_spie_settings_base_for_tests", spie.settings.base.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
