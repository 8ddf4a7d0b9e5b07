"""Writes of the offer, one module per subject; import from here. Functions are keyword-only."""

from offre.services.catalogue import (
    RegleMetier,
    scores_refresh,
    service_create,
    service_moderate,
    service_update,
    session_create,
    session_delete,
    session_update,
    structure_fiche_update,
)
from offre.services.imports import import_create, import_run, report_rows, service_values
from offre.services.lecture import FichierInvalide, read_files
from offre.services.prescriptions import (
    prescription_answer,
    prescription_cancel,
    prescription_send,
    prescriptions_expire,
    prescriptions_remind,
)
from offre.services.suggestions import (
    correspondance_reset,
    correspondance_update,
    embedding_refresh,
    embeddings_refresh,
    usage_record,
)
from offre.services.suivi_prescriptions import (
    etapes_possibles,
    indicateurs_prescriptions,
    prescription_etape_enregistrer,
    prescriptions_suivi_relancer,
)

__all__ = [
    "correspondance_reset",
    "correspondance_update",
    "embedding_refresh",
    "embeddings_refresh",
    "usage_record",
    "etapes_possibles",
    "indicateurs_prescriptions",
    "prescription_etape_enregistrer",
    "prescriptions_suivi_relancer",
    "FichierInvalide",
    "RegleMetier",
    "import_create",
    "import_run",
    "prescription_answer",
    "prescription_cancel",
    "prescription_send",
    "prescriptions_expire",
    "prescriptions_remind",
    "read_files",
    "report_rows",
    "scores_refresh",
    "service_create",
    "service_moderate",
    "service_update",
    "service_values",
    "session_create",
    "session_delete",
    "session_update",
    "structure_fiche_update",
]
