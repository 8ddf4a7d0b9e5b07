"""Production-safe settings: everything comes from the environment.

`dev` and `test` import this module and relax or tighten a few values; there is no `prod.py`:
production is this file with its environment.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value in (None, ""):
        if required:
            raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
        return default
    return value


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_int(name, default):
    value = env(name)
    return default if value is None else int(value)


def env_float(name, default):
    value = env(name)
    return default if value is None else float(value)


def env_list(name, default=""):
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", required=True)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Key used to encrypt the NIR at rest and to compute its keyed hash. Defaults to a key derived
# from SECRET_KEY so that a small deployment works, but production should set its own and keep it
# stable: rotating it makes the stored NIR unreadable.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "dsfr",
    "spie",
    "carnet",
    "orientation",
    "offre",
    "partenaires",
    "suivi",
    "usager",
    "sanctions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "spie.resilience.AccountsNeedCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "spie.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # /api/ only: the token gives the tenant scope, before the tenant middleware looks at the session.
    "partenaires.middleware.PartnerTokenMiddleware",
    "spie.middleware.TenantMiddleware",
    "spie.middleware.MfaRequiredMiddleware",
    "spie.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "spie.urls"
FORM_RENDERER = "spie.forms.DsfrRenderer"
WSGI_APPLICATION = "spie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spie.context_processors.spie",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", required=True),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Optional streaming replica (hot standby): reports, exports and indicators read there (spie/replica.py).
if env("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # Tests never create a second database: the alias reads the default one.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["spie.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", required=True)
CACHES = {
    "default": {
        "BACKEND": "spie.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "spie"),
        # A Redis that drops packets instead of refusing must not hold a web worker: a command gives up after
        # these many seconds, and the cache (spie/cache.py) then answers as a miss.
        "OPTIONS": {
            "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 0.5),
            "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 1.0),
        },
    }
}

AUTH_USER_MODEL = "spie.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "spie:accueil"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (the image uses the default; the browser journeys use a temporary folder).
STATIC_ROOT = env("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# django-dsfr writes the SHA-384 of its packaged CSS into `integrity`, but the manifest storage rewrites the url()
# inside the CSS it collects: the browser then refuses the design system's stylesheets (seen by the browser
# journeys). The files are served by this same origin, where subresource integrity adds nothing.
DSFR_USE_INTEGRITY_CHECKSUMS = False
STORAGES = {
    # Private files (carnet documents, reports) never live under a public URL: they are served
    # by views that check access and write the access log.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Sessions and cookies -------------------------------------------------------------------
# Idle timeout: the cookie age is renewed on every request, so it expires after this many
# seconds without activity.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
# Absolute lifetime of a session, however active (spie.middleware.SessionLifetimeMiddleware): then log in again.
SPIE_SESSION_DUREE_MAX_HEURES = env_int("SPIE_SESSION_DUREE_MAX_HEURES", 12)
# Sessions live in PostgreSQL, so that nobody is logged out when Redis restarts. Not `cached_db`: a logout or a
# change written while Redis is down would leave the older copy in Redis, read again once it is back (a logged-out
# session alive again). Cost measured by `manage.py mesurer_sessions` (README, "Pannes et sauvegardes").
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
CSRF_COOKIE_HTTPONLY = True

# --- Transport security ---------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Content Security Policy (django-csp 4) -------------------------------------------------
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF] + env_list("CSP_FORM_ACTION"),
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Only read by the file-based backend (the browser journeys read the messages it writes).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "SPIE <ne-pas-repondre@spie.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[SPIE] "

# --- Accounts: django-allauth ---------------------------------------------------------------
ACCOUNT_ADAPTER = "spie.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "usager.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = EMAIL_SUBJECT_PREFIX
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
ACCOUNT_CHANGE_EMAIL = False
# allauth would answer a reset request for an unknown address with an e-mail inviting to sign up,
# which is closed here: send nothing (the page shown stays the same, so accounts are not revealed).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# One address per account: the one the département admin invited.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_EMAIL_NOTIFICATIONS = True

MFA_ADAPTER = "spie.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "SPIE"
MFA_RECOVERY_CODE_COUNT = 10

# ProConnect: the State's OpenID Connect federation for agents. A user is matched on the
# provider (one issuer) and the `sub` claim; e-mail addresses are never used to merge accounts.
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []}}
PROCONNECT_SERVER_URL = env("OIDC_PROCONNECT_SERVER_URL")
if PROCONNECT_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": "proconnect",
            "name": "ProConnect",
            "client_id": env("OIDC_PROCONNECT_CLIENT_ID", required=True),
            "secret": env("OIDC_PROCONNECT_CLIENT_SECRET", required=True),
            "settings": {
                "server_url": PROCONNECT_SERVER_URL,
                "token_auth_method": env("OIDC_PROCONNECT_TOKEN_AUTH_METHOD", "client_secret_post"),
                # ProConnect answers userinfo as a signed JWT that allauth cannot read as JSON; accounts
                # exist before their first ProConnect login (invitations), so the ID token's `sub` is
                # all that matching needs.
                "fetch_userinfo": False,
                "scope": ["openid", "email", "given_name", "usual_name", "uid"],
            },
        }
    )

# FranceConnect: the State's OpenID Connect federation for citizens, the person's way into their own space.
# The identity is keyed on `sub` and linked once to a bénéficiaire (usager.connexion); never merged on e-mail.
# OIDC_FRANCECONNECT_ACR_VALUES: the eIDAS levels accepted, the first one is requested.
FRANCECONNECT_SERVER_URL = env("OIDC_FRANCECONNECT_SERVER_URL")
FRANCECONNECT_ACR_VALUES = env_list("OIDC_FRANCECONNECT_ACR_VALUES", "eidas1,eidas2,eidas3")
if FRANCECONNECT_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": "franceconnect",
            "name": "FranceConnect",
            "client_id": env("OIDC_FRANCECONNECT_CLIENT_ID", required=True),
            "secret": env("OIDC_FRANCECONNECT_CLIENT_SECRET", required=True),
            "settings": {
                "server_url": FRANCECONNECT_SERVER_URL,
                "token_auth_method": env("OIDC_FRANCECONNECT_TOKEN_AUTH_METHOD", "client_secret_post"),
                # The identity pivot comes from the userinfo endpoint (JSON).
                "fetch_userinfo": True,
                "scope": ["openid", "given_name", "family_name", "birthdate", "gender", "birthplace", "email"],
                "auth_params": {"acr_values": FRANCECONNECT_ACR_VALUES[0]},
            },
        }
    )

# The login buttons of ProConnect and FranceConnect are forms whose POST redirects to the provider: the CSP's
# form-action must allow the provider's origin, else the browser stops at the redirect.
for _provider_url in (PROCONNECT_SERVER_URL, FRANCECONNECT_SERVER_URL):
    if _provider_url:
        _parts = urlsplit(_provider_url)
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_parts.scheme}://{_parts.netloc}")

# The person's space (usager): a shorter idle timeout than professionals', a short-lived link, short codes.
USAGER_IDLE_TIMEOUT = env_int("USAGER_SESSION_IDLE_TIMEOUT", 15 * 60)
USAGER_LIEN_HEURES = env_int("USAGER_LIEN_HEURES", 48)
USAGER_CODE_MINUTES = 15
USAGER_CODE_ESSAIS = 5
USAGER_VERROU_HEURES = 24

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "partenaires.api.errors.ProblemJSONRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["partenaires.api.base.JetonAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "partenaires.api.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"jeton": env("API_RATE_LIMIT", "600/minute")},
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API SPIE — partenaires du Service Public de l'Insertion et de l'Emploi",
    "DESCRIPTION": (
        "API des partenaires (France Travail, CAF/MSA, missions locales, structures, éditeurs de logiciels des "
        "départements).\n\n"
        "**Authentification** : `Authorization: Bearer <jeton>`. Un jeton appartient à une structure d'un "
        "département ; il porte des droits (scopes). Les objets d'un autre département répondent 404 ; un droit "
        "manquant répond 403.\n\n"
        "**Erreurs** : `application/problem+json` (RFC 9457), message en français dans `detail`.\n\n"
        "**Pas de mise à jour perdue** : les réponses portent un `ETag` ; PATCH exige `If-Match` (428 sans, "
        "412 s'il est périmé).\n\n"
        "**Rejeu sans risque** : un POST accepte `Idempotency-Key` ; même clé et même corps : même réponse, rien "
        "de créé ; même clé, autre corps : 422.\n\n"
        "**Pagination** par curseur (`next`, `previous`), 200 éléments au plus par page. **Limite** de requêtes "
        "par jeton : 429 avec `Retry-After`.\n\n"
        "**Historique des versions** : v1.0.0 (2026-11) — bénéficiaires, résumé du carnet, rendez-vous. "
        "v1.1.0 (2026-11) — orientations (lecture), prescriptions reçues (lecture, acceptation, refus), offre "
        "d'insertion au format data·inclusion v1 (structures et services en lecture, services de la structure en "
        "écriture). v1.2.0 (2026-12) — sanctions du RSA : lecture des sanctions à appliquer par la CAF ou la MSA "
        "(`sanctions:read`, webhooks `sanction.decidee`, `sanction.levee`, `sanction.rattrapage`), propositions de "
        "sanction de France Travail et des organismes référents et lecture de leur issue (`sanctions:propose`)."
    ),
    "VERSION": "1.2.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One name for a choice set used by several fields (the refusal's input and the prescription's answer).
    "ENUM_NAME_OVERRIDES": {
        "MotifRefusEnum": "offre.models.MotifRefus",
        "StatutContratEnum": "carnet.models.StatutContrat",
        "EtapeSuiviEnum": "offre.models.EtapeSuivi",
        "MotifEtapeEnum": "offre.models.MotifEtape",
        "NatureSanctionEnum": "sanctions.models.Nature",
    },
    # The errors and limits shared by every operation, documented in one place (partenaires/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partenaires.api.schema.postprocess_contract",
    ],
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The web process publishes after the commit (spie/outbox.py): a broker that is down must fail fast, the beat
# sweep publishes again. Workers keep retrying their own connection (broker_connection_max_retries).
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 0.5),
    "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 1.0) * 5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.5)
CELERY_REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 1.0) * 5
from celery.schedules import crontab  # noqa: E402

# The one beat schedule of the project; tests check every task named here exists.
CELERY_BEAT_SCHEDULE = {
    # The outbox of tasks (spie/outbox.py): what the broker did not take at commit, or lost, is published again.
    "republier-taches": {
        "task": "spie.tasks.republier_taches",
        "schedule": 60,
    },
    "purger-sessions": {
        "task": "spie.tasks.purger_sessions",
        "schedule": crontab(hour=4, minute=0),
    },
    # Flux and imports whose worker was lost (heartbeat stopped) are taken up again, or marked failed.
    "partenaires-reprendre-traitements": {
        "task": "partenaires.tasks.reprendre_traitements",
        "schedule": 5 * 60,
    },
    # Access log: the next months' partitions are created, rows older than SPIE_ACCESS_LOG_RETENTION_DAYS removed
    # (whole partitions dropped; idempotent).
    "purger-journal-acces": {
        "task": "spie.tasks.purger_journal_acces",
        "schedule": crontab(hour=3, minute=10),
    },
    # Retention of the carnets: warn the référents 30 days ahead, anonymise the carnets due, delete the people never
    # accompanied (idempotent: a second run finds nothing left to do).
    "appliquer-conservation": {
        "task": "carnet.tasks.appliquer_conservation",
        "schedule": crontab(hour=2, minute=40),
    },
    "purger-invitations-expirees": {
        "task": "spie.tasks.purger_invitations_expirees",
        "schedule": 24 * 3600,
    },
    # Offre: prescriptions unanswered get a reminder at 10 days and expire at 30 days (each task finds what is
    # due and claims it, so the hourly run is idempotent); the quality scores decay with age: refreshed daily.
    # Carnet: documents waiting for the malware scan (clamd was unavailable at upload time).
    "carnet-analyser-documents-en-attente": {
        "task": "carnet.tasks.analyser_documents_en_attente",
        "schedule": 600,
    },
    "offre-relancer-prescriptions": {
        "task": "offre.tasks.relancer_prescriptions",
        "schedule": 3600,
    },
    "offre-expirer-prescriptions": {
        "task": "offre.tasks.expirer_prescriptions",
        "schedule": 3600,
    },
    # Accepted prescriptions whose outcome has not moved for 21 days: one reminder per step to both sides.
    "offre-relancer-suivi-prescriptions": {
        "task": "offre.tasks.relancer_suivi_prescriptions",
        "schedule": 3600,
    },
    "offre-recalculer-scores-qualite": {
        "task": "offre.tasks.recalculer_scores_qualite",
        "schedule": 24 * 3600,
    },
    # Suggested offers: embeddings missing or stale (bulk writes, lost messages); a no-op without the model.
    "offre-rattraper-embeddings": {
        "task": "offre.tasks.rattraper_embeddings",
        "schedule": crontab(hour=2, minute=40),
    },
    # Suivi (times are Europe/Paris): each task finds what is due and is idempotent by key, so a late or
    # repeated run sends nothing twice; the outbox sweep sends what the after-commit task missed.
    "suivi-rappels-rendez-vous": {
        "task": "suivi.tasks.rappels_rendez_vous",
        "schedule": crontab(hour=10, minute=0),
    },
    "suivi-digests-referents": {
        "task": "suivi.tasks.digests_referents",
        "schedule": crontab(hour=7, minute=0),
    },
    "suivi-alertes-orientation": {
        "task": "suivi.tasks.alertes_orientation",
        "schedule": crontab(hour=7, minute=30, day_of_week="1-5"),
    },
    # The legal orientation clock: takeover by France Travail past the deadline (before the day's alerts), then
    # the 4- and 5-week alerts; daily, weekends included, since the deadline is counted in calendar days.
    "orientation-orientations-france-travail": {
        "task": "orientation.tasks.orientations_france_travail",
        "schedule": crontab(hour=6, minute=30),
    },
    "suivi-alertes-delai-legal": {
        "task": "suivi.tasks.alertes_delai_legal",
        "schedule": crontab(hour=7, minute=35),
    },
    # The contrat d'engagement's month after the orientation (D.5411-14-1 code du travail), in calendar days.
    "suivi-alertes-contrat-engagement": {
        "task": "suivi.tasks.alertes_contrat_engagement",
        "schedule": crontab(hour=7, minute=40),
    },
    # Check-ins after an exit into work (1, 3, 6 months by default): the référent is reminded on the due day, once.
    "suivi-alertes-suivi-sortie": {
        "task": "suivi.tasks.alertes_suivi_sortie",
        "schedule": crontab(hour=7, minute=45),
    },
    # People followed before 2025 have until 1 January 2027 to sign a contrat d'engagement: a weekly count.
    "suivi-alertes-stock-contrat-engagement": {
        "task": "suivi.tasks.alertes_stock_contrat_engagement",
        "schedule": crontab(hour=7, minute=50, day_of_week="1"),
    },
    # The social path's orientation is reviewed 6 months after the decision, or 12 with a reason (D.262-65-2-1 CASF).
    "suivi-alertes-revision-parcours-social": {
        "task": "suivi.tasks.alertes_revision_parcours_social",
        "schedule": crontab(hour=7, minute=55),
    },
    "suivi-alertes-sans-referent": {
        "task": "suivi.tasks.alertes_sans_referent",
        "schedule": crontab(hour=7, minute=45, day_of_week="1-5"),
    },
    "suivi-envoyer-questionnaires": {
        "task": "suivi.tasks.envoyer_questionnaires",
        "schedule": crontab(hour=11, minute=0),
    },
    "suivi-envoyer-messages": {
        "task": "suivi.tasks.envoyer_messages",
        "schedule": 5 * 60,
    },
    "suivi-expurger-messages": {
        "task": "suivi.tasks.expurger_messages",
        "schedule": crontab(hour=3, minute=30),
    },
    # Indicators: nightly refresh of the current month; the monthly report on the 1st, after that refresh.
    "suivi-rafraichir-indicateurs": {
        "task": "suivi.tasks.rafraichir_indicateurs",
        "schedule": crontab(hour=2, minute=15),
    },
    "suivi-rapports-mensuels": {
        "task": "suivi.tasks.rapports_mensuels",
        "schedule": crontab(hour=6, minute=0, day_of_month=1),
    },
}

# --- Platform -------------------------------------------------------------------------------
SPIE_SITE_NAME = "SPIE — Service Public de l'Insertion et de l'Emploi"
SPIE_BASE_URL = env("SPIE_BASE_URL", "https://spie.localhost")
SPIE_INVITATION_DAYS = env_int("SPIE_INVITATION_DAYS", 7)
# Access-log retention (days): the daily purge deletes older rows. Between 183 and 366 days (the database refuses
# to delete a row younger than 183 days; spie.audit.purger_journal refuses a setting outside those bounds).
SPIE_ACCESS_LOG_RETENTION_DAYS = env_int("SPIE_ACCESS_LOG_RETENTION_DAYS", 365)
# Retention of the carnets (carnet/services/conservation.py): each département sets its own duration within these
# bounds (months after the last qualifying activity, then anonymisation), and the shorter delay after which people
# never accompanied are deleted. Warning to the référent this many days before the due date.
SPIE_CONSERVATION_MOIS_MIN = env_int("SPIE_CONSERVATION_MOIS_MIN", 12)
SPIE_CONSERVATION_MOIS_MAX = env_int("SPIE_CONSERVATION_MOIS_MAX", 36)
SPIE_SUPPRESSION_MOIS_MIN = env_int("SPIE_SUPPRESSION_MOIS_MIN", 3)
SPIE_SUPPRESSION_MOIS_MAX = env_int("SPIE_SUPPRESSION_MOIS_MAX", 12)
SPIE_CONSERVATION_PREAVIS_JOURS = env_int("SPIE_CONSERVATION_PREAVIS_JOURS", 30)
# Exceptional access (carnet/models/acces.py): how long the content stays open after the reason is given, and the
# number of openings by one professional over 30 days above which the admin's list raises an alert.
SPIE_ACCES_EXCEPTIONNEL_HEURES = env_int("SPIE_ACCES_EXCEPTIONNEL_HEURES", 24)
SPIE_ACCES_EXCEPTIONNEL_SEUIL = env_int("SPIE_ACCES_EXCEPTIONNEL_SEUIL", 10)
# Name search of the carnet (carnet/search.py): pg_trgm where migration carnet.0005 could create its index
# (looked for once per process), else the trigram array. "false" forces the array.
SPIE_SEARCH_PG_TRGM = env_bool("SPIE_SEARCH_PG_TRGM", True)
# Webhook endpoints must be https on public addresses (partenaires/webhook_targets.py). True lets test servers on
# this machine receive them: loopback addresses (127.0.0.0/8, ::1) allowed, over http too (tests, development).
SPIE_WEBHOOK_ALLOW_LOCAL_HTTP = env_bool("SPIE_WEBHOOK_ALLOW_LOCAL_HTTP", False)
# Backups (spie/backup.py, README "Pannes et sauvegardes"): where backup_create writes, backup_restore_check reads.
SPIE_BACKUP_DIR = env("SPIE_BACKUP_DIR", "")
# clamd, which scans every uploaded document (spie/clamav.py): a Unix socket path or tcp://host:port.
SPIE_CLAMD = env("SPIE_CLAMD", "/run/clamav/clamd.ctl")
SPIE_CLAMD_TIMEOUT = env_int("SPIE_CLAMD_TIMEOUT", 60)
# SMS backend (dotted path to a class with `send(numero, texte)`, see suivi/sms.py); empty: no SMS is sent.
SPIE_SMS_BACKEND = env("SPIE_SMS_BACKEND", "")
# `manage.py charger_demo` (published password, TOTP secret and API token) runs only where this is True: set in
# code by the dev and test settings modules, never from the environment, so that production settings refuse it.
SPIE_DEMO_DATA_ALLOWED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
