"""Receivers connected in `OrientationConfig.ready()`.

- Every new département gets the default orientation programmes and version 1 of its orientation rules (the
  national rules in code).
- The first accompaniment appointment after a decision is recorded whatever wrote it: a `RendezVous` saved
  with `save()` (creation by the carnet services, the API, the demo), and the carnet's update service, which
  writes with a conditional UPDATE (no post_save) but always records a timeline event naming the appointment.
"""

from orientation.models import DISPOSITIFS_PAR_DEFAUT, Dispositif
from spie.tenancy import departement_scope


def creer_dispositifs_par_defaut(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    with departement_scope(instance):
        Dispositif.objects.bulk_create(
            [
                Dispositif(departement=instance, nom=nom, type_orientation=type_orientation, description=description)
                for nom, type_orientation, description in DISPOSITIFS_PAR_DEFAUT
            ],
            ignore_conflicts=True,
        )
        from orientation.services.regles import regles_seed

        regles_seed(instance)


def rendez_vous_enregistre(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from orientation.services.jalons import record_first_accompaniment

    with departement_scope(instance.departement_id):
        record_first_accompaniment(instance)


def evenement_enregistre(sender, instance, created, raw=False, **kwargs):
    from carnet.models import RendezVous, TypeEvenement

    if raw or not created or instance.type != TypeEvenement.RENDEZ_VOUS or instance.object_uid is None:
        return
    from orientation.services.jalons import record_first_accompaniment

    with departement_scope(instance.departement_id):
        rendez_vous = RendezVous.objects.filter(uid=instance.object_uid).first()
        if rendez_vous is not None:
            record_first_accompaniment(rendez_vous)
