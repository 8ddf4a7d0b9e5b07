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

__all__ = [
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
