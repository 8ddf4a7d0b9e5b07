"""The public evaluation link (no account), mounted at /evaluation/ by spie.urls."""

from django.urls import path

from suivi import views

app_name = "evaluation"

urlpatterns = [
    path("<str:token>/", views.evaluation_repondre, name="repondre"),
]
