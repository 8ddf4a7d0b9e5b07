"""Services of the follow-up: reminders, digests, alerts, evaluations. Tasks and views call these."""

from suivi.services.alertes import (
    alertes_delai_legal_envoyer,
    alertes_orientation_envoyer,
    alertes_sans_referent_envoyer,
)
from suivi.services.alertes_engagement import alertes_contrat_engagement_envoyer, alertes_stock_ce_envoyer
from suivi.services.alertes_parcours_social import alertes_revision_parcours_social_envoyer
from suivi.services.base import (
    regles_du_departement,
    regles_en_lecture,
    regles_enregistrer,
)
from suivi.services.digests import digest_pour, digests_envoyer
from suivi.services.evaluations import (
    SEUIL_ANONYMAT,
    QuestionnaireInvalide,
    agregats_evaluations,
    commentaires,
    questionnaire_repondre,
    questionnaire_repondre_espace,
    questionnaire_trouver,
    questionnaires_envoyer,
    questionnaires_ouverts,
    taux_de_reponse,
)
from suivi.services.rappels import rappels_rendez_vous_envoyer
from suivi.services.rapports import (
    mois_du_dernier_rapport,
    rapport_demander,
    rapport_produire,
    rapports_mensuels_lancer,
)
from suivi.services.suivi_sortie import alertes_suivi_sortie_envoyer

__all__ = [
    "mois_du_dernier_rapport",
    "rapport_demander",
    "rapport_produire",
    "rapports_mensuels_lancer",
    "SEUIL_ANONYMAT",
    "QuestionnaireInvalide",
    "agregats_evaluations",
    "alertes_contrat_engagement_envoyer",
    "alertes_revision_parcours_social_envoyer",
    "alertes_delai_legal_envoyer",
    "alertes_stock_ce_envoyer",
    "alertes_suivi_sortie_envoyer",
    "alertes_orientation_envoyer",
    "alertes_sans_referent_envoyer",
    "commentaires",
    "digest_pour",
    "digests_envoyer",
    "questionnaire_repondre",
    "questionnaire_repondre_espace",
    "questionnaires_ouverts",
    "questionnaire_trouver",
    "questionnaires_envoyer",
    "rappels_rendez_vous_envoyer",
    "regles_du_departement",
    "regles_en_lecture",
    "regles_enregistrer",
    "taux_de_reponse",
]
