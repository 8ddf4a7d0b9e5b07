from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from partenaires.api import views, views_indicateurs, views_webhooks

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

# Orientations, prescriptions received, offer catalogue in the data·inclusion schema.
from partenaires.api import views_offre, views_orientations, views_prescriptions  # noqa: E402

urlpatterns += [
    path("orientations/", views_orientations.OrientationList.as_view(), name="orientations"),
    path("orientations/<uuid:uid>/", views_orientations.OrientationDetail.as_view(), name="orientation"),
    path("prescriptions/", views_prescriptions.PrescriptionList.as_view(), name="prescriptions"),
    path("prescriptions/<uuid:uid>/", views_prescriptions.PrescriptionDetail.as_view(), name="prescription"),
    path(
        "prescriptions/<uuid:uid>/accepter/",
        views_prescriptions.PrescriptionAccepter.as_view(),
        name="prescription_accepter",
    ),
    path(
        "prescriptions/<uuid:uid>/refuser/",
        views_prescriptions.PrescriptionRefuser.as_view(),
        name="prescription_refuser",
    ),
    path("offre/structures/", views_offre.StructureList.as_view(), name="offre_structures"),
    path("offre/services/", views_offre.ServiceListCreate.as_view(), name="offre_services"),
    path("offre/services/<uuid:uid>/", views_offre.ServiceDetail.as_view(), name="offre_service"),
    path("indicateurs/", views_indicateurs.IndicateurList.as_view(), name="indicateurs"),
    path(
        "indicateurs/definitions/",
        views_indicateurs.IndicateurDefinitions.as_view(),
        name="indicateurs_definitions",
    ),
]

# Contrats d'engagement and their hours.
from partenaires.api import views_contrats  # noqa: E402

urlpatterns += [
    path(
        "carnets/<uuid:uid>/contrats-engagement/",
        views_contrats.CarnetContratsEngagement.as_view(),
        name="carnet_contrats_engagement",
    ),
    path(
        "contrats-engagement/<uuid:uid>/", views_contrats.ContratEngagementDetail.as_view(), name="contrat_engagement"
    ),
    path(
        "contrats-engagement/<uuid:uid>/activites/",
        views_contrats.ActiviteListCreate.as_view(),
        name="contrat_engagement_activites",
    ),
]

# Outcome steps of the prescriptions a structure accepted.
from partenaires.api import views_prescriptions_suivi  # noqa: E402

urlpatterns += [
    path(
        "prescriptions/<uuid:uid>/etapes/",
        views_prescriptions_suivi.PrescriptionEtapes.as_view(),
        name="prescription_etapes",
    ),
]

# Sanctions: what the paying body applies, and the proposals of France Travail and the organismes référents.
from partenaires.api import views_sanctions  # noqa: E402

urlpatterns += [
    path("sanctions/", views_sanctions.SanctionList.as_view(), name="sanctions"),
    path("sanctions/<uuid:uid>/", views_sanctions.SanctionDetail.as_view(), name="sanction"),
    path("propositions-sanction/", views_sanctions.PropositionCreate.as_view(), name="propositions_sanction"),
    path(
        "propositions-sanction/<uuid:uid>/",
        views_sanctions.PropositionDetail.as_view(),
        name="proposition_sanction",
    ),
]
