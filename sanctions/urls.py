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
