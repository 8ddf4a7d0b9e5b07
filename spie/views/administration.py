"""Pages of the département administrator: territories, structures, users, invitations, access log.

Every object is reached through the scoped managers by its uid: another département's object is a 404.
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from spie import services
from spie.audit import log_access
from spie.decorators import require_perm
from spie.forms import DepartementSettingsForm, InvitationForm, MembershipRoleForm, StructureForm, TerritoireForm
from spie.models import AccessLog, Action, Invitation, Membership, Structure, Territoire, User
from spie.perms import can_administer_departement, can_read_access_log
from spie.versioning import VersionConflict

admin_required = require_perm(can_administer_departement)


def _page(request, queryset, per_page=25):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@admin_required
def tableau_de_bord(request):
    counts = {
        "territoires": Territoire.objects.count(),
        "structures": Structure.objects.filter(actif=True).count(),
        "utilisateurs": Membership.objects.actifs().values("user").distinct().count(),
        "invitations": Invitation.objects.en_attente().count(),
    }
    return render(request, "spie/admin/tableau_de_bord.html", {"counts": counts})


@admin_required
def parametres(request):
    departement = request.departement
    form = DepartementSettingsForm(request.POST or None, instance=departement)
    if request.method == "POST" and form.is_valid():
        form.save()
        champs = sorted(name for name in form.changed_data if name != "version")
        log_access(request=request, action=Action.MODIFICATION, obj=departement, details={"champs": champs})
        messages.success(request, "Les paramètres du département sont enregistrés.")
        return redirect("spie:admin_parametres")
    return render(request, "spie/admin/parametres.html", {"form": form})


# --- Territoires ----------------------------------------------------------------------------


@admin_required
def territoires(request):
    queryset = Territoire.objects.annotate(nb_communes=Count("communes")).order_by("nom")
    return render(request, "spie/admin/territoires.html", {"page": _page(request, queryset)})


@admin_required
def territoire_creer(request):
    return _territoire_form(request, Territoire())


@require_perm(can_administer_departement, model=Territoire)
def territoire_editer(request, territoire):
    return _territoire_form(request, territoire)


def _territoire_form(request, territoire):
    form = TerritoireForm(request.POST or None, instance=territoire, departement=request.departement)
    if request.method == "POST" and "enregistrer" in request.POST and form.is_valid():
        try:
            territoire = services.territoire_save(form=form, request=request)
        except VersionConflict:
            form.add_error(None, form.conflict_message)
        else:
            messages.success(request, f"Le territoire « {territoire.nom} » est enregistré.")
            return redirect("spie:admin_territoires")
    if request.method == "POST" and "enregistrer" not in request.POST:
        # The search button: show results, keep everything typed, save nothing. A conflict stays shown:
        # the page carries the current version from now on, so the next save would silently overwrite.
        errors = form.errors  # Validates the form, which is what detects a conflict.
        conflict = form.non_field_errors() if form.conflict else None
        errors.clear()
        if conflict:
            errors[NON_FIELD_ERRORS] = conflict
    return render(request, "spie/admin/territoire_form.html", {"form": form, "territoire": territoire})


@require_perm(can_administer_departement, model=Territoire)
def territoire_supprimer(request, territoire):
    if request.method == "POST":
        log_access(request=request, action=Action.SUPPRESSION, obj=territoire, details={"nom": territoire.nom})
        territoire.delete()
        messages.success(request, "Le territoire est supprimé.")
        return redirect("spie:admin_territoires")
    return render(request, "spie/admin/territoire_supprimer.html", {"territoire": territoire})


# --- Structures -----------------------------------------------------------------------------


@admin_required
def structures(request):
    # Meta.ordering is dropped by GROUP BY queries: order explicitly for a stable pagination.
    queryset = (
        Structure.objects.select_related("commune")
        .annotate(nb_membres=Count("memberships", filter=Q(memberships__is_active=True), distinct=True))
        .order_by("nom", "pk")
    )
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(Q(nom__icontains=query) | Q(siret__startswith=query.replace(" ", "")))
    return render(request, "spie/admin/structures.html", {"page": _page(request, queryset), "q": query})


@admin_required
def structure_creer(request):
    return _structure_form(request, Structure())


@require_perm(can_administer_departement, model=Structure)
def structure_editer(request, structure):
    return _structure_form(request, structure)


def _structure_form(request, structure):
    form = StructureForm(request.POST or None, instance=structure)
    if request.method == "POST" and form.is_valid():
        try:
            structure = services.structure_save(form=form, request=request)
        except VersionConflict:
            form.add_error(None, form.conflict_message)
        else:
            messages.success(request, f"La structure « {structure.nom} » est enregistrée.")
            return redirect("spie:admin_structures")
    return render(request, "spie/admin/structure_form.html", {"form": form, "structure": structure})


# --- Utilisateurs et rattachements ----------------------------------------------------------


def _users_of_departement():
    """Users holding (or having held) a membership in the acting département."""
    return User.objects.filter(pk__in=Membership.objects.values("user_id"))


@admin_required
def utilisateurs(request):
    active = Membership.objects.filter(is_active=True).select_related("structure")
    queryset = _users_of_departement().prefetch_related(Prefetch("memberships", queryset=active, to_attr="actifs"))
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(
            Q(last_name__icontains=query) | Q(first_name__icontains=query) | Q(email__icontains=query)
        )
    return render(request, "spie/admin/utilisateurs.html", {"page": _page(request, queryset), "q": query})


@require_perm(can_administer_departement, model=_users_of_departement)
def utilisateur_detail(request, user):
    memberships = Membership.objects.filter(user=user).select_related("structure").order_by("-is_active", "structure")
    form = MembershipRoleForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.membership_add(
            user=user, structure=form.cleaned_data["structure"], role=form.cleaned_data["role"], request=request
        )
        messages.success(request, "Le rôle est ajouté.")
        return redirect("spie:admin_utilisateur", uid=user.uid)
    log_access(request=request, action=Action.CONSULTATION, obj=user, object_type="spie.user")
    return render(
        request, "spie/admin/utilisateur_detail.html", {"personne": user, "memberships": memberships, "form": form}
    )


@require_perm(can_administer_departement, model=_users_of_departement)
@require_POST
def utilisateur_desactiver(request, user):
    if user == request.user:
        messages.error(request, "Vous ne pouvez pas désactiver votre propre compte.")
    else:
        count = services.user_deactivate_in_departement(user=user, request=request)
        messages.success(request, f"{user} n'a plus accès au département ({count} rattachement(s) désactivé(s)).")
    return redirect("spie:admin_utilisateur", uid=user.uid)


@require_perm(can_administer_departement, model=Membership)
@require_POST
def rattachement_desactiver(request, membership):
    if membership.user == request.user and membership.role == "admin_departement":
        messages.error(request, "Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    else:
        services.membership_deactivate(membership=membership, request=request)
        messages.success(request, "Le rattachement est désactivé ; il prend effet immédiatement.")
    return redirect("spie:admin_utilisateur", uid=membership.user.uid)


# --- Invitations ----------------------------------------------------------------------------


@admin_required
def invitations(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.invitation_create(form=form, request=request)
        messages.success(request, f"L'invitation est envoyée à {invitation.email}.")
        return redirect("spie:admin_invitations")
    queryset = Invitation.objects.select_related("structure", "invited_by")
    return render(request, "spie/admin/invitations.html", {"form": form, "page": _page(request, queryset)})


def _open_invitations():
    return Invitation.objects.filter(accepted_at=None, revoked_at=None)


@require_perm(can_administer_departement, model=_open_invitations)
@require_POST
def invitation_renvoyer(request, invitation):
    services.invitation_resend(invitation=invitation, request=request)
    messages.success(request, f"Un nouveau lien est envoyé à {invitation.email} ; l'ancien ne fonctionne plus.")
    return redirect("spie:admin_invitations")


@require_perm(can_administer_departement, model=_open_invitations)
@require_POST
def invitation_annuler(request, invitation):
    services.invitation_revoke(invitation=invitation, request=request)
    messages.success(request, "L'invitation est annulée.")
    return redirect("spie:admin_invitations")


# --- Journal des accès ----------------------------------------------------------------------


@require_perm(can_read_access_log)
def journal(request):
    queryset = AccessLog.objects.of_departement(request.departement).select_related("user", "structure")
    action = request.GET.get("action", "")
    if action in Action.values:
        queryset = queryset.filter(action=action)
    return render(
        request,
        "spie/admin/journal.html",
        {"page": _page(request, queryset, per_page=50), "actions": Action.choices, "action": action},
    )
