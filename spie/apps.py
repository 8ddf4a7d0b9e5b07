from django.apps import AppConfig


class SpieConfig(AppConfig):
    name = "spie"
    verbose_name = "SPIE — socle"
    default_auto_field = "django.db.models.BigAutoField"
