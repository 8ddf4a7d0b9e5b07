from django.urls import path

from sanctions import views

app_name = "sanctions"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("bareme/", views.parametres, name="parametres"),
    path("carnets/<uuid:uid>/", views.carnet_dossiers, name="carnet_dossiers"),
    path("carnets/<uuid:uid>/ouvrir/", views.ouvrir, name="ouvrir"),
    path("dossiers/<uuid:uid>/", views.dossier, name="dossier"),
    path("dossiers/<uuid:uid>/etape/", views.etape, name="etape"),
    path("dossiers/<uuid:uid>/pieces/", views.piece_ajouter, name="piece_ajouter"),
    path("dossiers/<uuid:uid>/pieces/<uuid:piece_uid>/", views.piece_telecharger, name="piece_telecharger"),
    path("dossiers/<uuid:uid>/observations/", views.observation_ajouter, name="observation_ajouter"),
    path("dossiers/<uuid:uid>/notification.pdf", views.notification_pdf, name="notification_pdf"),
    path("dossiers/<uuid:uid>/decision.pdf", views.decision_pdf, name="decision_pdf"),
]

# The file for a court, the paying body's export file, the indicators (`sanctions.views_pilotage`).
from sanctions import views_pilotage  # noqa: E402

urlpatterns += [
    path("dossiers/<uuid:uid>/tribunal.pdf", views_pilotage.dossier_tribunal, name="dossier_tribunal"),
    path("caf-msa/", views_pilotage.exports_payeur, name="exports_payeur"),
    path("caf-msa/<uuid:uid>.csv", views_pilotage.export_payeur_csv, name="export_payeur_csv"),
    path("indicateurs/", views_pilotage.indicateurs_page, name="indicateurs"),
]
