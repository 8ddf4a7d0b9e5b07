"""Writes of the orientation app, one module per stage; import from here.

Functions are keyword-only and named `<entity>_<action>`; every status change goes through
`orientation.workflow.transition`; business refusals raise `carnet.services.RegleMetier` (or its subclass
`TransitionInterdite`) with a message for the user, and nothing is written then (one transaction each).
"""

from orientation.services.decision import (
    orientation_designate_referent,
    orientation_propose,
    orientation_send_back,
    orientation_validate,
    proposition_des_criteres,
)
from orientation.services.diagnostic import (
    diagnostic_finish,
    diagnostic_restart,
    diagnostic_save_step,
    diagnostic_start,
)
from orientation.services.dossiers import (
    convocation_create,
    convocation_record_attendance,
    dossier_assign,
    dossier_open,
)
from orientation.services.echeances import information_recevoir, orientations_france_travail_enregistrer
from orientation.services.jalons import record_first_accompaniment
from orientation.services.regles import regles_actives, regles_apercu, regles_enregistrer, regles_seed
from orientation.services.reorientation import (
    demande_en_attente,
    reorientation_accept,
    reorientation_refuse,
    reorientation_request,
)

__all__ = [
    "convocation_create",
    "convocation_record_attendance",
    "demande_en_attente",
    "diagnostic_finish",
    "diagnostic_restart",
    "diagnostic_save_step",
    "diagnostic_start",
    "information_recevoir",
    "orientations_france_travail_enregistrer",
    "dossier_assign",
    "dossier_open",
    "orientation_designate_referent",
    "orientation_propose",
    "orientation_send_back",
    "orientation_validate",
    "proposition_des_criteres",
    "record_first_accompaniment",
    "regles_actives",
    "regles_apercu",
    "regles_enregistrer",
    "regles_seed",
    "reorientation_accept",
    "reorientation_refuse",
    "reorientation_request",
]
