"""allauth adapters: no public sign-up, ProConnect matched on (issuer, sub) only."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created from invitations sent by département admins, never by sign-up.
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        """Refuse an identity whose issuer is not the configured ProConnect issuer.

        allauth already matches an existing SocialAccount on (provider, uid=sub); one provider is
        one issuer, and the issuer claim of the ID token is checked here as well. E-mail addresses
        are never used to attach an identity to an existing account (see SOCIALACCOUNT_EMAIL_*).
        """
        issuer = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("iss")
        expected = (settings.PROCONNECT_SERVER_URL or "").rstrip("/")
        if issuer is not None and expected and issuer.rstrip("/") != expected:
            raise PermissionDenied("Fournisseur d'identité inattendu.")
