"""Writes on carnets, one module per section; import from here.

Each write records a timeline event; none writes restricted text into the timeline. Functions are
keyword-only and named `<entity>_<action>`.
"""

from carnet.services.acces import acces_exceptionnel_ouvrir
from carnet.services.base import (
    CARNET_CLOS,
    CarnetClos,
    RegleMetier,
    carnet_est_clos,
    evenement_record,
    exiger_carnet_ouvert_en_base,
)
from carnet.services.beneficiaires import (
    Correspondance,
    beneficiaire_create,
    beneficiaire_match,
    beneficiaire_update,
)
from carnet.services.documents import document_add, document_add_par_personne, document_partager
from carnet.services.groupe import adhesion_decide, adhesion_request, groupe_add_member, groupe_remove_member
from carnet.services.notes import carnet_refresh_dates, note_add
from carnet.services.situation import projet_add, projet_update, situation_add, situation_end

__all__ = [
    "acces_exceptionnel_ouvrir",
    "Correspondance",
    "CARNET_CLOS",
    "CarnetClos",
    "RegleMetier",
    "carnet_est_clos",
    "exiger_carnet_ouvert_en_base",
    "adhesion_decide",
    "adhesion_request",
    "beneficiaire_create",
    "beneficiaire_match",
    "beneficiaire_update",
    "carnet_refresh_dates",
    "document_add",
    "document_add_par_personne",
    "document_partager",
    "evenement_record",
    "groupe_add_member",
    "groupe_remove_member",
    "note_add",
    "projet_add",
    "projet_update",
    "situation_add",
    "situation_end",
]

# Plan d'action, rendez-vous, contrats.
from carnet.services.personne import (  # noqa: E402
    objectif_avis_personne,
    objectif_visible_par_la_personne,
    observation_envoyer,
    observation_marquer_lue,
)
from carnet.services.plan import (  # noqa: E402
    action_create,
    action_update,
    axe_create,
    objectif_create,
    objectif_update,
)
from carnet.services.suivi import (  # noqa: E402
    CONTRAT_TRANSITIONS,
    contrat_actions_permises,
    contrat_create,
    contrat_renew,
    contrat_renewal_initial,
    contrat_sign,
    contrat_terminate,
    contrat_update,
    rendez_vous_create,
    rendez_vous_update,
)

__all__ += [
    "CONTRAT_TRANSITIONS",
    "action_create",
    "action_update",
    "axe_create",
    "contrat_actions_permises",
    "contrat_create",
    "contrat_renew",
    "contrat_renewal_initial",
    "contrat_sign",
    "contrat_terminate",
    "contrat_update",
    "objectif_avis_personne",
    "objectif_create",
    "objectif_update",
    "objectif_visible_par_la_personne",
    "observation_envoyer",
    "observation_marquer_lue",
    "rendez_vous_create",
    "rendez_vous_update",
    "sortie_create",
]

# The end of the accompaniment: exit, check-ins, closing and reopening.
from carnet.services.cloture import (  # noqa: E402
    carnet_rouvrir,
    carnets_rouvrir_nouvelle_entree,
    point_de_suivi_enregistrer,
    sortie_create,
)

__all__ += ["carnet_rouvrir", "carnets_rouvrir_nouvelle_entree", "point_de_suivi_enregistrer"]

# The hours of a contrat d'engagement.
from carnet.services.activites import activite_delete, activite_record, releve_hebdomadaire  # noqa: E402

__all__ += ["activite_delete", "activite_record", "releve_hebdomadaire"]
