from offre.models.catalogue import Service, SessionService, StatutService
from offre.models.imports import FormatImport, ImportCatalogue, StatutImport
from offre.models.prescriptions import (
    ETAPES_SUIVANTES,
    EXPIRATION_APRES,
    MOTIFS_PAR_ETAPE,
    RELANCE_APRES,
    SUIVI_EN_RETARD_APRES,
    EtapePrescription,
    EtapeSuivi,
    MotifEtape,
    MotifRefus,
    Prescription,
    StatutPrescription,
)
from offre.models.suggestions import CorrespondanceThematique, EmbeddingService, UsageService

__all__ = [
    "CorrespondanceThematique",
    "EmbeddingService",
    "UsageService",
    "ETAPES_SUIVANTES",
    "MOTIFS_PAR_ETAPE",
    "SUIVI_EN_RETARD_APRES",
    "EtapePrescription",
    "EtapeSuivi",
    "MotifEtape",
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
