"""Reminders of the check-ins after an exit into work (`carnet.models.PointDeSuivi`): on the due day, the
référent (the département's admins when nobody is référent) is told once about each check-in to do.

Sent once: an `Alerte` keyed by the carnet and the check-in's due day (YYYYMMDD), unique, records each reminder;
a second run the same day, or any later day, finds it and sends nothing. A check-in recorded, an exit undone by a
reopening or a closed carnet is not reminded.
"""

from carnet.models import PointDeSuivi
from suivi.models import TypeAlerte
from suivi.services.alertes import _envoyer, _lien, _signaler_par_cle, referent_sinon_admins
from suivi.services.base import aujourd_hui


def points_de_suivi_dus(*, jour=None):
    """The check-ins due on or before `jour` and not recorded, of open carnets."""
    return PointDeSuivi.objects.a_faire().filter(echeance__lte=aujourd_hui(jour), carnet__cloture_le__isnull=True)


def alertes_suivi_sortie_envoyer(*, departement, jour=None) -> int:
    """Remind each référent of the check-ins due for their people, each check-in once. Returns the messages sent."""
    cles = {}
    for carnet_id, echeance in (
        points_de_suivi_dus(jour=jour).order_by("echeance").values_list("carnet_id", "echeance")
    ):
        cles.setdefault(carnet_id, f"{echeance:%Y%m%d}")
    alertes = _signaler_par_cle(departement=departement, type=TypeAlerte.SUIVI_SORTIE, cles=cles)
    if not alertes:
        return 0
    par_destinataire = referent_sinon_admins(a.carnet_id for a in alertes)
    return _envoyer(
        departement=departement,
        type=TypeAlerte.SUIVI_SORTIE,
        par_destinataire=par_destinataire,
        lot=min(a.pk for a in alertes),
        titre=lambda n: f"{n} point{'s' if n > 1 else ''} de suivi à faire après une sortie vers l'emploi",
        template="alerte_suivi_sortie",
        lien=_lien("spie:accueil"),
    )


__all__ = ["alertes_suivi_sortie_envoyer", "points_de_suivi_dus"]
