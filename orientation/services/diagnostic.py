"""The diagnostic interview: a draft saved step by step, then finished as a new, dated, authored version."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from carnet.models import Carnet, ProjetProfessionnel
from carnet.services import RegleMetier, projet_add, situation_add
from orientation import diagnostic as steps
from orientation import workflow
from orientation.models import Diagnostic, StatutDiagnostic, StatutDossier
from orientation.services.base import evenement, lock
from spie.versioning import save_versioned


@transaction.atomic
def diagnostic_start(*, dossier, auteur) -> Diagnostic:
    """The carnet's draft (there is at most one), or a new version prefilled with the latest finished one,
    so that the person never has to tell their story twice. The dossier must be at the interview."""
    dossier = lock(dossier)
    if dossier.statut != StatutDossier.ENTRETIEN:
        raise workflow.TransitionInterdite(
            "Le diagnostic se fait pendant l'entretien : notez d'abord la présence de la personne."
        )
    Carnet.objects.select_for_update(of=("self",)).filter(pk=dossier.carnet_id).first()
    brouillon = Diagnostic.objects.filter(carnet_id=dossier.carnet_id, statut=StatutDiagnostic.BROUILLON).first()
    if brouillon is not None:
        if brouillon.dossier_id != dossier.pk:
            Diagnostic.objects.filter(pk=brouillon.pk).update(dossier=dossier)
            brouillon.dossier = dossier
        return brouillon
    versions = Diagnostic.objects.filter(carnet_id=dossier.carnet_id)
    precedent = versions.filter(statut=StatutDiagnostic.TERMINE).order_by("-numero_version").first()
    data = {key: value for key, value in (precedent.data if precedent else {}).items() if key != "etapes"}
    return Diagnostic.objects.create(
        departement_id=dossier.departement_id,
        carnet_id=dossier.carnet_id,
        dossier=dossier,
        numero_version=(versions.aggregate(n=Max("numero_version"))["n"] or 0) + 1,
        data=data,
        created_by=auteur,
    )


@transaction.atomic
def diagnostic_restart(*, dossier, auteur) -> Diagnostic:
    """After a finished diagnostic (or a proposal sent back): back to the interview, with a new draft."""
    dossier = lock(dossier)
    workflow.transition(dossier, workflow.REPRENDRE_DIAGNOSTIC)
    return diagnostic_start(dossier=dossier, auteur=auteur)


@transaction.atomic
def diagnostic_save_step(*, diagnostic, etape, valeurs, version) -> Diagnostic:
    """Save one step into the draft: UPDATE … WHERE version = <version read>, so that a concurrent save is
    never silently overwritten (`VersionConflict`); a finished diagnostic is never changed."""
    current = lock(diagnostic)
    if current.statut != StatutDiagnostic.BROUILLON:
        raise RegleMetier("Ce diagnostic est terminé : il ne se modifie plus. Commencez-en un nouveau si besoin.")
    current.data, current.updated_at = steps.merge(current.data, etape, valeurs), timezone.now()
    save_versioned(current, version=version, fields=["data", "updated_at"])
    diagnostic.data, diagnostic.version = current.data, current.version
    return diagnostic


@transaction.atomic
def diagnostic_finish(*, diagnostic, version, auteur, structure) -> Diagnostic:
    """Date and author the diagnostic, move the dossier on, and report the checked situations (and the
    project) into the carnet, where they are shared with the follow-up group."""
    current = lock(diagnostic)
    if current.statut != StatutDiagnostic.BROUILLON:
        raise RegleMetier("Ce diagnostic est déjà terminé.")
    current.statut, current.auteur, current.structure = StatutDiagnostic.TERMINE, auteur, structure
    current.termine_le = current.updated_at = timezone.now()
    save_versioned(current, version=version, fields=["statut", "auteur", "structure", "termine_le", "updated_at"])
    if current.dossier_id:
        workflow.transition(current.dossier, workflow.TERMINER_DIAGNOSTIC)
    diagnostic.refresh_from_db()
    carnet = diagnostic.carnet
    # Every theme, sensitive ones included: the author saw them all, and situation_add records sensitive
    # situations as restricted events that never name them.
    toutes = steps.etapes(carnet.departement_id, sensibles=True)
    situation_add(
        carnet=carnet,
        situations=steps.situations_choisies(diagnostic.data, toutes),
        constatee_le=timezone.localdate(),
        auteur=auteur,
        structure=structure,
    )
    projet = diagnostic.data.get(steps.PROJET, {})
    metier = (projet.get("metier") or "").strip()
    if metier and not ProjetProfessionnel.objects.filter(carnet=carnet, metier__iexact=metier).exists():
        projet_add(carnet=carnet, data=projet, auteur=auteur, structure=structure)
    evenement(
        carnet=carnet,
        resume=f"Diagnostic d'orientation terminé (version {diagnostic.numero_version})",
        auteur=auteur,
        structure=structure,
        obj=diagnostic,
    )
    return diagnostic
