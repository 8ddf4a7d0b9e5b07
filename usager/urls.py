from django.urls import path

from usager import views_connexion, views_espace, views_pro

app_name = "usager"

urlpatterns = [
    path("connexion/", views_connexion.connexion, name="connexion"),
    path("liaison/", views_connexion.liaison, name="liaison"),
    path("code/", views_connexion.code, name="code"),
    path("lien/<str:token>/", views_connexion.lien, name="lien"),
    path("deconnexion/", views_connexion.deconnexion, name="deconnexion"),
    path("", views_espace.accueil, name="accueil"),
    path("mon-suivi/", views_espace.mon_suivi, name="mon_suivi"),
    path("mon-plan/", views_espace.mon_plan, name="mon_plan"),
    path("mon-plan/objectifs/<uuid:uid>/avis/", views_espace.objectif_avis, name="objectif_avis"),
    path("mes-messages/", views_espace.observations, name="observations"),
    path("questionnaires/<uuid:uid>/", views_espace.questionnaire, name="questionnaire"),
    path("rendez-vous/", views_espace.rendez_vous, name="rendez_vous"),
    path("rendez-vous/<uuid:uid>/repondre/", views_espace.rendez_vous_repondre, name="rendez_vous_repondre"),
    path("documents/", views_espace.documents, name="documents"),
    path("documents/<uuid:uid>/", views_espace.document_telecharger, name="document_telecharger"),
    path("courriers/", views_espace.courriers, name="courriers"),
    path("courriers/<str:type_courrier>/<uuid:uid>/", views_espace.courrier_pdf, name="courrier_pdf"),
    path("courriers/<str:type_courrier>/<uuid:uid>/accuser/", views_espace.courrier_accuser, name="courrier_accuser"),
    path("courriers/sanction/<uuid:uid>/repondre/", views_espace.sanction_repondre, name="sanction_repondre"),
    path("mes-donnees/", views_espace.mes_donnees, name="mes_donnees"),
    path("mes-donnees/export.json", views_espace.export_json, name="export_json"),
    path("mes-donnees/export.pdf", views_espace.export_pdf, name="export_pdf"),
    # Professionals' side.
    path("pro/carnets/<uuid:uid>/lien/", views_pro.lien_envoyer, name="pro_lien"),
    path(
        "pro/carnets/<uuid:uid>/documents/<uuid:document_uid>/partager/",
        views_pro.document_partager,
        name="pro_document_partager",
    ),
    path("pro/carnets/<uuid:uid>/demandes/", views_pro.demandes, name="pro_demandes"),
    path("pro/carnets/<uuid:uid>/observations/", views_pro.observations, name="pro_observations"),
]
