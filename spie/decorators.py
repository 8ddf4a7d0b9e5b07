"""Guard decorators stacked on function views: the one way views reach tenant data.

`require_perm(predicate, model=...)` first finds the object of the URL through the scoped manager
(another département's object is therefore a 404 whatever the user's role), then applies the
permission predicate (same département, insufficient role: 403), then calls the view with the
object as second argument.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404, render


def require_membership(view):
    """A logged-in user acting for a structure of a département (else an explanation page)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.departement is None:
            return render(request, "spie/sans_rattachement.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _queryset(source) -> QuerySet:
    if isinstance(source, type) and issubclass(source, Model):
        return source.objects.all()
    return source()


def require_perm(predicate, *, model=None, lookup="uid"):
    """Apply a `perms` predicate; with `model`, look the URL's object up first (scoped) and pass it on.

    `model` is a tenant model class or a callable returning a scoped queryset. The predicate receives
    `(acting)` without a model and `(acting, obj)` with one.
    """

    def decorator(view):
        @require_membership
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if model is None:
                if not predicate(request.acting):
                    raise PermissionDenied("Votre rôle ne permet pas d'accéder à cette page.")
                return view(request, *args, **kwargs)
            obj = get_object_or_404(_queryset(model), **{lookup: kwargs.pop(lookup)})
            if not predicate(request.acting, obj):
                raise PermissionDenied("Votre rôle ne permet pas d'accéder à cette page.")
            return view(request, obj, *args, **kwargs)

        return wrapper

    return decorator
