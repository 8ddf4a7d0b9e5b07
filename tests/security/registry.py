"""The route registry of the generated security tests, kept in spie/dev/routes_registre.py so that the page
benchmark (`manage.py bench_pages`) walks the same routes without importing the test suite."""

from spie.dev.routes_registre import (
    NATIONAL_ADMIN_NAMESPACE,
    OBJECT_ROUTES,
    PARAM_ROUTES,
    PLAIN_ROUTES,
    PUBLIC,
    UNNAMED_PREFIXES,
    USAGER_LOGIN_PATH,
    USAGER_ROUTES,
    iter_routes,
    project_routes,
)
from tests.security.world import build_payeur_token

# Partner API routes that answer one kind of structure only: the builder makes a token of that kind for the world's
# département and returns its value (département B's token of the same kind must get 404 for A's object). The
# other API routes use the world's token. (Test-only: it builds tokens in the test world.)
API_TOKENS = {
    "api:sanction": lambda w: build_payeur_token(w),
}

__all__ = [
    "API_TOKENS",
    "NATIONAL_ADMIN_NAMESPACE",
    "OBJECT_ROUTES",
    "PARAM_ROUTES",
    "PLAIN_ROUTES",
    "PUBLIC",
    "UNNAMED_PREFIXES",
    "USAGER_LOGIN_PATH",
    "USAGER_ROUTES",
    "iter_routes",
    "project_routes",
]
