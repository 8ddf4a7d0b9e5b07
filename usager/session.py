"""The person's session: a `CompteUsager` in the session of an anonymous Django user.

A session is either a professional's (a `spie.User` logged in) or a person's, never both: opening the
person's session logs any professional out, and a person's page refuses a session where a professional is
logged in. The person's pages run inside their own département's scope and only ever reach their own carnet.
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone

from spie.tenancy import departement_scope
from usager.models import CompteUsager

SESSION_KEY = "usager"
MESSAGE_INACTIVITE = "Vous avez été déconnecté(e) après un moment sans activité. Reconnectez-vous pour continuer."


def ouvrir_session(request, compte):
    if request.user.is_authenticated:
        logout(request)
    else:
        request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "compte": str(compte.uid),
        "departement": compte.departement_id,
        "activite": time.time(),
    }
    with departement_scope(compte.departement_id):
        CompteUsager.objects.filter(pk=compte.pk).update(derniere_connexion=timezone.now())


def fermer_session(request):
    request.session.flush()


def espace_usager(view):
    """The person's pages: their account in `request.usager`, their carnet in `request.carnet`."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        data = request.session.get(SESSION_KEY)
        if not data or request.user.is_authenticated:
            return redirect("usager:connexion")
        if time.time() - data.get("activite", 0) > settings.USAGER_IDLE_TIMEOUT:
            fermer_session(request)
            messages.info(request, MESSAGE_INACTIVITE)
            return redirect("usager:connexion")
        with departement_scope(data["departement"]):
            compte = (
                CompteUsager.objects.select_related("beneficiaire", "beneficiaire__carnet")
                .filter(uid=data["compte"], actif=True)
                .first()
            )
            if compte is None:
                fermer_session(request)
                return redirect("usager:connexion")
            request.session[SESSION_KEY] = {**data, "activite": time.time()}
            request.usager = compte
            request.carnet = compte.beneficiaire.carnet
            request.departement_usager = compte.departement_id
            # Views render with `render()` (not a lazy TemplateResponse), so templates run inside the scope too.
            return view(request, *args, **kwargs)

    return wrapper
