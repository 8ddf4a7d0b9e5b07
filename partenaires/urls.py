from django.urls import path

from partenaires import views

app_name = "partenaires"

urlpatterns = [
    path("jetons/", views.jetons, name="jetons"),
    path("jetons/<uuid:uid>/revoquer/", views.jeton_revoquer, name="jeton_revoquer"),
    path("jetons/<uuid:uid>/appels/", views.jeton_appels, name="jeton_appels"),
]

# CAF/MSA flux and spreadsheet imports (partenaires.flux, partenaires.imports).
from partenaires.flux import views as flux_views  # noqa: E402
from partenaires.imports import views as imports_views  # noqa: E402

urlpatterns += [
    path("flux-caf/", flux_views.flux_liste, name="flux_liste"),
    path("flux-caf/<uuid:uid>/", flux_views.flux_detail, name="flux_detail"),
    path("flux-caf/<uuid:uid>/statut/", flux_views.flux_statut, name="flux_statut"),
    path("flux-caf/<uuid:uid>/relancer/", flux_views.flux_relancer, name="flux_relancer"),
    path("flux-caf/<uuid:uid>/rejouer/", flux_views.flux_rejouer, name="flux_rejouer"),
    path("flux-caf/<uuid:uid>/rapport.csv", flux_views.flux_rapport, name="flux_rapport"),
    path("imports/", imports_views.imports_liste, name="imports_liste"),
    path("imports/<uuid:uid>/", imports_views.import_detail, name="import_detail"),
    path("imports/<uuid:uid>/colonnes/", imports_views.import_colonnes, name="import_colonnes"),
    path("imports/<uuid:uid>/apercu/", imports_views.import_apercu, name="import_apercu"),
    path("imports/<uuid:uid>/valider/", imports_views.import_valider, name="import_valider"),
    path("imports/<uuid:uid>/statut/", imports_views.import_statut, name="import_statut"),
    path("imports/<uuid:uid>/rapport.csv", imports_views.import_rapport, name="import_rapport"),
]
