from django.apps import AppConfig


class SpieConfig(AppConfig):
    name = "spie"
    verbose_name = "SPIE — socle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the task_prerun receiver that marks outbox rows started.
        from spie import outbox  # noqa: F401
