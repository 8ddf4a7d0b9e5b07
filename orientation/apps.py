from django.apps import AppConfig


class OrientationConfig(AppConfig):
    name = "orientation"
    default_auto_field = "django.db.models.BigAutoField"
