from django.apps import AppConfig


class PartenairesConfig(AppConfig):
    name = "partenaires"
    default_auto_field = "django.db.models.BigAutoField"
