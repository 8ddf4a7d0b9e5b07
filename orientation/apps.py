from django.apps import AppConfig
from django.db.models.signals import post_save


class OrientationConfig(AppConfig):
    name = "orientation"
    verbose_name = "SPIE — orientation des nouveaux entrants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from orientation import signals

        post_save.connect(
            signals.creer_dispositifs_par_defaut, sender="spie.Departement", dispatch_uid="orientation_dispositifs"
        )
        post_save.connect(
            signals.rendez_vous_enregistre, sender="carnet.RendezVous", dispatch_uid="orientation_premier_rdv"
        )
        post_save.connect(
            signals.evenement_enregistre, sender="carnet.Evenement", dispatch_uid="orientation_premier_rdv_maj"
        )
