"""Home, health, acting structure and invitation acceptance."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from spie import services
from spie.decorators import require_membership
from spie.forms import AcceptInvitationForm
from spie.middleware import SESSION_STRUCTURE_KEY


def accueil(request):
    """Public landing page for visitors; the user's starting points once logged in."""
    if not request.user.is_authenticated:
        return render(request, "spie/accueil_public.html")
    if request.departement is None:
        return render(request, "spie/sans_rattachement.html", status=200 if request.user.is_superuser else 403)
    context = {"journee": None}
    if request.acting.structure is not None:
        # "Ma journée": the appointments and the action lists, computed at each view (suivi owns them).
        from suivi.journee import journee_contexte

        context = journee_contexte(request)
    return render(request, "spie/accueil.html", context)


@require_GET
def sante(request):
    """Health check for the load balancer and docker-compose: each dependency's state, 503 when one is down.

    Never touches the session (the route is public and the session lives in the database)."""
    from spie.health import etat_des_services

    etats = etat_des_services()
    # The outbox being late is reported, not fatal: the web nodes still serve (the load balancer keeps them).
    ok = all(etats[name] == "ok" for name in ("base", "cache", "courtier"))
    return JsonResponse({"statut": "ok" if ok else "degrade", **etats}, status=200 if ok else 503)


@require_membership
@require_POST
def changer_structure(request):
    """Choose the structure (and so the département) the user acts for."""
    uid = request.POST.get("structure")
    if not any(str(s.uid) == uid for s in request.acting.structures):
        messages.error(request, "Vous n'êtes pas rattaché à cette structure.")
        return redirect("spie:accueil")
    request.session[SESSION_STRUCTURE_KEY] = uid
    return redirect("spie:accueil")


AUTRE_ADRESSE = (
    "Cette invitation est destinée à une autre adresse électronique que celle de votre compte. "
    "Déconnectez-vous, puis ouvrez de nouveau ce lien."
)


def invitation_accepter(request, token):
    """A GET only shows the invitation (mail scanners follow links); the POST consumes it."""
    try:
        invitation = services.invitation_lookup(token)
    except services.InvitationError as error:
        return render(request, "spie/invitation_invalide.html", {"erreur": str(error)}, status=410)
    if request.user.is_authenticated and request.user.email.lower() != invitation.email.lower():
        # Accepting would attach the role to the wrong account, or silently switch to a new one.
        return render(request, "spie/invitation_invalide.html", {"erreur": AUTRE_ADRESSE}, status=403)
    from spie.models import User

    compte_existant = User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if compte_existant:
        if request.method == "POST":
            if not request.user.is_authenticated:
                return redirect(f"{_login_url()}?next={request.path}")
            try:
                services.invitation_accept(token=token, user=request.user)
            except services.InvitationError as error:
                return render(request, "spie/invitation_invalide.html", {"erreur": str(error)}, status=410)
            request.session[SESSION_STRUCTURE_KEY] = str(invitation.structure.uid)
            messages.success(request, f"Vous êtes maintenant rattaché à {invitation.structure}.")
            return redirect("spie:accueil")
    else:
        form = AcceptInvitationForm(request.POST or None, invitation=invitation, initial=_names(invitation))
        if request.method == "POST" and form.is_valid():
            try:
                user, _ = services.invitation_accept(
                    token=token,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    password=form.cleaned_data["password1"],
                )
            except services.InvitationError as error:
                return render(request, "spie/invitation_invalide.html", {"erreur": str(error)}, status=410)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Votre compte est créé. Bienvenue sur la plateforme SPIE.")
            return redirect("spie:accueil")
    return render(
        request,
        "spie/invitation_accepter.html",
        {"invitation": invitation, "form": form, "compte_existant": compte_existant},
    )


def _names(invitation):
    return {"first_name": invitation.first_name, "last_name": invitation.last_name}


def _login_url():
    from django.urls import reverse

    return reverse("account_login")
