"""Département admin pages of the partner API: tokens (shown once, stored hashed), revocation."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partenaires.forms import JetonForm
from partenaires.models import AppelApi, JetonApi
from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action
from spie.perms import can_administer_departement


@require_perm(can_administer_departement)
def jetons(request):
    form = JetonForm(request.POST or None)
    nouveau = None
    if request.method == "POST" and form.is_valid():
        token, prefix, digest = JetonApi.generate()
        jeton = form.save(commit=False)
        jeton.departement = request.departement
        jeton.prefixe, jeton.hash = prefix, digest
        jeton.created_by = request.user
        expire = form.cleaned_data.get("expire_le")
        jeton.expire_le = (
            timezone.make_aware(datetime.datetime.combine(expire, datetime.time(23, 59))) if expire else None
        )
        jeton.save()
        log_access(request=request, action=Action.CREATION, obj=jeton, details={"scopes": jeton.scopes})
        nouveau = {"jeton": jeton, "valeur": token}
        form = JetonForm()
    rows = JetonApi.objects.select_related("structure").order_by("-created_at")
    return render(request, "partenaires/jetons.html", {"form": form, "jetons": rows, "nouveau": nouveau})


@require_perm(can_administer_departement, model=JetonApi)
@require_POST
def jeton_revoquer(request, jeton):
    JetonApi.objects.filter(pk=jeton.pk, revoque_le=None).update(revoque_le=timezone.now())
    log_access(request=request, action=Action.DESACTIVATION, obj=jeton)
    messages.success(request, f"Le jeton « {jeton.nom} » est révoqué : il est refusé dès le prochain appel.")
    return redirect("partenaires:jetons")


@require_perm(can_administer_departement, model=JetonApi)
def jeton_appels(request, jeton):
    appels = AppelApi.objects.filter(departement=request.departement, jeton_id=jeton.pk)[:200]
    return render(request, "partenaires/jeton_appels.html", {"jeton": jeton, "appels": appels})
