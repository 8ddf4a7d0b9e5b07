"""Tenant scoping: the one way code reaches a département's data.

Every tenant-owned model inherits `TenantModel`: it carries its own `departement` foreign key and
its default manager (`objects`) filters on the active scope. Without an active scope the manager
raises `ScopeError` instead of silently returning every département's rows. The scope is entered
by `TenantMiddleware` for each request (view *and* template rendering; for the partner API, from the
token, by `partenaires.middleware.PartnerTokenMiddleware`), by Celery tasks from the ids they receive,
and by management commands.

Cross-tenant reads use the explicitly named `unscoped_objects` manager; a test keeps an allow-list
of the modules that may use it.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models


class ScopeError(RuntimeError):
    """Tenant data was queried outside of any département scope."""


class _AllDepartements:
    """Marker for the explicit "every département" scope (superadmin, maintenance commands)."""

    def __repr__(self):
        return "<toutes les départements>"


ALL = _AllDepartements()
_current: ContextVar = ContextVar("spie_departement_scope", default=None)


def _departement_id(departement):
    return departement if isinstance(departement, int) else departement.pk


@contextmanager
def departement_scope(departement):
    """Scope every tenant query to one département (a `Departement` or its pk)."""
    if departement is None:
        raise ScopeError("Aucun département à activer.")
    token = _current.set(_departement_id(departement))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def all_departements():
    """Explicit cross-tenant scope, for the national superadmin and maintenance commands only."""
    token = _current.set(ALL)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def no_scope():
    """Leave any active scope: tenant queries raise inside (used for anonymous requests)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def current_scope():
    """The active scope: a département pk, `ALL`, or None."""
    return _current.get()


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant models: filters on the active département, raises without one."""

    def get_queryset(self):
        scope = _current.get()
        if scope is None:
            raise ScopeError(
                f"Requête sur {self.model._meta.label} hors de tout périmètre départemental : "
                "entrez dans departement_scope() ou utilisez unscoped_objects explicitement."
            )
        queryset = super().get_queryset()
        if scope is ALL:
            return queryset
        return queryset.filter(departement_id=scope)


class TenantModel(models.Model):
    """Base of every table owned by a département."""

    departement = models.ForeignKey(
        "spie.Departement", on_delete=models.PROTECT, related_name="+", verbose_name="département"
    )

    objects = TenantManager()
    unscoped_objects = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "unscoped_objects"

    def save(self, *args, **kwargs):
        scope = _current.get()
        if isinstance(scope, int) and self.departement_id not in (None, scope):
            # A write into another département from inside a scope is always a bug.
            raise ScopeError(f"Écriture de {self._meta.label} hors du département actif.")
        super().save(*args, **kwargs)
