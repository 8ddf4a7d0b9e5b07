from django.urls import path

from sanctions import views, views_ep

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

# Équipes pluridisciplinaires and their sessions (sanctions.views_ep).
urlpatterns += [
    path("ep/", views_ep.seances, name="ep_seances"),
    path("ep/equipes/", views_ep.equipes_liste, name="ep_equipes"),
    path("ep/equipes/<uuid:uid>/", views_ep.equipe, name="ep_equipe"),
    path("ep/equipes/<uuid:uid>/membres/", views_ep.membre_ajouter, name="ep_membre_ajouter"),
    path("ep/equipes/<uuid:uid>/seances/nouvelle/", views_ep.seance_creer, name="ep_seance_creer"),
    path("ep/membres/<uuid:uid>/retirer/", views_ep.membre_retirer, name="ep_membre_retirer"),
    path("ep/seances/<uuid:uid>/", views_ep.seance, name="ep_seance"),
    path("ep/seances/<uuid:uid>/etape/", views_ep.seance_etape, name="ep_seance_etape"),
    path("ep/seances/<uuid:uid>/proces-verbal.pdf", views_ep.proces_verbal_pdf, name="ep_proces_verbal_pdf"),
    path("ep/dossiers/<uuid:uid>/fiche.pdf", views_ep.resume_pdf, name="ep_resume_pdf"),
    path("ep/dossiers/<uuid:uid>/convocation.pdf", views_ep.convocation_pdf, name="ep_convocation_pdf"),
]
