"""allauth's social adapter, extended for FranceConnect: the person's identity never becomes a `spie.User`.

After allauth and `spie.adapters` have checked the state, the nonce and the issuer, a FranceConnect login
is taken out of allauth's account flow: the eIDAS level (`acr`) is checked, then the person's own space
takes over (usager.views_connexion) with the `sub` as the key.
"""

from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from spie.adapters import FRANCECONNECT_PROVIDER_ID
from spie.adapters import SocialAccountAdapter as SpieSocialAccountAdapter
from spie.audit import log_access
from spie.models import Action, Canal
from usager.connexion import PIVOT_SESSION_KEY, compte_franceconnect, pivot_depuis_claims
from usager.session import ouvrir_session


class SocialAccountAdapter(SpieSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        super().pre_social_login(request, sociallogin)
        if sociallogin.account.provider != FRANCECONNECT_PROVIDER_ID:
            return
        extra = sociallogin.account.extra_data or {}
        id_token = extra.get("id_token") or {}
        if id_token.get("acr") not in settings.FRANCECONNECT_ACR_VALUES:
            raise PermissionDenied("Niveau de garantie de l'identité insuffisant.")
        claims = {**id_token, **(extra.get("userinfo") or {})}
        sub = sociallogin.account.uid
        compte = compte_franceconnect(sub)
        if compte is not None:
            ouvrir_session(request, compte)
            log_access(
                action=Action.CONNEXION,
                obj=compte.beneficiaire,
                departement=compte.departement,
                canal=Canal.USAGER,
                details={"mode": "franceconnect"},
            )
            raise ImmediateHttpResponse(redirect("usager:accueil"))
        if request.user.is_authenticated:
            from django.contrib.auth import logout

            logout(request)
        request.session[PIVOT_SESSION_KEY] = pivot_depuis_claims(sub, claims)
        raise ImmediateHttpResponse(redirect("usager:liaison"))
