"""Request context: the acting membership, the tenant scope, MFA enforcement, no-store caching, session lifetime."""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from spie.models import ROLES_MFA_OBLIGATOIRE, Membership, Role
from spie.tenancy import all_departements, departement_scope, no_scope

API_PREFIX = "/api/"
SESSION_STRUCTURE_KEY = "spie_structure_uid"
NATIONAL_ADMIN_PREFIX = "/admin-nationale/"


@dataclass
class ActingContext:
    """Who the user acts as for this request: a structure of a département and the roles held there."""

    user_id: int | None = None
    memberships: list = field(default_factory=list)
    structure: object = None
    departement: object = None
    roles: frozenset = frozenset()

    @property
    def structures(self):
        seen = {}
        for membership in self.memberships:
            seen.setdefault(membership.structure_id, membership.structure)
        return list(seen.values())

    def has_role(self, *roles):
        return bool(self.roles.intersection(roles))

    @property
    def is_admin_departement(self):
        return Role.ADMIN_DEPARTEMENT in self.roles


def load_acting_context(request):
    """Read the user's active memberships (fresh at every request: deactivation is immediate)."""
    user = request.user
    if not user.is_authenticated:
        return ActingContext()
    context = ActingContext(user_id=user.pk)
    memberships = list(
        Membership.unscoped_objects.filter(
            user=user, is_active=True, structure__actif=True, departement__actif=True
        ).select_related("structure", "departement")
    )
    context.memberships = memberships
    if not memberships:
        return context
    chosen_uid = request.session.get(SESSION_STRUCTURE_KEY)
    structure = next((m.structure for m in memberships if str(m.structure.uid) == chosen_uid), None)
    if structure is None:
        structure = memberships[0].structure
    context.structure = structure
    context.departement = next(m.departement for m in memberships if m.structure_id == structure.pk)
    context.roles = frozenset(m.role for m in memberships if m.structure_id == structure.pk)
    return context


class TenantMiddleware:
    """Put the acting context on the request and run the view *and* its rendering in the tenant scope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(request, "acting", None) is not None:
            # An earlier middleware resolved who acts and entered the scope (the partner API's token,
            # `partenaires.middleware.PartnerTokenMiddleware`): nothing to add.
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            # The API never acts through a session; left to this middleware, it runs out of any scope.
            acting, scope = ActingContext(), no_scope()
        else:
            acting = load_acting_context(request)
            scope = self._scope(request, acting)
        request.acting = acting
        request.departement = acting.departement
        request.structure = acting.structure
        with scope:
            response = self.get_response(request)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()
        return response

    @staticmethod
    def _scope(request, acting):
        superadmin = request.user.is_authenticated and request.user.is_superuser
        if superadmin and (acting.departement is None or request.path.startswith(NATIONAL_ADMIN_PREFIX)):
            return all_departements()
        if acting.departement is not None:
            return departement_scope(acting.departement)
        return no_scope()


def _path_allowed_without_mfa(path):
    allowed = [reverse("account_logout"), "/comptes/2fa/", "/comptes/reauthenticate/", "/sante/"]
    return path.startswith(settings.STATIC_URL) or any(path.startswith(prefix) for prefix in allowed)


class MfaRequiredMiddleware:
    """Every professional and national superadmin must have a second factor before anything else: a TOTP
    authenticator (asked at each password login by allauth), or a ProConnect login whose `amr` showed one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not _path_allowed_without_mfa(request.path):
            needs_mfa = user.is_superuser or any(m.role in ROLES_MFA_OBLIGATOIRE for m in request.acting.memberships)
            if needs_mfa and not request.session.get(SESSION_MFA_FOURNISSEUR) and not _has_totp(user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)


SESSION_MFA_FOURNISSEUR = "spie_mfa_fournisseur"
# RFC 8176 methods that are a second factor: mfa itself, one-time codes, keys, biometrics, smart cards.
AMR_SECOND_FACTEUR = frozenset({"mfa", "otp", "sms", "hwk", "swk", "pop", "sc", "fpt", "face", "iris", "retina"})


def note_provider_second_factor(sender, request, user, sociallogin=None, **kwargs):
    """allauth's `user_logged_in`: a ProConnect login whose ID token's `amr` shows a second factor stands for TOTP."""
    from spie.adapters import PROCONNECT_PROVIDER_ID

    if sociallogin is None or sociallogin.account.provider != PROCONNECT_PROVIDER_ID:
        return
    amr = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("amr") or []
    if isinstance(amr, list) and AMR_SECOND_FACTEUR.intersection(amr):
        request.session[SESSION_MFA_FOURNISSEUR] = True


def _has_totp(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class NoStoreMiddleware:
    """Authenticated pages carry personal data: no browser or proxy may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response


SESSION_START_KEY = "_spie_debut"
MESSAGE_DUREE_MAX = "Votre session a atteint sa durée maximale de {heures} heures : reconnectez-vous pour continuer."


def stamp_session_start(sender, request, user, **kwargs):
    """Signal `user_logged_in`: the absolute lifetime counts from the login, not from the anonymous session."""
    request.session[SESSION_START_KEY] = time.time()


class SessionLifetimeMiddleware:
    """An absolute lifetime for every session (SPIE_SESSION_DUREE_MAX_HEURES, 12 h), whatever the activity.

    The idle timeout (SESSION_COOKIE_AGE) ends a session nobody uses; this one ends a session kept alive by use or
    left open on a shared computer. A session is stamped when it starts holding anything (a login, the person's
    space); past the lifetime it is flushed and the request goes on as anonymous, so that the page asks to log in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        started = session.get(SESSION_START_KEY)
        hours = settings.SPIE_SESSION_DUREE_MAX_HEURES
        if started is not None and time.time() - started > hours * 3600:
            session.flush()
            request.user = AnonymousUser()
            messages.info(request, MESSAGE_DUREE_MAX.format(heures=hours))
        response = self.get_response(request)
        if SESSION_START_KEY not in session and len(session.keys()) > 0:
            session[SESSION_START_KEY] = time.time()
        return response
