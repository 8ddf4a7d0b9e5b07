"""Writes of the foundation that touch several models, each logged in the access log."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from spie.audit import log_access
from spie.models import Action, Invitation, Membership, Structure, Territoire, User
from spie.tenancy import departement_scope
from spie.versioning import save_versioned


class InvitationError(Exception):
    """The invitation can no longer be used; the message is shown to the person as is."""


def _changed_fields(form):
    return sorted(name for name in form.changed_data if name != "version")


def territoire_save(*, form, request) -> Territoire:
    territoire = form.save(commit=False)
    creating = territoire.pk is None
    territoire.departement = request.departement
    if not creating:
        # The form compared versions already; the claim (a row lock until the end of the request's transaction)
        # closes the window in which two simultaneous saves could both pass.
        save_versioned(territoire, version=form.cleaned_data["version"])
    territoire.save()
    territoire.communes.set(form.commune_codes())
    log_access(
        request=request,
        action=Action.CREATION if creating else Action.MODIFICATION,
        obj=territoire,
        details={"champs": _changed_fields(form), "communes": territoire.communes.count()},
    )
    return territoire


def structure_save(*, form, request) -> Structure:
    structure = form.save(commit=False)
    creating = structure.pk is None
    structure.departement = request.departement
    structure.commune = form.cleaned_data.get("code_commune")
    if not creating:
        save_versioned(structure, version=form.cleaned_data["version"])
    structure.save()
    log_access(
        request=request,
        action=Action.CREATION if creating else Action.MODIFICATION,
        obj=structure,
        details={"champs": _changed_fields(form)},
    )
    return structure


def invitation_create(*, form, request) -> Invitation:
    invitation = form.save(commit=False)
    invitation.departement = request.departement
    invitation.invited_by = request.user
    invitation.expires_at = Invitation.default_expiry()
    token = Invitation.new_token()
    invitation.set_token(token)
    invitation.save()
    log_access(request=request, action=Action.INVITATION, obj=invitation, details={"role": invitation.role})
    _send_invitation_on_commit(invitation, token)
    return invitation


def invitation_resend(*, invitation, request) -> Invitation:
    """A fresh link and expiry; the previous link stops working at once."""
    token = Invitation.new_token()
    invitation.set_token(token)
    invitation.expires_at = Invitation.default_expiry()
    invitation.save(update_fields=["token_hash", "expires_at"])
    log_access(request=request, action=Action.INVITATION, obj=invitation, details={"renvoi": True})
    _send_invitation_on_commit(invitation, token)
    return invitation


def invitation_revoke(*, invitation, request) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    log_access(request=request, action=Action.DESACTIVATION, obj=invitation)


def _send_invitation_on_commit(invitation, token):
    # The clear token only exists here and in the e-mail: the database keeps its hash.
    link = settings.SPIE_BASE_URL.rstrip("/") + reverse("spie:invitation_accepter", kwargs={"token": token})
    context = {"invitation": invitation, "lien": link, "site_name": settings.SPIE_SITE_NAME}
    subject = f"{settings.EMAIL_SUBJECT_PREFIX}Invitation à rejoindre la plateforme SPIE"
    body = render_to_string("spie/emails/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))


def invitation_lookup(token) -> Invitation:
    """The invitation behind a link, or InvitationError with the reason in plain French."""
    invitation = (
        Invitation.unscoped_objects.select_related("structure", "departement")
        .filter(token_hash=Invitation.hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise InvitationError("Ce lien d'invitation n'est pas valide. Demandez une nouvelle invitation.")
    if invitation.accepted_at:
        raise InvitationError("Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse électronique.")
    if invitation.revoked_at:
        raise InvitationError("Cette invitation a été annulée par l'administrateur du département.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            "Cette invitation a expiré. Demandez à l'administrateur de votre département de vous la renvoyer."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token, user=None, first_name="", last_name="", password=None) -> tuple[User, Membership]:
    """Consume the invitation: create the account if needed and the membership, atomically.

    The invitation row is locked so that two simultaneous submissions of the same link cannot both
    succeed. The writes happen in the invitation's département, whichever one the person acts for now
    (one account, memberships in several départements).
    """
    invitation = invitation_lookup(token)
    with departement_scope(invitation.departement_id):
        return _invitation_accept(invitation, user=user, first_name=first_name, last_name=last_name, password=password)


def _invitation_accept(invitation, *, user, first_name, last_name, password):
    invitation = Invitation.unscoped_objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationError("Cette invitation a déjà été utilisée.")
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationError("Un compte existe déjà pour cette adresse : connectez-vous pour accepter.")
        user = User.objects.create_user(
            email=invitation.email, password=password, first_name=first_name, last_name=last_name
        )
        created = True
    else:
        if user.email.lower() != invitation.email.lower():
            raise InvitationError("Cette invitation est destinée à une autre adresse électronique.")
        created = False
    membership, _ = Membership.unscoped_objects.get_or_create(
        user=user,
        structure=invitation.structure,
        role=invitation.role,
        is_active=True,
        defaults={"departement": invitation.departement},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    common = {"user": user, "departement": invitation.departement, "structure": invitation.structure, "canal": "web"}
    if created:
        log_access(action=Action.CREATION, obj=user, object_type="spie.user", details={"invitation": True}, **common)
    log_access(action=Action.CREATION, obj=membership, details={"role": membership.role}, **common)
    return user, membership


def membership_add(*, user, structure, role, request) -> Membership:
    membership = Membership.objects.create(
        user=user, structure=structure, role=role, departement=structure.departement
    )
    log_access(request=request, action=Action.CREATION, obj=membership, details={"role": role})
    return membership


def membership_deactivate(*, membership, request) -> None:
    """Effective at the user's next request: the middleware only reads active memberships."""
    Membership.objects.filter(pk=membership.pk, is_active=True).update(is_active=False, ended_at=timezone.now())
    log_access(request=request, action=Action.DESACTIVATION, obj=membership, details={"role": membership.role})


def user_deactivate_in_departement(*, user, request) -> int:
    """End every membership the user holds in the acting département (other départements are not ours)."""
    memberships = list(Membership.objects.filter(user=user, is_active=True))
    for membership in memberships:
        membership_deactivate(membership=membership, request=request)
    log_access(request=request, action=Action.DESACTIVATION, obj=user, details={"rattachements": len(memberships)})
    return len(memberships)


def debut_file_orientation_fixer(*, departement, debut) -> bool:
    """Set the start of the orientation queue of the département, once (its first CAF/MSA file); True if set now.

    Later files never move it: the queue of a département must not shrink or swell when a file arrives."""
    from spie.models import Departement

    return bool(
        Departement.objects.filter(pk=departement.pk, debut_file_orientation__isnull=True).update(
            debut_file_orientation=debut
        )
    )
