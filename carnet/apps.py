from django.apps import AppConfig


class CarnetConfig(AppConfig):
    name = "carnet"
    default_auto_field = "django.db.models.BigAutoField"
