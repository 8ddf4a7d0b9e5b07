from django.urls import path

from offre.views import administration, catalogue, prescriptions, recherche, suggestions

app_name = "offre"

urlpatterns = [
    # Search of the catalogue, a service's page
    path("recherche/", recherche.recherche, name="recherche"),
    path("recherche/json/", recherche.recherche_json, name="recherche_json"),
    path("services/<uuid:uid>/", recherche.service_detail, name="service_detail"),
    # A structure's own catalogue
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/nouveau/", catalogue.service_creer, name="service_creer"),
    path("catalogue/<uuid:uid>/", catalogue.service_modifier, name="service_modifier"),
    path("catalogue/<uuid:uid>/sessions/", catalogue.sessions, name="sessions"),
    path("catalogue/<uuid:uid>/sessions/<uuid:session_uid>/", catalogue.session_modifier, name="session_modifier"),
    path(
        "catalogue/<uuid:uid>/sessions/<uuid:session_uid>/supprimer/",
        catalogue.session_supprimer,
        name="session_supprimer",
    ),
    path("structures/<uuid:uid>/fiche/", catalogue.structure_fiche, name="structure_fiche"),
    # The département's admin: moderation, quality, imports, export
    path("moderation/", administration.moderation, name="moderation"),
    path("moderation/<uuid:uid>/", administration.moderer, name="moderer"),
    path("qualite/", administration.qualite, name="qualite"),
    path("imports/", administration.imports, name="imports"),
    path("imports/<uuid:uid>/", administration.import_detail, name="import_detail"),
    path("imports/<uuid:uid>/statut/", administration.import_statut, name="import_statut"),
    path("imports/<uuid:uid>/rapport.csv", administration.import_rapport, name="import_rapport"),
    path("export/", administration.export, name="export"),
    # The mapping of the carnet's themes and situations to thématiques (suggested offers)
    path("correspondances/", suggestions.correspondances_liste, name="correspondances"),
    path("correspondances/themes/<slug:code>/", suggestions.correspondance_theme, name="correspondance_theme"),
    path(
        "correspondances/situations/<uuid:uid>/",
        suggestions.correspondance_situation,
        name="correspondance_situation",
    ),
    path("export/<str:fichier>", administration.export_fichier, name="export_fichier"),
    # Prescriptions received by the structure
    path("prescriptions/recues/", prescriptions.prescriptions_recues, name="prescriptions_recues"),
    path("prescriptions/<uuid:uid>/", prescriptions.prescription_recue, name="prescription_recue"),
    path("prescriptions/<uuid:uid>/repondre/", prescriptions.prescription_repondre, name="prescription_repondre"),
    path("prescriptions/<uuid:uid>/suivi/", prescriptions.prescription_etape, name="prescription_etape"),
    # Prescriptions from a carnet (the carnet's tab "Prescriptions")
    path("carnets/<uuid:uid>/prescriptions/", prescriptions.carnet_prescriptions, name="carnet_prescriptions"),
    path("carnets/<uuid:uid>/recherche/", prescriptions.carnet_recherche, name="carnet_recherche"),
    path("carnets/<uuid:uid>/suggestions/", suggestions.carnet_suggestions, name="carnet_suggestions"),
    path("carnets/<uuid:uid>/prescrire/<uuid:service_uid>/", prescriptions.prescrire, name="prescrire"),
    path(
        "carnets/<uuid:uid>/prescriptions/<uuid:prescription_uid>/suivi/",
        prescriptions.carnet_prescription_etape,
        name="carnet_prescription_etape",
    ),
    path(
        "carnets/<uuid:uid>/prescriptions/<uuid:prescription_uid>/annuler/",
        prescriptions.prescription_annuler,
        name="prescription_annuler",
    ),
]
