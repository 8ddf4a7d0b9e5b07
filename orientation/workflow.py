"""The one place where the orientation workflow lives: what may happen in each state.

Three small machines (state → {action: next state}): the dossier, the proposal, the réorientation request.
Services change a status only through `transition()`, which checks the machine and claims the row with a
conditional UPDATE (so that two people acting at once cannot both move it); pages offer only the actions
that `actions_permises()` returns. Roles are checked separately, by `orientation.perms`.

    a_convoquer ──convoquer──▶ convoqué ──présent──▶ entretien ──terminer le diagnostic──▶ diagnostic terminé
         ▲                        │                      ▲                                   │      │
         └──excusé / absent───────┘                      └────────reprendre le diagnostic────┘      │
                                                                                      proposer      │
    orienté ◀──valider── orientation proposée ◀────────────────────────────────────────────────────┘
                              └──renvoyer──▶ diagnostic terminé

    any open state ──délai légal dépassé (daily task)──▶ orientation par France Travail (a pending proposal
    becomes caduque)
"""

from django.db import router
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone

from carnet.services import RegleMetier
from orientation.models import (
    DemandeReorientation,
    DossierOrientation,
    Orientation,
    StatutDemandeReorientation,
    StatutDossier,
    StatutOrientation,
)


class TransitionInterdite(RegleMetier):
    """The action is not allowed in the object's current state; nothing was written."""


# Actions.
CONVOQUER = "convoquer"
PRESENT = "present"
EXCUSE = "excuse"
ABSENT = "absent"
TERMINER_DIAGNOSTIC = "terminer_diagnostic"
REPRENDRE_DIAGNOSTIC = "reprendre_diagnostic"
PROPOSER = "proposer"
VALIDER = "valider"
RENVOYER = "renvoyer"
ACCEPTER = "accepter"
REFUSER = "refuser"
DELAI_DEPASSE = "delai_depasse"

ACTIONS = {
    CONVOQUER: "convoquer la personne",
    PRESENT: "noter la personne présente",
    EXCUSE: "noter la personne excusée",
    ABSENT: "noter la personne absente",
    TERMINER_DIAGNOSTIC: "terminer le diagnostic",
    REPRENDRE_DIAGNOSTIC: "reprendre le diagnostic",
    PROPOSER: "proposer une orientation",
    VALIDER: "valider l'orientation",
    RENVOYER: "renvoyer la proposition",
    ACCEPTER: "accepter la demande",
    REFUSER: "refuser la demande",
    DELAI_DEPASSE: "passer la main à France Travail",
}

S = StatutDossier
# Past the legal deadline every open dossier passes to France Travail (D.262-65-2 CASF), whatever its stage.
FT = {DELAI_DEPASSE: S.ORIENTE_FRANCE_TRAVAIL}
DOSSIER = {
    S.A_CONVOQUER: {CONVOQUER: S.CONVOQUE, **FT},
    S.CONVOQUE: {PRESENT: S.ENTRETIEN, EXCUSE: S.A_CONVOQUER, ABSENT: S.A_CONVOQUER, **FT},
    S.ENTRETIEN: {TERMINER_DIAGNOSTIC: S.DIAGNOSTIC_TERMINE, **FT},
    S.DIAGNOSTIC_TERMINE: {PROPOSER: S.ORIENTATION_PROPOSEE, REPRENDRE_DIAGNOSTIC: S.ENTRETIEN, **FT},
    S.ORIENTATION_PROPOSEE: {VALIDER: S.ORIENTE, RENVOYER: S.DIAGNOSTIC_TERMINE, **FT},
    S.ORIENTE: {},
    S.ORIENTE_FRANCE_TRAVAIL: {},
}

PROPOSITION = {
    StatutOrientation.PROPOSEE: {
        VALIDER: StatutOrientation.VALIDEE,
        RENVOYER: StatutOrientation.RENVOYEE,
        DELAI_DEPASSE: StatutOrientation.CADUQUE,
    },
    StatutOrientation.VALIDEE: {},
    StatutOrientation.RENVOYEE: {},
    StatutOrientation.CADUQUE: {},
}

DEMANDE = {
    StatutDemandeReorientation.EN_ATTENTE: {
        ACCEPTER: StatutDemandeReorientation.ACCEPTEE,
        REFUSER: StatutDemandeReorientation.REFUSEE,
    },
    StatutDemandeReorientation.ACCEPTEE: {},
    StatutDemandeReorientation.REFUSEE: {},
}

MACHINES = {DossierOrientation: DOSSIER, Orientation: PROPOSITION, DemandeReorientation: DEMANDE}

NOMS = {
    DossierOrientation: "le dossier d'orientation",
    Orientation: "la proposition d'orientation",
    DemandeReorientation: "la demande de réorientation",
}


def _machine(obj):
    return MACHINES[type(obj)]


def actions_permises(obj) -> list[str]:
    """The actions the machine allows in the object's current state (roles aside)."""
    return list(_machine(obj).get(obj.statut, {}))


def peut(obj, action) -> bool:
    return action in _machine(obj).get(obj.statut, {})


def etat_suivant(obj, action):
    """The state `action` leads to, or raise `TransitionInterdite` with a message for the user."""
    try:
        return _machine(obj)[obj.statut][action]
    except KeyError:
        raise TransitionInterdite(refus(obj, action)) from None


def refus(obj, action) -> str:
    statut = obj.get_statut_display().lower()
    return f"Impossible de {ACTIONS.get(action, action)} : {NOMS[type(obj)]} est « {statut} »."


def transition(obj, action, **fields):
    """Move `obj` along `action`: checks the machine, then UPDATE … WHERE statut = <current state>.

    `fields` are written in the same UPDATE (milestone dates, decision data), then `post_save` is sent.
    Raises `TransitionInterdite` when the action is not allowed or when someone else moved the object first;
    nothing is written then.
    """
    suivant = etat_suivant(obj, action)
    model = type(obj)
    values = {"statut": suivant, **fields}
    names = {f.name for f in model._meta.fields}
    if "version" in names:
        values["version"] = F("version") + 1
    if "updated_at" in names:
        values["updated_at"] = timezone.now()
    updated = model.objects.filter(pk=obj.pk, statut=obj.statut).update(**values)
    if not updated:
        current = model.objects.filter(pk=obj.pk).values_list("statut", flat=True).first()
        if current is not None:
            obj.statut = current
        raise TransitionInterdite(refus(obj, action))
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.statut = suivant
    if "version" in values:
        obj.refresh_from_db(fields=["version"])
    # The UPDATE bypasses Model.save(): tell the receivers (partner webhooks…) as save() would, like
    # spie.versioning.save_versioned does.
    post_save.send(
        sender=model,
        instance=obj,
        created=False,
        update_fields=frozenset(name for name in values if name != "version"),
        raw=False,
        using=router.db_for_write(model, instance=obj),
    )
    return obj
