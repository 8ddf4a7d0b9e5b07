"""The last milestone: the first accompaniment appointment the person attended after the decision."""

from django.utils import timezone

from carnet.models import StatutRendezVous
from orientation.models import DossierOrientation, StatutDossier


def record_first_accompaniment(rendez_vous) -> bool:
    """Set `date_premier_rdv_accompagnement` of the latest decided dossier of the carnet, once, when this
    appointment is an accompaniment one, attended, on or after the decision day. Returns whether it did."""
    if rendez_vous.statut != StatutRendezVous.PRESENT or not rendez_vous.est_accompagnement:
        return False
    jour = timezone.localtime(rendez_vous.date_heure).date()
    dossier = (
        DossierOrientation.objects.filter(
            carnet_id=rendez_vous.carnet_id, statut=StatutDossier.ORIENTE, date_decision__lte=jour
        )
        .order_by("-date_decision", "-created_at")
        .first()
    )
    if dossier is None or dossier.date_premier_rdv_accompagnement is not None:
        return False
    # Conditional: a concurrent record (or an earlier appointment noted later) never moves the date forward.
    return bool(
        DossierOrientation.objects.filter(pk=dossier.pk, date_premier_rdv_accompagnement=None).update(
            date_premier_rdv_accompagnement=jour
        )
    )
