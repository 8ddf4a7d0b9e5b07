"""allauth adapters: no public sign-up, ProConnect matched on (issuer, sub) only."""

import hmac
import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.core.exceptions import PermissionDenied

PROCONNECT_PROVIDER_ID = "proconnect"
FRANCECONNECT_PROVIDER_ID = "franceconnect"
# The State's OpenID Connect federations: each requires a nonce and is pinned to the issuer of its settings.
FEDERATIONS = {PROCONNECT_PROVIDER_ID: "PROCONNECT_SERVER_URL", FRANCECONNECT_PROVIDER_ID: "FRANCECONNECT_SERVER_URL"}


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created from invitations sent by département admins, never by sign-up.
        return False


class ProConnectProvider(OpenIDConnectProvider):
    """allauth's generic OpenID Connect provider, plus the nonce ProConnect (and FranceConnect) require.

    allauth sends no `nonce`; ProConnect refuses an authorization request without one (at least 32
    characters) and returns it in the ID token. A fresh nonce is kept in the login state that allauth
    stashes in the session and is checked in `SocialAccountAdapter.pre_social_login`.
    """

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = {**(self.get_auth_params() if auth_params is None else auth_params), "nonce": nonce}
        # Extra keyword arguments end up in the stashed state, which comes back with the callback.
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False

    def get_provider(self, request, provider, client_id=None):
        instance = super().get_provider(request, provider, client_id=client_id)
        if type(instance) is OpenIDConnectProvider and instance.app.provider_id in FEDERATIONS:
            instance = ProConnectProvider(request, app=instance.app)
        return instance

    def generate_state_param(self, state):
        # ProConnect refuses a `state` shorter than 32 characters; allauth's default is 16.
        return secrets.token_urlsafe(32)

    def pre_social_login(self, request, sociallogin):
        """Refuse an identity whose issuer or nonce is not the one expected.

        allauth already matches an existing SocialAccount on (provider, uid=sub); one provider is
        one issuer, and the issuer claim of the ID token is checked here as well. E-mail addresses
        are never used to attach an identity to an existing account (see SOCIALACCOUNT_EMAIL_*).
        """
        id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
        issuer = id_token.get("iss")
        setting = FEDERATIONS.get(sociallogin.account.provider, "PROCONNECT_SERVER_URL")
        expected = (getattr(settings, setting, None) or "").rstrip("/")
        if issuer is not None and expected and issuer.rstrip("/") != expected:
            raise PermissionDenied("Fournisseur d'identité inattendu.")
        if sociallogin.account.provider in FEDERATIONS:
            expected_nonce = (sociallogin.state or {}).get("nonce")
            nonce = id_token.get("nonce")
            if not (
                expected_nonce
                and isinstance(nonce, str)
                and hmac.compare_digest(nonce.encode(), expected_nonce.encode())
            ):
                raise PermissionDenied("Réponse du fournisseur d'identité invalide.")
