"""Deadlines of the contrat d'engagement, as alerts to the people who can act.

The contrat d'engagement is signed within one month of the orientation decision (D.5411-14-1 code du travail); a
new orientation restarts the month (D.5411-8-2). Each day, the people whose latest orientation decided since
1 January 2025 is a month old or more, with no contrat d'engagement signed since that decision, are signalled
once per decision (`Alerte.semaine` holds the decision day, so a new orientation alerts again) to their référent,
or to the département's admins when nobody is référent. People who left the path since the decision, or whose
right is closed, are not signalled.
"""

import calendar
import datetime
from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from carnet.models import Carnet, Contrat, MembreGroupe, Sortie, StatutContrat, TypeContrat
from spie.models import Membership, Role
from suivi.models import TypeAlerte
from suivi.services.alertes import DROITS_CLOS, _envoyer, _lien, _signaler_par_cle
from suivi.services.base import aujourd_hui

# The loi pour le plein emploi applies to the orientations decided from this day on; the people followed before
# have until 1 January 2027 (a separate deadline).
DEBUT_REGIME_2025 = datetime.date(2025, 1, 1)


def un_mois_avant(jour: datetime.date) -> datetime.date:
    """The same day a month earlier (the last day of that month when it is shorter: 31 March → 28 February)."""
    annee, mois = (jour.year, jour.month - 1) if jour.month > 1 else (jour.year - 1, 12)
    return datetime.date(annee, mois, min(jour.day, calendar.monthrange(annee, mois)[1]))


def _debut_du_jour(jour):
    return datetime.datetime.combine(jour, datetime.time.min, tzinfo=timezone.get_current_timezone())


def ce_non_signes(*, jour=None) -> dict:
    """{carnet id: decision day} of the people without a contrat d'engagement signed a month after their latest
    orientation decision (decided since 1 January 2025)."""
    from orientation.models import Orientation, StatutOrientation

    limite = un_mois_avant(aujourd_hui(jour))
    derniere = Orientation.objects.filter(
        carnet=OuterRef("pk"), statut=StatutOrientation.VALIDEE, decidee_le__isnull=False
    ).order_by("-decidee_le")
    carnets = Carnet.objects.annotate(decision=Subquery(derniere.values("decidee_le")[:1])).filter(
        decision__gte=_debut_du_jour(DEBUT_REGIME_2025),
        decision__lt=_debut_du_jour(limite + datetime.timedelta(days=1)),
    )
    rows = carnets.exclude(beneficiaire__etat_droit_rsa__in=DROITS_CLOS).values_list("pk", "decision")
    decisions = {pk: timezone.localdate(decision) for pk, decision in rows}
    if not decisions:
        return {}
    # Signed since the decision, or left the path since it: not signalled (a few rows per carnet, read at once).
    signes = Contrat.objects.filter(
        carnet_id__in=list(decisions),
        type=TypeContrat.CONTRAT_ENGAGEMENT,
        statut__in=(StatutContrat.SIGNE, StatutContrat.TERMINE),
    ).values_list("carnet_id", "date_signature")
    sorties = Sortie.objects.filter(carnet_id__in=list(decisions)).values_list("carnet_id", "date_sortie")
    for carnet_id, jour_signe in [*signes, *sorties]:
        if carnet_id in decisions and jour_signe is not None and jour_signe >= decisions[carnet_id]:
            del decisions[carnet_id]
    return decisions


def alertes_contrat_engagement_envoyer(*, departement, jour=None) -> int:
    """Tell each référent (the admins for the people without one) about the people still without a signed
    contrat d'engagement a month after the orientation; each person once per decision. Returns the messages sent."""
    echeances = ce_non_signes(jour=jour)
    alertes = _signaler_par_cle(
        departement=departement,
        type=TypeAlerte.CE_NON_SIGNE,
        cles={pk: f"{decision:%Y%m%d}" for pk, decision in echeances.items()},
    )
    if not alertes:
        return 0
    carnet_ids = sorted(a.carnet_id for a in alertes)
    referents = dict(
        MembreGroupe.objects.referents().filter(carnet_id__in=carnet_ids).values_list("carnet_id", "user_id")
    )
    admins = set(Membership.objects.actifs().filter(role=Role.ADMIN_DEPARTEMENT).values_list("user_id", flat=True))
    par_destinataire = defaultdict(list)
    for carnet_id in carnet_ids:
        for user_id in {referents[carnet_id]} if carnet_id in referents else admins:
            par_destinataire[user_id].append(carnet_id)
    return _envoyer(
        departement=departement,
        type=TypeAlerte.CE_NON_SIGNE,
        par_destinataire=dict(par_destinataire),
        lot=min(a.pk for a in alertes),
        titre=lambda n: (
            f"{n} personne{'s' if n > 1 else ''} sans contrat d'engagement signé un mois après l'orientation"
        ),
        template="alerte_ce_non_signe",
        lien=_lien("carnet:portefeuille"),
    )


__all__ = ["alertes_contrat_engagement_envoyer", "ce_non_signes", "un_mois_avant"]
