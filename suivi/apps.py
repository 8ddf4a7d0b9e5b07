from django.apps import AppConfig


class SuiviConfig(AppConfig):
    name = "suivi"
    verbose_name = "SPIE — rappels, alertes et évaluations"
    default_auto_field = "django.db.models.BigAutoField"
