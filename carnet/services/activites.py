"""The hours of a contrat d'engagement: record an activity, remove one, and the weekly and monthly view.

A week runs Monday to Sunday. Its target is the contract's weekly hours, prorated on the days of the week the
contract covers (a contract starting on a Thursday asks for 4/7 of the hours that first week). Done hours are
the activities recorded as done plus the appointments the person attended; planned hours are the activities
still planned plus the appointments still to come. A finished week whose done hours are under the target is
flagged; the week in progress is not judged before it ends.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from carnet.models import (
    ActiviteEngagement,
    Contrat,
    EtatActivite,
    RendezVous,
    SourceActivite,
    StatutContrat,
    StatutRendezVous,
    TypeContrat,
    TypeEvenement,
)
from carnet.services.base import CarnetClos, RegleMetier, evenement_record

MAX_MINUTES_SEMAINE = 70 * 60  # beyond this a week is an input mistake (10 hours a day, 7 days a week)
MAX_MINUTES_JOUR = 24 * 60
UNE_SEMAINE = datetime.timedelta(days=7)


def lundi(jour: datetime.date) -> datetime.date:
    return jour - datetime.timedelta(days=jour.weekday())


def fin_effective(contrat) -> datetime.date:
    """The last day the contract covers: its planned end, or the day it was ended if earlier."""
    if contrat.termine_le is not None:
        return min(contrat.date_fin, contrat.termine_le)
    return contrat.date_fin


def heures_lisibles(minutes: int) -> str:
    """Minutes as a French duration: "15 h", "7 h 30", "0 h 45"."""
    heures, reste = divmod(int(minutes), 60)
    return f"{heures} h {reste:02d}" if reste else f"{heures} h"


def _check_contrat(contrat):
    if contrat.type != TypeContrat.CONTRAT_ENGAGEMENT:
        raise RegleMetier("Les heures d'activité se comptent sur un contrat d'engagement.")
    if contrat.statut == StatutContrat.BROUILLON:
        raise RegleMetier("Les heures d'activité se comptent à partir de la signature du contrat d'engagement.")


def _check_activite(contrat, data):
    jour, duree, etat = data["date"], data["duree_minutes"], data["etat"]
    if not 0 < duree <= MAX_MINUTES_JOUR:
        raise RegleMetier("La durée d'une activité est comprise entre 1 minute et 24 heures.")
    if etat == EtatActivite.REALISEE and jour > timezone.localdate():
        raise RegleMetier("Une activité réalisée ne peut pas être datée dans le futur : enregistrez-la comme prévue.")
    fin = fin_effective(contrat)
    if not contrat.date_debut <= jour <= fin:
        raise RegleMetier(
            f"Le jour de l'activité doit être dans la période du contrat, du {contrat.date_debut:%d/%m/%Y} "
            f"au {fin:%d/%m/%Y}."
        )
    justificatif = data.get("justificatif")
    if justificatif is not None and justificatif.carnet_id != contrat.carnet_id:
        raise RegleMetier("Le justificatif doit être un document du carnet de la personne.")


def _minutes_semaine(contrat, debut, etat) -> int:
    """Minutes already counted in the week starting `debut` for `etat` (activities and appointments)."""
    fin = debut + UNE_SEMAINE
    activites = (
        ActiviteEngagement.objects.filter(contrat=contrat, etat=etat, date__gte=debut, date__lt=fin).aggregate(
            total=Sum("duree_minutes")
        )["total"]
        or 0
    )
    statut = StatutRendezVous.PRESENT if etat == EtatActivite.REALISEE else StatutRendezVous.PREVU
    rdv = sum(
        r.duree_minutes
        for r in _rendez_vous(contrat.carnet_id, debut, fin - datetime.timedelta(days=1))
        if r.statut == statut
    )
    return activites + rdv


@transaction.atomic
def activite_record(*, contrat, data, auteur, structure, source=SourceActivite.GROUPE) -> ActiviteEngagement:
    """Record one activity of a signed contrat d'engagement. `data`: type, date, duree_minutes, etat, and optional
    precision and justificatif (a document of the carnet). `auteur` is None when a partner structure posts through
    the API. Refused (nothing saved): a draft or another contract type, a day outside the contract, done hours in
    the future, a week over 70 hours."""
    # Writes on one contract's hours wait for each other, so that the weekly cap holds under concurrency.
    contrat = Contrat.objects.select_for_update(of=("self",)).select_related("carnet").get(pk=contrat.pk)
    data = {"precision": "", "justificatif": None, **data}
    if contrat.carnet.cloture_le is not None:
        raise CarnetClos()
    _check_contrat(contrat)
    _check_activite(contrat, data)
    semaine = lundi(data["date"])
    deja = _minutes_semaine(contrat, semaine, data["etat"])
    if deja + data["duree_minutes"] > MAX_MINUTES_SEMAINE:
        etat = "réalisées" if data["etat"] == EtatActivite.REALISEE else "prévues"
        raise RegleMetier(
            f"La semaine du {semaine:%d/%m/%Y} compterait plus de 70 heures {etat} "
            f"({heures_lisibles(deja)} déjà enregistrées) : vérifiez la durée saisie."
        )
    activite = ActiviteEngagement.objects.create(
        departement_id=contrat.departement_id,
        contrat=contrat,
        carnet_id=contrat.carnet_id,
        auteur=auteur,
        structure=structure,
        source=source,
        **data,
    )
    evenement_record(
        carnet=contrat.carnet,
        type=TypeEvenement.CONTRAT,
        resume=(
            f"Contrat d'engagement : {activite.get_type_display().lower()} le {activite.date:%d/%m/%Y}, "
            f"{heures_lisibles(activite.duree_minutes)} ({activite.get_etat_display().lower()})"
        ),
        auteur=auteur,
        structure=structure,
        obj=activite,
    )
    return activite


@transaction.atomic
def activite_delete(*, activite, auteur, structure) -> None:
    """Remove an activity recorded by mistake; the timeline keeps a trace of it."""
    contrat = Contrat.objects.select_for_update(of=("self",)).select_related("carnet").get(pk=activite.contrat_id)
    resume = (
        f"Contrat d'engagement : activité du {activite.date:%d/%m/%Y} retirée "
        f"({activite.get_type_display().lower()}, {heures_lisibles(activite.duree_minutes)})"
    )
    activite.delete()
    evenement_record(
        carnet=contrat.carnet, type=TypeEvenement.CONTRAT, resume=resume, auteur=auteur, structure=structure
    )


# --- The weekly and monthly view --------------------------------------------------------------


@dataclass
class Semaine:
    lundi: datetime.date
    cible_minutes: int
    prevues_minutes: int = 0
    realisees_minutes: int = 0
    terminee: bool = False

    @property
    def dimanche(self):
        return self.lundi + datetime.timedelta(days=6)

    @property
    def sous_cible(self) -> bool:
        return self.terminee and self.realisees_minutes < self.cible_minutes

    @property
    def ecart_minutes(self) -> int:
        return self.realisees_minutes - self.cible_minutes


@dataclass
class Mois:
    debut: datetime.date
    cible_minutes: int = 0
    prevues_minutes: int = 0
    realisees_minutes: int = 0
    semaines_sous_cible: int = 0


@dataclass
class Releve:
    contrat: object
    semaines: list = field(default_factory=list)
    mois: list = field(default_factory=list)

    @property
    def cible_minutes(self):
        return sum(s.cible_minutes for s in self.semaines)

    @property
    def prevues_minutes(self):
        return sum(s.prevues_minutes for s in self.semaines)

    @property
    def realisees_minutes(self):
        return sum(s.realisees_minutes for s in self.semaines)

    @property
    def semaines_sous_cible(self):
        return sum(1 for s in self.semaines if s.sous_cible)


def _rendez_vous(carnet_id, debut, fin):
    """The carnet's appointments whose local day is between `debut` and `fin` (inclusive)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(debut, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(fin + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return list(
        RendezVous.objects.filter(
            carnet_id=carnet_id,
            date_heure__gte=start,
            date_heure__lt=end,
            statut__in=(StatutRendezVous.PRESENT, StatutRendezVous.PREVU),
        ).only("date_heure", "duree_minutes", "statut")
    )


def _cible(contrat, semaine, debut, fin) -> int:
    jours = sum(1 for i in range(7) if debut <= semaine + datetime.timedelta(days=i) <= fin)
    return round(contrat.heures_hebdomadaires * 60 * jours / 7)


def releve_hebdomadaire(contrat) -> Releve:
    """Target, planned and done minutes of each week of the contract up to its end (or, for a long contract, up
    to the week after the last activity planned or the current week), and the same by month (a week counts in
    the month of its Monday). Two queries whatever the number of weeks."""
    aujourdhui = timezone.localdate()
    debut, fin = contrat.date_debut, fin_effective(contrat)
    lignes = list(
        ActiviteEngagement.objects.filter(contrat=contrat, date__gte=debut, date__lte=fin).values_list(
            "date", "etat", "duree_minutes"
        )
    )
    rendez_vous = _rendez_vous(contrat.carnet_id, debut, fin)
    dernier = max([aujourdhui, *(jour for jour, _, _ in lignes)])
    derniere_semaine = lundi(min(fin, dernier))
    semaines = {}
    jour = lundi(debut)
    while jour <= derniere_semaine:
        semaines[jour] = Semaine(
            lundi=jour,
            cible_minutes=_cible(contrat, jour, debut, fin),
            terminee=jour + datetime.timedelta(days=6) < aujourdhui,
        )
        jour += UNE_SEMAINE
    for date, etat, minutes in lignes:
        semaine = semaines.get(lundi(date))
        if semaine is None:
            continue
        if etat == EtatActivite.REALISEE:
            semaine.realisees_minutes += minutes
        else:
            semaine.prevues_minutes += minutes
    for rdv in rendez_vous:
        semaine = semaines.get(lundi(timezone.localdate(rdv.date_heure)))
        if semaine is None:
            continue
        if rdv.statut == StatutRendezVous.PRESENT:
            semaine.realisees_minutes += rdv.duree_minutes
        else:
            semaine.prevues_minutes += rdv.duree_minutes
    par_mois = defaultdict(lambda: None)
    for semaine in semaines.values():
        cle = semaine.lundi.replace(day=1)
        mois = par_mois[cle] or Mois(debut=cle)
        par_mois[cle] = mois
        mois.cible_minutes += semaine.cible_minutes
        mois.prevues_minutes += semaine.prevues_minutes
        mois.realisees_minutes += semaine.realisees_minutes
        mois.semaines_sous_cible += int(semaine.sous_cible)
    return Releve(
        contrat=contrat,
        semaines=sorted(semaines.values(), key=lambda s: s.lundi, reverse=True),
        mois=sorted(par_mois.values(), key=lambda m: m.debut, reverse=True),
    )


def contrat_engagement_en_cours(carnet):
    """The carnet's signed contrat d'engagement covering today, if any (the one partners post hours to)."""
    aujourdhui = timezone.localdate()
    return (
        Contrat.objects.filter(
            carnet=carnet,
            type=TypeContrat.CONTRAT_ENGAGEMENT,
            statut=StatutContrat.SIGNE,
            date_debut__lte=aujourdhui,
            date_fin__gte=aujourdhui,
        )
        .order_by("-date_debut")
        .first()
    )


__all__ = [
    "MAX_MINUTES_SEMAINE",
    "activite_delete",
    "activite_record",
    "contrat_engagement_en_cours",
    "heures_lisibles",
    "releve_hebdomadaire",
]
