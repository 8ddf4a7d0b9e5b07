from django.urls import path

from suivi import views

app_name = "suivi"

urlpatterns = [
    path("regles/", views.regles, name="regles"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("preferences/", views.preferences, name="preferences"),
]
