"""Exceptional access: the reason screen before a carnet's notes and documents, and the admin's list of openings."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from carnet import services
from carnet.decorators import carnet_view
from carnet.forms import AccesExceptionnelForm
from carnet.models import AccesExceptionnel
from carnet.navigation import carnet_context
from carnet.perms import can_list_exceptional_accesses, can_request_exceptional_access
from carnet.routes import carnet_url
from spie.decorators import require_perm

PAR_PAGE = 50


def _suite(request, carnet):
    """Where to go once the access is open: a page of this carnet only (never an outside address)."""
    suite = request.POST.get("suite") or request.GET.get("suite") or ""
    prefix = carnet_url("carnet:detail", carnet.uid)
    if suite.startswith(prefix) and url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()}):
        return suite
    return carnet_url("carnet:notes", carnet.uid)


@carnet_view(can_request_exceptional_access, log_reads=False)
def acces_exceptionnel(request, carnet):
    form = AccesExceptionnelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.acces_exceptionnel_ouvrir(
                carnet=carnet,
                user=request.user,
                structure=request.structure,
                motif=form.cleaned_data["motif"],
                justification=form.cleaned_data["justification"],
                request=request,
            )
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            heures = settings.SPIE_ACCES_EXCEPTIONNEL_HEURES
            messages.success(request, f"Accès exceptionnel ouvert pour {heures} heures. Il est journalisé.")
            return redirect(_suite(request, carnet))
    return render(
        request,
        "carnet/acces_exceptionnel.html",
        carnet_context(
            request,
            carnet,
            form=form,
            suite=_suite(request, carnet),
            heures=settings.SPIE_ACCES_EXCEPTIONNEL_HEURES,
        ),
        status=400 if form.errors else 200,
    )


@require_perm(can_list_exceptional_accesses)
def acces_exceptionnels(request):
    """Every exceptional access of the département, newest first, with the professionals above the alert threshold
    over the last 30 days."""
    rows = AccesExceptionnel.objects.select_related("user", "structure", "carnet__beneficiaire").order_by(
        "-created_at", "-id"
    )
    page = Paginator(rows, PAR_PAGE).get_page(request.GET.get("page"))
    seuil = settings.SPIE_ACCES_EXCEPTIONNEL_SEUIL
    alertes = (
        AccesExceptionnel.objects.filter(created_at__gte=timezone.now() - timedelta(days=30))
        .values("user__first_name", "user__last_name", "structure__nom")
        .annotate(nombre=Count("id"))
        .filter(nombre__gt=seuil)
        .order_by("-nombre")
    )
    return render(
        request,
        "carnet/acces_exceptionnels.html",
        {"page": page, "alertes": list(alertes), "seuil": seuil, "now": timezone.now()},
    )
