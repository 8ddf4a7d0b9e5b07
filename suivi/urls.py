from django.urls import path

from suivi import views, views_indicateurs

app_name = "suivi"

urlpatterns = [
    path("regles/", views.regles, name="regles"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("preferences/", views.preferences, name="preferences"),
    # Indicators and monthly reports
    path("indicateurs/", views_indicateurs.tableau_de_bord, name="tableau_de_bord"),
    path("indicateurs/export.csv", views_indicateurs.indicateurs_csv, name="indicateurs_csv"),
    path(
        "indicateurs/definitions/<slug:code>/", views_indicateurs.indicateur_definition, name="indicateur_definition"
    ),
    path("rapports/", views_indicateurs.rapports, name="rapports"),
    path("rapports/<uuid:uid>/", views_indicateurs.rapport_detail, name="rapport_detail"),
    path("rapports/<uuid:uid>/statut/", views_indicateurs.rapport_statut, name="rapport_statut"),
    path("rapports/<uuid:uid>/pdf/", views_indicateurs.rapport_pdf, name="rapport_pdf"),
]
