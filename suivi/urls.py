from django.urls import path

from suivi import views, views_indicateurs, views_rapports_legaux

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
    # Statutory reports (committees, DREES, legal delays)
    path("rapports-legaux/", views_rapports_legaux.rapports_legaux, name="rapports_legaux"),
    path("rapports-legaux/comites/", views_rapports_legaux.liste_comites, name="liste_comites"),
    path("rapports-legaux/comites.csv", views_rapports_legaux.liste_comites_csv, name="liste_comites_csv"),
    path("rapports-legaux/drees/", views_rapports_legaux.tableau_drees, name="tableau_drees"),
    path("rapports-legaux/drees.csv", views_rapports_legaux.tableau_drees_csv, name="tableau_drees_csv"),
    path("rapports-legaux/delais/", views_rapports_legaux.delais, name="delais_legaux"),
    path("rapports-legaux/delais.csv", views_rapports_legaux.delais_csv, name="delais_legaux_csv"),
    path("rapports/", views_indicateurs.rapports, name="rapports"),
    path("rapports/<uuid:uid>/", views_indicateurs.rapport_detail, name="rapport_detail"),
    path("rapports/<uuid:uid>/statut/", views_indicateurs.rapport_statut, name="rapport_statut"),
    path("rapports/<uuid:uid>/pdf/", views_indicateurs.rapport_pdf, name="rapport_pdf"),
]
