"""Writes on the catalogue: services, their sessions, moderation, a structure's public card.

Every service written here gets `date_maj` = today: a write through the platform is a modification
"chez le producteur" (the département's source). Optimistic locking: a write carries the version read.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from offre.models import Service, SessionService, StatutService
from offre.schema import today
from spie.audit import log_access
from spie.models import Action, Membership, Structure
from spie.notifications import notify
from spie.versioning import save_versioned


class RegleMetier(Exception):
    """A business rule refuses the write; the message is shown to the user as is."""


@transaction.atomic
def service_create(*, structure, data, auteur, publier=False) -> Service:
    """A new service of `structure`: published at once when an admin writes it, else awaiting moderation."""
    departement = structure.departement
    service = Service(
        departement_id=structure.departement_id,
        structure=structure,
        source=departement.source_slug,
        date_maj=today(),
        statut=StatutService.PUBLIE if publier else StatutService.A_VALIDER,
        created_by=auteur,
        **data,
    )
    service.di_id = f"{service.source}--{service.uid}"
    if publier:
        service.modere_par, service.modere_le = auteur, timezone.now()
    service.save()
    return service


@transaction.atomic
def service_update(*, service, data, version, auteur, par_admin=False) -> Service:
    """Raises `VersionConflict` on a stale version. A suspended service edited by its structure goes back to
    moderation; a published one stays published (the admin moderates after the fact)."""
    save_versioned(service, version=version)
    for name, value in data.items():
        setattr(service, name, value)
    service.date_maj = today()
    fields = [*data, "date_maj", "updated_at"]
    if service.statut == StatutService.SUSPENDU and not par_admin:
        service.statut = StatutService.A_VALIDER
        fields.append("statut")
    service.save(update_fields=fields)
    return service


MODERATION = {
    "publier": (StatutService.PUBLIE, "publié"),
    "suspendre": (StatutService.SUSPENDU, "suspendu"),
}


@transaction.atomic
def service_moderate(*, service, decision, motif, auteur) -> Service:
    statut, verbe = MODERATION[decision]
    if decision == "suspendre" and not motif.strip():
        raise RegleMetier("Indiquez le motif de la suspension : il est transmis à la structure.")
    service.statut, service.motif_moderation = statut, motif.strip()
    service.modere_par, service.modere_le = auteur, timezone.now()
    service.version += 1
    service.save(update_fields=["statut", "motif_moderation", "modere_par", "modere_le", "version", "updated_at"])
    members = Membership.objects.actifs().filter(structure_id=service.structure_id).select_related("user")
    for user in {m.user for m in members}:
        notify(
            user=user,
            departement_id=service.departement_id,
            titre=f"Service {verbe} par le Département",
            message=f"Votre service « {service.nom} » a été {verbe}." + (f" Motif : {motif.strip()}" if motif else ""),
            lien=reverse("offre:service_detail", kwargs={"uid": service.uid}),
            cle=f"service-moderation:{service.uid}:{service.version}",
        )
    return service


# --- Sessions ---------------------------------------------------------------------------------------


def _check_session(data):
    if data.get("date_fin") and data["date_fin"] < data["date_debut"]:
        raise RegleMetier("La fin de la session doit être postérieure ou égale à son début.")
    total, restantes = data.get("places_total"), data.get("places_restantes")
    if total is not None and restantes is not None and restantes > total:
        raise RegleMetier("Il ne peut pas rester plus de places que la session n'en compte.")


@transaction.atomic
def session_create(*, service, data) -> SessionService:
    _check_session(data)
    if data.get("places_restantes") is None and data.get("places_total") is not None:
        data = {**data, "places_restantes": data["places_total"]}
    return SessionService.objects.create(departement_id=service.departement_id, service=service, **data)


@transaction.atomic
def session_update(*, session, data, version) -> SessionService:
    _check_session(data)
    save_versioned(session, version=version)
    for name, value in data.items():
        setattr(session, name, value)
    session.save(update_fields=[*data, "updated_at"])
    return session


@transaction.atomic
def session_delete(*, session):
    if session.prescriptions.filter(statut="en_attente").exists():
        raise RegleMetier("Des prescriptions en attente visent cette session : répondez-y avant de la supprimer.")
    session.delete()


# --- A structure's public card ----------------------------------------------------------------------


@transaction.atomic
def structure_fiche_update(*, structure, data, version, request) -> Structure:
    """The structure's data·inclusion fields (its public card); logged like every change of a structure."""
    save_versioned(structure, version=version)
    for name, value in data.items():
        setattr(structure, name, value)
    structure.save(update_fields=[*data, "updated_at", "version"])
    log_access(request=request, action=Action.MODIFICATION, obj=structure, details={"champs": sorted(data)})
    return structure


# --- Quality scores (beat) -----------------------------------------------------------------------------


def scores_refresh() -> int:
    """Recompute the stored scores whose value changed (the freshness criterion decays day after day)."""
    from offre.schema import service_score
    from spie.models import Departement
    from spie.tenancy import departement_scope

    changed = 0
    for departement in Departement.objects.actifs():
        with departement_scope(departement):
            for service in Service.objects.select_related("structure").iterator(chunk_size=500):
                score = service_score(service)[0]
                if score != service.score_qualite:
                    Service.objects.filter(pk=service.pk).update(score_qualite=score)
                    changed += 1
    return changed
