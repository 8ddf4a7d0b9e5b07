"""The common diagnostic (situations checked per theme) and the professional projects.

Situations of a sensitive theme (health, family) are recorded in the timeline as restricted events whose
summary never names the situation: only the référent and the author list them.
"""

from django.db import transaction

from carnet.models import ProjetProfessionnel, SituationConstatee, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record
from spie.versioning import save_versioned


def _situation_event(*, constatee, resume_general, resume_sensible, auteur, structure):
    sensible = constatee.situation.theme.sensible
    evenement_record(
        carnet=constatee.carnet,
        type=TypeEvenement.SITUATION,
        resume=resume_sensible if sensible else resume_general,
        auteur=auteur,
        structure=structure,
        sensibilite=constatee.situation.theme.sensibilite,
        obj=constatee,
    )


@transaction.atomic
def situation_add(*, carnet, situations, constatee_le, auteur, structure) -> list[SituationConstatee]:
    """Check situations in the carnet; a situation already current is left as it is (no duplicate)."""
    current = set(
        SituationConstatee.objects.filter(carnet=carnet, fin=None, situation__in=situations).values_list(
            "situation_id", flat=True
        )
    )
    created = []
    for situation in situations:
        if situation.pk in current:
            continue
        constatee = SituationConstatee.objects.create(
            departement_id=carnet.departement_id,
            carnet=carnet,
            situation=situation,
            constatee_le=constatee_le,
            auteur=auteur,
            structure=structure,
        )
        _situation_event(
            constatee=constatee,
            resume_general=f"Situation constatée : {situation.libelle} ({situation.theme.libelle})",
            resume_sensible="Situation d'un thème sensible constatée",
            auteur=auteur,
            structure=structure,
        )
        created.append(constatee)
    return created


@transaction.atomic
def situation_end(*, constatee, fin, auteur, structure) -> SituationConstatee:
    """Mark a situation as no longer current from `fin`; the row stays in the history."""
    if fin < constatee.constatee_le:
        raise RegleMetier("La date de fin ne peut pas précéder la date à laquelle la situation a été constatée.")
    updated = SituationConstatee.objects.filter(pk=constatee.pk, fin=None).update(fin=fin)
    if not updated:
        raise RegleMetier("Cette situation n'est déjà plus d'actualité.")
    constatee.fin = fin
    _situation_event(
        constatee=constatee,
        resume_general=f"Situation terminée : {constatee.situation.libelle} ({constatee.situation.theme.libelle})",
        resume_sensible="Situation d'un thème sensible terminée",
        auteur=auteur,
        structure=structure,
    )
    return constatee


PROJET_FIELDS = ["metier", "code_rome", "rayon_mobilite_km", "contrat_souhaite"]


@transaction.atomic
def projet_add(*, carnet, data, auteur, structure) -> ProjetProfessionnel:
    projet = ProjetProfessionnel.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        auteur=auteur,
        **{name: data[name] for name in PROJET_FIELDS if name in data},
    )
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.PROJET,
        resume=f"Projet professionnel ajouté : {projet.metier}",
        auteur=auteur,
        structure=structure,
        obj=projet,
    )
    return projet


@transaction.atomic
def projet_update(*, projet, data, version, auteur, structure) -> ProjetProfessionnel:
    """Optimistic locking: raises `VersionConflict` if the project changed since `version` was read."""
    fields = [name for name in PROJET_FIELDS if name in data]
    for name in fields:
        setattr(projet, name, data[name])
    save_versioned(projet, version=version, fields=fields)
    evenement_record(
        carnet=projet.carnet,
        type=TypeEvenement.PROJET,
        resume=f"Projet professionnel modifié : {projet.metier}",
        auteur=auteur,
        structure=structure,
        obj=projet,
    )
    return projet
