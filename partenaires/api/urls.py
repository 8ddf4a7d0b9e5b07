from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from partenaires.api import views, views_webhooks

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("beneficiaires/", views.BeneficiaireListCreate.as_view(), name="beneficiaires"),
    path("beneficiaires/<uuid:uid>/", views.BeneficiaireDetail.as_view(), name="beneficiaire"),
    path("carnets/<uuid:uid>/", views.CarnetResume.as_view(), name="carnet"),
    path("carnets/<uuid:uid>/rendez-vous/", views.RendezVousListCreate.as_view(), name="carnet_rendez_vous"),
    path("rendez-vous/<uuid:uid>/", views.RendezVousDetail.as_view(), name="rendez_vous"),
    path("webhooks/", views_webhooks.AbonnementListCreate.as_view(), name="webhooks"),
    path("webhooks/<uuid:uid>/", views_webhooks.AbonnementDetail.as_view(), name="webhook"),
]

# CAF/MSA flux (partenaires.flux).
from partenaires.api import views_flux  # noqa: E402

urlpatterns += [
    path("flux-caf/", views_flux.FluxCafDepot.as_view(), name="flux_caf"),
    path("flux-caf/<uuid:uid>/", views_flux.FluxCafDetail.as_view(), name="flux_caf_detail"),
]
