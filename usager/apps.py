from django.apps import AppConfig


class UsagerConfig(AppConfig):
    name = "usager"
    verbose_name = "espace personnel de la personne accompagnée"
    default_auto_field = "django.db.models.BigAutoField"
