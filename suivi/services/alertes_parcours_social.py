"""The social path's review, as an alert to the people who can act.

A person oriented to the social path has their orientation reviewed with France Travail 6 months after the
decision, or 12 months when the diagnostic found lasting barriers, the reason being kept with the decision
(D.262-65-2-1 CASF; `Orientation.revision_mois`, 6 when not recorded). Each day, the people whose latest
orientation, decided since 1 January 2025, is social and has reached its review date are signalled once per
decision (`Alerte.semaine` holds the decision day: a new orientation, which is the review, alerts again at its
own date) to their référent, or to the département's admins when nobody is référent. People who left the path
since the decision, or whose right is closed, are not signalled.
"""

import calendar
import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from carnet.models import Carnet, Sortie
from suivi.models import TypeAlerte
from suivi.services.alertes import DROITS_CLOS, _envoyer, _lien, _signaler_par_cle, referent_sinon_admins
from suivi.services.alertes_engagement import DEBUT_REGIME_2025, _debut_du_jour
from suivi.services.base import aujourd_hui

REVISION_PAR_DEFAUT_MOIS = 6


def mois_plus_tard(jour: datetime.date, mois: int) -> datetime.date:
    """The same day `mois` months later (the last day of that month when it is shorter: 31 August + 6 → 28 or 29
    February)."""
    annee, index = divmod(jour.month - 1 + mois, 12)
    annee, mois_cible = jour.year + annee, index + 1
    return datetime.date(annee, mois_cible, min(jour.day, calendar.monthrange(annee, mois_cible)[1]))


def revisions_dues(*, jour=None) -> dict:
    """{carnet id: decision day} of the people whose latest orientation is social and due for review today."""
    from orientation.models import Orientation, StatutOrientation, TypeOrientation

    aujourd = aujourd_hui(jour)
    derniere = Orientation.objects.filter(
        carnet=OuterRef("pk"), statut=StatutOrientation.VALIDEE, decidee_le__isnull=False
    ).order_by("-decidee_le")
    # No review falls due before 6 months: read only the decisions at least that old.
    plus_recente = _six_mois_avant(aujourd)
    rows = (
        Carnet.objects.annotate(
            decision=Subquery(derniere.values("decidee_le")[:1]),
            type_orientation=Subquery(derniere.values("type_orientation")[:1]),
            revision_mois=Subquery(derniere.values("revision_mois")[:1]),
        )
        .filter(
            type_orientation=TypeOrientation.SOCIAL,
            decision__gte=_debut_du_jour(DEBUT_REGIME_2025),
            decision__lt=_debut_du_jour(plus_recente + datetime.timedelta(days=1)),
        )
        .exclude(beneficiaire__etat_droit_rsa__in=DROITS_CLOS)
        .values_list("pk", "decision", "revision_mois")
    )
    dues = {}
    for pk, decision, revision_mois in rows:
        jour_decision = timezone.localdate(decision)
        if mois_plus_tard(jour_decision, revision_mois or REVISION_PAR_DEFAUT_MOIS) <= aujourd:
            dues[pk] = jour_decision
    if not dues:
        return {}
    for carnet_id, date_sortie in Sortie.objects.filter(carnet_id__in=list(dues)).values_list(
        "carnet_id", "date_sortie"
    ):
        if carnet_id in dues and date_sortie is not None and date_sortie >= dues[carnet_id]:
            del dues[carnet_id]
    return dues


def _six_mois_avant(jour: datetime.date) -> datetime.date:
    """The latest decision day whose 6-month review is due on `jour` (the inverse of `mois_plus_tard`, taking the
    last such day when several map to the end of a short month)."""
    candidat = mois_plus_tard(jour, -REVISION_PAR_DEFAUT_MOIS)
    while mois_plus_tard(candidat + datetime.timedelta(days=1), REVISION_PAR_DEFAUT_MOIS) <= jour:
        candidat += datetime.timedelta(days=1)
    return candidat


def alertes_revision_parcours_social_envoyer(*, departement, jour=None) -> int:
    """Tell each référent (the admins for the people without one) about the people on the social path whose
    orientation is due for review; each person once per decision. Returns the messages sent."""
    dues = revisions_dues(jour=jour)
    alertes = _signaler_par_cle(
        departement=departement,
        type=TypeAlerte.REVISION_PARCOURS_SOCIAL,
        cles={pk: f"{decision:%Y%m%d}" for pk, decision in dues.items()},
    )
    if not alertes:
        return 0
    par_destinataire = referent_sinon_admins(a.carnet_id for a in alertes)
    return _envoyer(
        departement=departement,
        type=TypeAlerte.REVISION_PARCOURS_SOCIAL,
        par_destinataire=par_destinataire,
        lot=min(a.pk for a in alertes),
        titre=lambda n: f"{n} orientation{'s' if n > 1 else ''} en parcours social à revoir",
        template="alerte_revision_parcours_social",
        lien=_lien("carnet:portefeuille"),
    )


__all__ = ["alertes_revision_parcours_social_envoyer", "mois_plus_tard", "revisions_dues"]
