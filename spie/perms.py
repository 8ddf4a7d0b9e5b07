"""Named permission predicates of the foundation. Each docstring states the rule.

Predicates take the acting context (`request.acting`) and, for object routes, the object already
found in the tenant scope.
"""

from spie.models import Role


def can_administer_departement(acting, obj=None) -> bool:
    """Only the département's administrators configure its territories, structures, users and invitations."""
    return acting.departement is not None and acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_read_access_log(acting, obj=None) -> bool:
    """The access log of a département is read by its administrators (and nationally through the admin site)."""
    return can_administer_departement(acting)
