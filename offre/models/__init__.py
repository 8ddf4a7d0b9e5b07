from offre.models.catalogue import Service, SessionService, StatutService
from offre.models.imports import FormatImport, ImportCatalogue, StatutImport
from offre.models.prescriptions import (
    EXPIRATION_APRES,
    RELANCE_APRES,
    MotifRefus,
    Prescription,
    StatutPrescription,
)

__all__ = [
    "EXPIRATION_APRES",
    "RELANCE_APRES",
    "FormatImport",
    "ImportCatalogue",
    "MotifRefus",
    "Prescription",
    "Service",
    "SessionService",
    "StatutImport",
    "StatutPrescription",
    "StatutService",
]
