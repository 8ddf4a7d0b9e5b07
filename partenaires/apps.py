from django.apps import AppConfig


class PartenairesConfig(AppConfig):
    name = "partenaires"
    verbose_name = "Partenaires : API, flux et imports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from partenaires import signals, tasks_webhooks  # noqa: F401  (webhook receivers and task)
        from partenaires.api import schema  # noqa: F401  (registers the OpenAPI extension)

        signals.connect()
