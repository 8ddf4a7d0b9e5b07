"""Login and accounts: ProConnect, MFA, rate limiting, password reset, closed sign-up, sessions, deactivation.

ProConnect runs against a real local OpenID Connect server (tests/spie/fake_oidc.py).
"""

import datetime
import os
import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from spie.models import Membership, User
from tests.spie import fake_oidc as fake_oidc_module
from tests.spie.factories import TOTP_SECRET, MembershipFactory, UserFactory

fake_oidc = fake_oidc_module.fake_oidc  # The fixture, made available to this module.

PASSWORD = "mot-de-passe-solide-123"  # The one UserFactory sets.
PROCONNECT_LOGIN_URL = reverse("openid_connect_login", kwargs={"provider_id": "proconnect"})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def password_login(client, email, password=PASSWORD, *, code=True):
    """The login form; then, when allauth asks for it (the account has a TOTP authenticator), the one-time code
    (`code=False`: stop at that step)."""
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if code and response.status_code == 302 and response["Location"] == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    return response


# --- ProConnect -----------------------------------------------------------------------------


def proconnect_flow(client, provider, *, process=None):
    """Run the whole authorization-code flow; return the response of the callback view."""
    response = client.post(PROCONNECT_LOGIN_URL, {"process": process} if process else {})
    assert response.status_code == 302
    assert response["Location"].startswith(provider.authorization_endpoint + "?")
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["Location"])
    assert callback.path == reverse("openid_connect_callback", kwargs={"provider_id": "proconnect"})
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def agent_proconnect(structure_a, fake_oidc):
    """A professional who logs in with ProConnect only (no TOTP of ours): ProConnect's `amr` shows a second factor."""
    agent = MembershipFactory(structure=structure_a, role="professionnel", user__totp=False).user
    SocialAccount.objects.create(user=agent, provider="proconnect", uid="sub-agent-a")
    fake_oidc.identity = {
        "sub": "sub-agent-a",
        "email": agent.email,
        "email_verified": True,
        "given_name": agent.first_name,
        "usual_name": agent.last_name,
        "amr": ["pwd", "mfa"],
    }
    return agent


def test_proconnect_sans_second_facteur_demande_le_totp(client, fake_oidc, agent_proconnect):
    # The identity provider says it used a password alone: our own second factor is required.
    fake_oidc.identity = {**fake_oidc.identity, "amr": ["pwd"]}

    proconnect_flow(client, fake_oidc)

    assert logged_in_user_id(client) == str(agent_proconnect.pk)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_proconnect_connecte_le_compte_lie_par_issuer_et_sub(client, fake_oidc, agent_proconnect):
    response = proconnect_flow(client, fake_oidc)

    assert response.status_code == 302
    assert response["Location"] == reverse("spie:accueil")
    assert logged_in_user_id(client) == str(agent_proconnect.pk)
    assert agent_proconnect.last_name in client.get("/").content.decode()
    # The provider saw a PKCE challenge and the state allauth generated, and the exchange used them.
    (authorize,) = fake_oidc.authorize_requests
    assert authorize["code_challenge_method"] == "S256"
    assert authorize["state"]
    assert set(authorize["scope"].split()) >= {"openid", "email", "given_name", "usual_name"}
    (token_request,) = fake_oidc.token_requests
    assert token_request["code_verifier"]


def test_proconnect_ne_rattache_pas_un_compte_existant_par_son_adresse(client, fake_oidc, agent_a):
    """Same e-mail, no linked SocialAccount: neither logged in nor merged, and no sign-up either."""
    fake_oidc.identity = {"sub": "sub-inconnu", "email": agent_a.email, "email_verified": True}
    users_before = User.objects.count()

    response = proconnect_flow(client, fake_oidc)

    assert response.status_code == 200
    assertTemplateUsed(response, "account/signup_closed.html")
    assert logged_in_user_id(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == users_before


def test_proconnect_inconnu_ne_cree_aucun_compte(client, fake_oidc, db):
    fake_oidc.identity = {"sub": "sub-inconnu", "email": "inconnu@exemple.fr", "email_verified": True}

    response = proconnect_flow(client, fake_oidc)

    assert response.status_code == 200
    assertTemplateUsed(response, "account/signup_closed.html")
    assert logged_in_user_id(client) is None
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_proconnect_refuse_un_jeton_d_un_autre_issuer(client, fake_oidc, agent_proconnect):
    fake_oidc.id_token_issuer = "https://autre-fournisseur.example"

    response = proconnect_flow(client, fake_oidc)

    assertTemplateUsed(response, "socialaccount/authentication_error.html")
    assert logged_in_user_id(client) is None
    # Refused on the ID token itself: the code exchange did happen.
    assert len(fake_oidc.token_requests) == 1


def test_proconnect_refuse_un_issuer_autre_que_l_url_configuree(client, fake_oidc, agent_proconnect):
    """A discovery document announcing (and signing for) another issuer is refused by our adapter.

    allauth only checks the ID token against the issuer the discovery document announces; the
    adapter pins it to PROCONNECT_SERVER_URL.
    """
    fake_oidc.discovery_issuer = "https://autre-fournisseur.example"

    response = proconnect_flow(client, fake_oidc)

    assertTemplateUsed(response, "socialaccount/authentication_error.html")
    assert logged_in_user_id(client) is None


def test_proconnect_code_rejoue_refuse(client, fake_oidc, agent_proconnect):
    """A callback URL replayed (same code and state) does not log anybody in a second time."""
    response = client.post(PROCONNECT_LOGIN_URL)
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(at_provider.headers["Location"])
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None

    replay = client.get(f"{callback.path}?{callback.query}")

    assertTemplateUsed(replay, "socialaccount/authentication_error.html")
    assert logged_in_user_id(client) is None


def test_agent_connecte_par_mot_de_passe_peut_lier_proconnect(client, fake_oidc, agent_a, _clock):
    password_login(client, agent_a.email)
    assert logged_in_user_id(client) == str(agent_a.pk)
    connections = client.get(reverse("socialaccount_connections"))
    assert connections.status_code == 200
    assert PROCONNECT_LOGIN_URL in connections.content.decode()
    fake_oidc.identity = {"sub": "sub-lie-par-l-agent", "email": "adresse-proconnect@exemple.fr"}

    response = proconnect_flow(client, fake_oidc, process="connect")

    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_connections")
    account = SocialAccount.objects.get(provider="proconnect")
    assert (account.user, account.uid) == (agent_a, "sub-lie-par-l-agent")
    # From now on ProConnect logs the agent in, then the agent's TOTP (a new code: the first is spent).
    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None
    assert proconnect_flow(client, fake_oidc)["Location"] == reverse("mfa_authenticate")
    _clock.shift(datetime.timedelta(seconds=mfa_settings.TOTP_PERIOD))
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert logged_in_user_id(client) == str(agent_a.pk)


def test_proconnect_envoie_state_et_nonce_et_verifie_le_nonce(client, fake_oidc, agent_proconnect):
    """ProConnect requires a random state and nonce (32 characters or more) and the nonce to be checked."""
    proconnect_flow(client, fake_oidc)
    client.post(reverse("account_logout"))
    proconnect_flow(client, fake_oidc)

    first, second = fake_oidc.authorize_requests
    assert len(first["state"]) >= 32 and len(first["nonce"]) >= 32
    assert first["state"] != second["state"] and first["nonce"] != second["nonce"]
    assert logged_in_user_id(client) == str(agent_proconnect.pk)


def test_proconnect_refuse_un_jeton_au_nonce_inattendu(client, fake_oidc, agent_proconnect):
    fake_oidc.id_token_nonce = "un-nonce-rejoue-d-une-autre-connexion-0123456789"

    response = proconnect_flow(client, fake_oidc)

    assertTemplateUsed(response, "socialaccount/authentication_error.html")
    assert logged_in_user_id(client) is None


def test_proconnect_refuse_un_compte_desactive(client, fake_oidc, agent_proconnect):
    User.objects.filter(pk=agent_proconnect.pk).update(is_active=False)

    response = proconnect_flow(client, fake_oidc)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert logged_in_user_id(client) is None


def test_admin_via_proconnect_doit_aussi_saisir_son_code_totp(client, fake_oidc, admin_a, totp_tolerance):
    SocialAccount.objects.create(user=admin_a, provider="proconnect", uid="sub-admin-a")
    fake_oidc.identity = {"sub": "sub-admin-a", "email": admin_a.email}

    response = proconnect_flow(client, fake_oidc)

    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert logged_in_user_id(client) == str(admin_a.pk)


# --- MFA ------------------------------------------------------------------------------------


@pytest.fixture
def totp_tolerance(settings):
    # A code computed just before a period boundary must still pass just after it: no flaky test.
    settings.MFA_TOTP_TOLERANCE = 1


def _counter():
    return int(time.time()) // mfa_settings.TOTP_PERIOD


def totp_code(secret):
    return format_hotp_value(hotp_value(secret, _counter()))


def wrong_totp_code(secret):
    """A well-formed code that no counter of the tolerance window accepts."""
    counter = _counter()
    valid = {format_hotp_value(hotp_value(secret, counter + delta)) for delta in range(-2, 3)}
    return next(code for code in (f"{n:06d}" for n in range(10**6)) if code not in valid)


@pytest.fixture
def admin_sans_totp(structure_a):
    return MembershipFactory(structure=structure_a, role="admin_departement", user__totp=False).user


def test_admin_doit_saisir_son_code_totp_apres_le_mot_de_passe(client, admin_a, totp_tolerance):
    response = password_login(client, admin_a.email, code=False)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None
    assert client.get("/departement/").status_code == 302  # Not logged in yet: sent to the login page.

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(admin_a.pk)
    assert client.get("/departement/").status_code == 200


def test_admin_code_totp_faux_refuse(client, admin_a, totp_tolerance):
    password_login(client, admin_a.email, code=False)

    response = client.post(reverse("mfa_authenticate"), {"code": wrong_totp_code(TOTP_SECRET)})

    assert response.status_code == 200
    assert "Code incorrect." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_admin_sans_totp_est_renvoye_vers_l_activation_de_toute_page(client, admin_sans_totp):
    response = password_login(client, admin_sans_totp.email)
    assert logged_in_user_id(client) == str(admin_sans_totp.pk)  # No authenticator: no MFA step yet.

    for url in [response["Location"], "/", "/departement/", reverse("spie:admin_structures")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    reach_totp_activation(client, admin_sans_totp)


def reach_totp_activation(client, user):
    """allauth asks for the password again before adding an authenticator; that page must stay reachable."""
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_reauthenticate")
    assert client.get(response["Location"]).status_code == 200
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    return response


def test_admin_sans_totp_peut_se_deconnecter(client, admin_sans_totp):
    client.force_login(admin_sans_totp)
    assert client.get("/").status_code == 302

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_professionnel_sans_totp_est_force_aussi(client, structure_a):
    # Every professional reads people's files: no page before a second factor, whatever the role.
    for role in ("professionnel", "charge_orientation", "validateur_orientation", "responsable_structure"):
        user = MembershipFactory(structure=structure_a, role=role, user__totp=False).user
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 302, role
        assert response["Location"] == reverse("mfa_activate_totp"), role


def test_superadmin_sans_totp_est_force_aussi(client, db):
    superadmin = UserFactory(is_superuser=True, is_staff=True, totp=False)
    client.force_login(superadmin)

    for url in ["/", "/admin-nationale/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


def test_activation_totp_puis_connexion_par_code_de_recuperation(client, admin_sans_totp, totp_tolerance):
    password_login(client, admin_sans_totp.email)
    reach_totp_activation(client, admin_sans_totp)
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    totp = Authenticator.objects.get(user=admin_sans_totp, type=Authenticator.Type.TOTP)
    assert secret not in str(totp.data)  # Encrypted at rest by spie.mfa.MFAAdapter.
    assert client.get("/departement/").status_code == 200  # No longer sent to the activation page.
    recovery = Authenticator.objects.get(user=admin_sans_totp, type=Authenticator.Type.RECOVERY_CODES)
    codes = RecoveryCodes(recovery).get_unused_codes()
    assert len(codes) == 10

    client.post(reverse("account_logout"))
    assert password_login(client, admin_sans_totp.email, code=False)["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})

    assert logged_in_user_id(client) == str(admin_sans_totp.pk)
    recovery.refresh_from_db()
    assert codes[0] not in RecoveryCodes(recovery).get_unused_codes()
    # A recovery code works once.
    client.post(reverse("account_logout"))
    password_login(client, admin_sans_totp.email, code=False)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "Code incorrect." in response.content.decode()
    assert logged_in_user_id(client) is None


# --- Rate limiting --------------------------------------------------------------------------

RATE_LIMITED = "Trop de tentatives de connexion échouées"


def test_cinq_echecs_bloquent_le_compte_meme_avec_le_bon_mot_de_passe(client, agent_a, partner_a):
    for _ in range(5):
        response = password_login(client, agent_a.email, "mauvais-mot-de-passe")
        assert response.status_code == 200
        assert RATE_LIMITED not in response.content.decode()

    response = password_login(client, agent_a.email)

    assert response.status_code == 200
    assert RATE_LIMITED in response.content.decode()
    assert logged_in_user_id(client) is None
    # The limit is per account: another person behind the same address still logs in.
    password_login(client, partner_a.email)
    assert logged_in_user_id(client) == str(partner_a.pk)


def test_quatre_echecs_ne_bloquent_pas_le_compte(client, agent_a):
    for _ in range(4):
        password_login(client, agent_a.email, "mauvais-mot-de-passe")

    password_login(client, agent_a.email)

    assert logged_in_user_id(client) == str(agent_a.pk)


# --- Password reset -------------------------------------------------------------------------


def test_reinitialisation_du_mot_de_passe_par_lien_recu_en_francais(client, agent_a, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": agent_a.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    (message,) = mailoutbox
    assert message.to == [agent_a.email]
    assert message.subject == "[SPIE] E-mail de réinitialisation de mot de passe"
    assert "mot de passe" in message.body
    link = re.search(r"http://testserver(/comptes/password/reset/key/\S+/)", message.body).group(1)

    form_url = client.get(link)["Location"]
    assert client.get(form_url).status_code == 200
    new_password = "un-nouveau-mot-de-passe-tres-solide"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    agent_a.refresh_from_db()
    assert agent_a.check_password(new_password)
    assert logged_in_user_id(client) is None  # ACCOUNT_LOGIN_ON_PASSWORD_RESET is off.
    assert password_login(client, agent_a.email, PASSWORD).status_code == 200  # The old one no longer works.
    password_login(client, agent_a.email, new_password)
    assert logged_in_user_id(client) == str(agent_a.pk)
    # The link is spent.
    client.post(reverse("account_logout"))
    assert client.get(link).context["token_fail"] is True


def test_reinitialisation_pour_une_adresse_inconnue_n_envoie_rien(client, db, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "inconnu@exemple.fr"})

    # Same answer as for a known address: nothing tells whether the account exists.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert mailoutbox == []


# --- No public sign-up ----------------------------------------------------------------------


def test_inscription_publique_fermee(client, db):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assertTemplateUsed(response, "account/signup_closed.html")
    assert "les inscriptions sont actuellement fermées" in response.content.decode()


def test_la_page_de_connexion_ne_propose_pas_d_inscription(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in page and "sur invitation de l'administrateur" in page


def test_inscription_postee_ne_cree_aucun_compte(client, db):
    password = "un-mot-de-passe-tres-solide"
    response = client.post(
        reverse("account_signup"), {"email": "nouveau@exemple.fr", "password1": password, "password2": password}
    )

    assertTemplateUsed(response, "account/signup_closed.html")
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None


# --- Sessions and caching -------------------------------------------------------------------


def test_duree_de_session_egale_au_delai_d_inactivite(settings):
    assert settings.SESSION_COOKIE_AGE == int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def _session_ttl(client, seconds=None):
    """Sessions live in PostgreSQL: read (or set) the seconds left before this client's session expires."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    session = Session.objects.get(session_key=client.session.session_key)
    if seconds is not None:
        session.expire_date = timezone.now() + timedelta(seconds=seconds)
        session.save()
    return (session.expire_date - timezone.now()).total_seconds()


def test_chaque_requete_repousse_l_expiration_de_session(client_agent_a, settings):
    assert _session_ttl(client_agent_a, seconds=60) <= 60

    client_agent_a.get("/")

    remaining = _session_ttl(client_agent_a)
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE


def test_session_inactive_expiree_deconnecte(client_agent_a):
    # The idle timeout ran out: the session's expiry date is past.
    _session_ttl(client_agent_a, seconds=-1)

    response = client_agent_a.get("/")

    assertTemplateUsed(response, "spie/accueil_public.html")
    assert response.context["user"].is_anonymous


def test_session_active_fermee_apres_sa_duree_maximale(client_agent_a, _clock, settings):
    # Used every 29 minutes (never idle long enough to expire), the session still ends after 12 hours.
    assert settings.SPIE_SESSION_DUREE_MAX_HEURES == 12
    for _ in range(24):  # 11 h 36
        _clock.shift(datetime.timedelta(minutes=29))
        assert client_agent_a.get("/").context["user"].is_authenticated
    _clock.shift(datetime.timedelta(minutes=25))  # 12 h 01 after the login

    response = client_agent_a.get("/")

    assertTemplateUsed(response, "spie/accueil_public.html")
    assert response.context["user"].is_anonymous
    assert "durée maximale de 12 heures" in response.content.decode()
    assert client_agent_a.get("/").context["user"].is_anonymous  # the session is gone, not only this request


def test_duree_maximale_comptee_depuis_la_connexion(agent_a, client, _clock, settings):
    settings.SPIE_SESSION_DUREE_MAX_HEURES = 1
    client.get(reverse("account_login"))  # an anonymous session first: its age does not count
    _clock.shift(datetime.timedelta(minutes=50))
    client.force_login(agent_a)
    _clock.shift(datetime.timedelta(minutes=20))
    assert client.get("/").context["user"].is_authenticated
    _clock.shift(datetime.timedelta(minutes=29))
    assert client.get("/").context["user"].is_authenticated
    _clock.shift(datetime.timedelta(minutes=15))
    assert client.get("/").context["user"].is_anonymous


def test_page_authentifiee_non_stockee(client_agent_a):
    response = client_agent_a.get("/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_accueil_public_reste_cachable(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Deactivation ---------------------------------------------------------------------------


def test_rattachement_desactive_prend_effet_a_la_requete_suivante(client_admin_a, admin_a):
    assert client_admin_a.get("/departement/").status_code == 200

    Membership.unscoped_objects.filter(user=admin_a).update(is_active=False)
    response = client_admin_a.get("/departement/")

    assert response.status_code == 403
    assertTemplateUsed(response, "spie/sans_rattachement.html")
    assert "Aucun rattachement actif" in response.content.decode()


def test_professionnel_sans_rattachement_actif_voit_une_page_403(client_agent_a, agent_a):
    assert client_agent_a.get("/").status_code == 200

    Membership.unscoped_objects.filter(user=agent_a).update(is_active=False)
    response = client_agent_a.get("/")

    assert response.status_code == 403
    assertTemplateUsed(response, "spie/sans_rattachement.html")


def test_compte_desactive_deconnecte_a_la_requete_suivante(client, agent_a):
    password_login(client, agent_a.email)
    assert agent_a.last_name in client.get("/").content.decode()

    User.objects.filter(pk=agent_a.pk).update(is_active=False)
    response = client.get("/")

    assert response.status_code == 200
    assertTemplateUsed(response, "spie/accueil_public.html")
    assert response.context["user"].is_anonymous
    assert agent_a.last_name not in response.content.decode()
