from django.apps import AppConfig


class SpieConfig(AppConfig):
    name = "spie"
    verbose_name = "SPIE — socle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the task_prerun receiver that marks outbox rows started.
        from django.contrib.auth.signals import user_logged_in

        from spie import outbox  # noqa: F401
        from spie.middleware import stamp_session_start

        user_logged_in.connect(stamp_session_start, dispatch_uid="spie_session_debut")

        from allauth.account.signals import user_logged_in as allauth_user_logged_in

        from spie.middleware import note_provider_second_factor

        allauth_user_logged_in.connect(note_provider_second_factor, dispatch_uid="spie_mfa_fournisseur")
