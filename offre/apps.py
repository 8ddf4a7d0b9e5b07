from django.apps import AppConfig


class OffreConfig(AppConfig):
    name = "offre"
    default_auto_field = "django.db.models.BigAutoField"
