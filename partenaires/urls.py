from django.urls import path

from partenaires import views

app_name = "partenaires"

urlpatterns = [
    path("jetons/", views.jetons, name="jetons"),
    path("jetons/<uuid:uid>/revoquer/", views.jeton_revoquer, name="jeton_revoquer"),
    path("jetons/<uuid:uid>/appels/", views.jeton_appels, name="jeton_appels"),
]
