"""Deadlines of the contrat d'engagement, as alerts to the people who can act.

The contrat d'engagement is signed within one month of the orientation decision (D.5411-14-1 code du travail); a
new orientation restarts the month (D.5411-8-2). Each day, the people of `suivi.services.listes.ce_non_signe` (the
rule "Ma journée" shows: latest orientation decided since 1 January 2025 a calendar month ago or more, no contrat
d'engagement signed since that decision) are signalled
once per decision (`Alerte.semaine` holds the decision day, so a new orientation alerts again) to their référent,
or to the département's admins when nobody is référent. People who left the path since the decision, or whose
right is closed, are not signalled.
"""

import datetime
from collections import defaultdict

from django.db.models import Exists, OuterRef
from django.utils import timezone

from carnet.models import Carnet, Contrat, MembreGroupe, StatutContrat, TypeContrat
from spie.dates import add_months
from spie.models import Membership, Role
from suivi.models import TypeAlerte
from suivi.services.alertes import _envoyer, _lien, _signaler, _signaler_par_cle, referent_sinon_admins
from suivi.services.base import aujourd_hui
from suivi.services.listes import DEBUT_REGIME_2025, DROITS_CLOS, ce_non_signe


def un_mois_avant(jour: datetime.date) -> datetime.date:
    """The same day a month earlier (the last day of that month when it is shorter: 31 March → 28 February)."""
    return add_months(jour, -1)


def ce_non_signes(*, jour=None) -> dict:
    """{carnet id: decision day} of the people without a contrat d'engagement signed a month after their latest
    orientation decision: `suivi.services.listes.ce_non_signe` over the département, the rule "Ma journée" shows."""
    now = _debut_du_jour(aujourd_hui(jour)) + datetime.timedelta(hours=12)
    rows = ce_non_signe(Carnet.objects.all(), now=now).values_list("pk", "orientation_decidee_le")
    return dict(rows)


def _debut_du_jour(jour):
    return datetime.datetime.combine(jour, datetime.time.min, tzinfo=timezone.get_current_timezone())


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
    par_destinataire = referent_sinon_admins(a.carnet_id for a in alertes)
    return _envoyer(
        departement=departement,
        type=TypeAlerte.CE_NON_SIGNE,
        par_destinataire=par_destinataire,
        lot=min(a.pk for a in alertes),
        titre=lambda n: (
            f"{n} personne{'s' if n > 1 else ''} sans contrat d'engagement signé un mois après l'orientation"
        ),
        template="alerte_ce_non_signe",
        lien=_lien("carnet:portefeuille"),
    )


# --- People followed before 2025: a contrat d'engagement by 1 January 2027 -------------------------------

ECHEANCE_STOCK = datetime.date(2027, 1, 1)


def stock_sans_ce():
    """People in the RSA before 2025, followed today, with no contrat d'engagement ever signed: the law gives them
    until 1 January 2027 (3 years overseas, a setting not modelled yet)."""
    signe = Contrat.objects.filter(
        carnet=OuterRef("pk"),
        type=TypeContrat.CONTRAT_ENGAGEMENT,
        statut__in=(StatutContrat.SIGNE, StatutContrat.TERMINE),
    )
    suivi = MembreGroupe.objects.actifs().filter(carnet=OuterRef("pk"))
    return Carnet.objects.filter(
        Exists(suivi), ~Exists(signe), beneficiaire__date_entree_rsa__lt=DEBUT_REGIME_2025
    ).exclude(beneficiaire__etat_droit_rsa__in=DROITS_CLOS)


def alertes_stock_ce_envoyer(*, departement, jour=None) -> int:
    """Once a week, tell each structure's managers how many people their structure follows since before 2025
    still have no contrat d'engagement, and the days left to 1 January 2027. Returns the messages sent."""
    alertes = _signaler(departement=departement, type=TypeAlerte.STOCK_SANS_CE, carnets=stock_sans_ce(), jour=jour)
    if not alertes:
        return 0
    carnet_ids = {a.carnet_id for a in alertes}
    structures_par_carnet = defaultdict(set)
    for carnet_id, structure_id in (
        MembreGroupe.objects.actifs().filter(carnet_id__in=carnet_ids).values_list("carnet_id", "structure_id")
    ):
        structures_par_carnet[carnet_id].add(structure_id)
    responsables = defaultdict(set)
    for user_id, structure_id in (
        Membership.objects.actifs().filter(role=Role.RESPONSABLE_STRUCTURE).values_list("user_id", "structure_id")
    ):
        responsables[structure_id].add(user_id)
    par_destinataire = defaultdict(list)
    for carnet_id in sorted(carnet_ids):
        for user_id in set().union(*(responsables[s] for s in structures_par_carnet[carnet_id])):
            par_destinataire[user_id].append(carnet_id)
    restant = (ECHEANCE_STOCK - aujourd_hui(jour)).days
    return _envoyer(
        departement=departement,
        type=TypeAlerte.STOCK_SANS_CE,
        par_destinataire=dict(par_destinataire),
        lot=min(a.pk for a in alertes),
        titre=lambda n: (
            f"{n} personne{'s' if n > 1 else ''} suivie{'s' if n > 1 else ''} depuis avant 2025 sans contrat "
            "d'engagement (échéance : 1er janvier 2027)"
        ),
        template="alerte_stock_sans_ce",
        lien=_lien("carnet:portefeuille_structure"),
        extra={"restant": max(restant, 0), "echeance_depassee": restant < 0},
    )


__all__ = [
    "alertes_contrat_engagement_envoyer",
    "alertes_stock_ce_envoyer",
    "ce_non_signes",
    "stock_sans_ce",
    "un_mois_avant",
]
