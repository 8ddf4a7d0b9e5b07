"""The scale (CASF R.262-68) as the département set it, the rank of a failure, the household's composition, and
the arrears paid back on remobilisation. Pure computations over rows given to them (no writes)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from sanctions.etats import TransitionRefusee

DEFAUTS = {
    "taux_minimum": 30,
    "duree_min_premier": 1,
    "duree_max_premier": 2,
    "duree_min_recidive": 1,
    "duree_max_recidive": 4,
    "plafond_taux_foyer": None,
    "rattrapage_mois_max": None,
}


def parametres(departement_id):
    """The département's scale (its `ParametresSanctions` row, else an unsaved row holding the defaults)."""
    from sanctions.models import ParametresSanctions

    row = ParametresSanctions.objects.filter(departement_id=departement_id).first()
    return row or ParametresSanctions(departement_id=departement_id, **DEFAUTS)


@dataclass(frozen=True)
class Bornes:
    taux_min: int
    taux_max: int
    duree_min: int
    duree_max: int


def bornes(params, *, rang, foyer_plusieurs: bool) -> Bornes:
    premier = rang == "premier"
    taux_max = 100
    if foyer_plusieurs and params.plafond_taux_foyer:
        taux_max = params.plafond_taux_foyer
    return Bornes(
        taux_min=params.taux_minimum,
        taux_max=taux_max,
        duree_min=params.duree_min_premier if premier else params.duree_min_recidive,
        duree_max=params.duree_max_premier if premier else params.duree_max_recidive,
    )


def verifier(params, *, rang, foyer_plusieurs, taux, duree):
    """Refuse a rate or a duration outside the scale of this rank (and the household cap, if the département set
    one)."""
    b = bornes(params, rang=rang, foyer_plusieurs=foyer_plusieurs)
    if taux is None or duree is None:
        raise TransitionRefusee("Indiquez le taux et la durée de la sanction.")
    if not b.taux_min <= taux <= b.taux_max:
        plafond = (
            f" (plafond du département pour un foyer de plus d'une personne : {b.taux_max} %)"
            if b.taux_max < 100
            else ""
        )
        raise TransitionRefusee(
            f"Le taux doit être compris entre {b.taux_min} % et {b.taux_max} %{plafond} : {taux} % est hors barème."
        )
    if not b.duree_min <= duree <= b.duree_max:
        cas = "au premier manquement" if rang == "premier" else "en cas de persistance ou de répétition"
        raise TransitionRefusee(
            f"La durée doit être comprise entre {b.duree_min} et {b.duree_max} mois {cas} : "
            f"{duree} mois est hors barème (article R.262-68 du CASF)."
        )


def rang(anterieurs) -> str:
    """The rank of a new failure from the person's earlier files (`anterieurs`: their rows, any state).

    Persistence: a sanction is running (decided, not lifted). Repetition: a sanction was decided before and has
    ended. Otherwise a first failure (files closed without sanction do not count)."""
    sanctionnes = [d for d in anterieurs if d.decide_le is not None and d.decision_taux is not None]
    if any(d.etat == "decide" for d in sanctionnes):
        return "persistance"
    if sanctionnes:
        return "repetition"
    return "premier"


def composition_foyer(membres) -> dict:
    """A snapshot of the household from the CAF/MSA data: the people sharing the allocataire number and still
    attached to it (`membres`: their `Beneficiaire` rows, the person included)."""
    roles = [m.role_foyer or "dem" for m in membres]
    return {
        "personnes": len(roles),
        "adultes": sum(1 for r in roles if r in ("dem", "cjt")),
        "enfants": sum(1 for r in roles if r == "enf"),
        "autres": sum(1 for r in roles if r == "aut"),
        "source": "caf_msa",
    }


def ajouter_mois(jour: datetime.date, mois: int) -> datetime.date:
    """The same day `mois` months later (the last day of a shorter month)."""
    index = jour.month - 1 + mois
    annee, mois_cible = jour.year + index // 12, index % 12 + 1
    dernier = (datetime.date(annee + mois_cible // 12, mois_cible % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(annee, mois_cible, min(jour.day, dernier))


def mois_entames(debut: datetime.date, fin: datetime.date) -> int:
    """Months started from `debut` up to `fin` (excluded): 1 Dec → 15 Jan is 2 (December and January)."""
    if fin <= debut:
        return 0
    mois = (fin.year - debut.year) * 12 + fin.month - debut.month
    return mois + (1 if fin.day > debut.day else 0)


@dataclass(frozen=True)
class Rattrapage:
    mois: int
    taux: int
    montant: Decimal | None  # None when the monthly amount is unknown (the CAF/MSA computes it)

    def en_clair(self):
        if self.mois == 0:
            return "Aucun mois à rendre."
        base = f"{self.mois} mois à {self.taux} %"
        return f"{base}, soit {self.montant:.2f} €".replace(".", ",") if self.montant is not None else base


def rattrapage(dossier, params, *, leve_le) -> Rattrapage:
    """What is paid back when the person complies during a suspension: the months suspended so far (at most the
    decided duration, and the département's cap) × rate × monthly amount if known. A suppression is not paid back."""
    if dossier.decision_nature != "suspension":
        return Rattrapage(0, dossier.decision_taux or 0, Decimal("0.00") if dossier.montant_mensuel else None)
    mois = min(mois_entames(dossier.decision_effet, leve_le), dossier.decision_duree)
    if params.rattrapage_mois_max:
        mois = min(mois, params.rattrapage_mois_max)
    montant = None
    if dossier.montant_mensuel is not None:
        montant = (dossier.montant_mensuel * dossier.decision_taux * mois / Decimal(100)).quantize(Decimal("0.01"))
    return Rattrapage(mois, dossier.decision_taux, montant)


def radiation_a_proposer(dossiers) -> bool:
    """Four months of total suppression (R.262-40 3°): the PCD proposes the radiation from France Travail's list."""
    mois = sum(
        d.decision_duree or 0 for d in dossiers if d.decision_nature == "suppression" and d.decision_taux == 100
    )
    return mois >= 4
