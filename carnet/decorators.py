"""The one way carnet views reach a carnet and the objects inside it.

`carnet_view(read, write=...)` finds the carnet of the URL through the scoped manager (another
département: 404), applies the `carnet.perms` predicates — `read` for GET/HEAD, `write` for every other
method (403), as `tests/carnet/test_matrice.py` states each route's GET and POST categories —, writes the
access-log row for every read (GET, with the reason of an exceptional access in progress), and calls the view
with the carnet. With `contenu=True` (the group's notes and documents), a reader outside the group without an
exceptional access in progress is sent to the page where they state a reason (`carnet:acces_exceptionnel`).
Without `write`, `read` guards every
method (pages that only act, or only show). A closed carnet is read-only: every write, and every page that only
serves a write (`read` among `carnet.perms.WRITE_PREDICATES`), answers the "carnet clos" page with status 409,
except the views that act on a closed carnet (`sur_carnet_clos=True`: reopening).
`carnet_child(carnet, queryset, uid)` finds an object of that carnet only (an object of another carnet: 404).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from carnet.models import Carnet
from carnet.perms import WRITE_PREDICATES, can_view_carnet, needs_exceptional_access, relation_of
from spie.audit import log_access
from spie.decorators import require_membership
from spie.models import Action


def carnet_queryset():
    return Carnet.objects.select_related("beneficiaire", "beneficiaire__commune")


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
WRITE_REFUSED = "Seuls les membres du groupe de suivi peuvent modifier le carnet."


def carnet_view(
    read, *, write=None, write_refused=WRITE_REFUSED, log_reads=True, contenu=False, sur_carnet_clos=False
):
    def decorator(view):
        @require_membership
        @wraps(view)
        def wrapper(request, uid, *args, **kwargs):
            carnet = get_object_or_404(carnet_queryset(), uid=uid)
            if carnet.cloture_le is not None and not sur_carnet_clos:
                if request.method not in SAFE_METHODS or read in WRITE_PREDICATES:
                    if not can_view_carnet(request.acting, carnet):
                        raise PermissionDenied("Vous ne faites pas partie du groupe de suivi de cette personne.")
                    return carnet_clos(request, carnet)
            if not read(request.acting, carnet):
                raise PermissionDenied("Vous ne faites pas partie du groupe de suivi de cette personne.")
            if write is not None and request.method not in SAFE_METHODS and not write(request.acting, carnet):
                raise PermissionDenied(write_refused)
            if contenu and request.method in SAFE_METHODS and needs_exceptional_access(request.acting, carnet):
                url = reverse("carnet:acces_exceptionnel", kwargs={"uid": carnet.uid})
                return redirect(f"{url}?{urlencode({'suite': request.get_full_path()})}")
            if log_reads and request.method == "GET":
                log_access(
                    request=request,
                    action=Action.CONSULTATION,
                    obj=carnet,
                    details={"page": request.resolver_match.url_name if request.resolver_match else view.__name__},
                    motif=relation_of(request.acting, carnet).motif_exceptionnel,
                )
            return view(request, carnet, *args, **kwargs)

        return wrapper

    return decorator


def carnet_clos(request, carnet):
    """The answer to a write on a closed carnet: nothing is written, the page says why and what to do (409)."""
    from carnet.navigation import carnet_context
    from carnet.perms import can_reopen_carnet

    context = carnet_context(request, carnet, peut_rouvrir=can_reopen_carnet(request.acting, carnet))
    return render(request, "carnet/clos.html", context, status=409)


def carnet_child(carnet, queryset, uid, *, via="carnet"):
    """The object `uid` of `queryset` that belongs to this carnet; `via` is the lookup path to the carnet
    (e.g. "axe__carnet" for an objective). Any other object, even of the same département: 404."""
    return get_object_or_404(queryset.filter(**{via: carnet}), uid=uid)
