"""The statutory reports computed when asked, and their CSV rows (definitions in `suivi.indicateurs.legaux`).

Each report is one SQL query (no JIT: see `calcul._executer`), read from the replica when the page is marked
`sur_replique` and one is configured (`spie.replica`): raw SQL asks the router which database reads.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from orientation.models import DossierOrientation
from spie.crypto import keyed_hasher
from suivi.indicateurs import legaux
from suivi.indicateurs.calcul import _arrondi, _part, dernier_du_mois, mois_entre, premier_du_mois

PSEUDONYME_OBJET = "comites-emploi"
PSEUDONYME_LONGUEUR = 20


def _executer(sql, params):
    alias = router.db_for_read(DossierOrientation)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        noms = [colonne.name for colonne in cursor.description]
        return [dict(zip(noms, ligne, strict=True)) for ligne in cursor.fetchall()]


def _params(departement, **autres):
    return {"dep": departement.pk, "tz": settings.TIME_ZONE, "aujourdhui": timezone.localdate(), **autres}


# --- 1. The committees' list ----------------------------------------------------------------


@dataclass(slots=True)
class LigneComite:
    carnet_uid: object
    pseudonyme: str
    date_information: datetime.date | None
    date_orientation: datetime.date
    date_notification: datetime.date
    reorientation: bool
    parcours: str  # code of `legaux.PARCOURS_LIBELLES`, "" for an orientation by France Travail
    organisme: str  # code of `legaux.ORGANISMES`
    regle: str  # the criteria's rule code, `legaux.REGLE_MASQUEE` when restricted, "" without a proposal
    decision: str  # code of `DECISIONS`
    delai: int | None

    @property
    def parcours_libelle(self):
        return legaux.PARCOURS_LIBELLES.get(self.parcours, "Non précisé")

    @property
    def organisme_libelle(self):
        return legaux.ORGANISMES[self.organisme]

    @property
    def decision_libelle(self):
        return DECISIONS[self.decision]

    @property
    def regle_libelle(self):
        if self.regle == legaux.REGLE_MASQUEE:
            return "Critère restreint"
        return REGLES_LIBELLES.get(self.regle, self.regle or "—")

    def csv(self) -> list:
        return [
            self.pseudonyme,
            _iso(self.date_information),
            _iso(self.date_orientation),
            _iso(self.date_notification),
            "oui" if self.reorientation else "non",
            self.parcours,
            self.organisme,
            self.regle,
            self.decision,
            "" if self.delai is None else self.delai,
        ]


DECISIONS = {
    "conforme": "Décision conforme à la proposition",
    "ecart": "Décision différente de la proposition",
    "sans_proposition": "Décision sans proposition des critères",
    "france_travail": "Orientation par France Travail (délai légal dépassé)",
}
REGLES_LIBELLES = {regle["code"]: regle["libelle"] for regle in legaux.REGLES_PAR_DEFAUT} | {
    "information_manquante": "Information manquante du fait de la personne"
}


def _iso(jour):
    return jour.isoformat() if jour else ""


def _decision(ligne) -> str:
    if ligne["par_france_travail"]:
        return "france_travail"
    if not ligne["parcours_propose"]:
        return "sans_proposition"
    parcours = legaux.PARCOURS.get(ligne["type_orientation"])
    conforme = parcours == ligne["parcours_propose"] and ligne["organisme"] == ligne["organisme_propose"]
    return "conforme" if conforme else "ecart"


def liste_comites(departement, debut: datetime.date, fin: datetime.date) -> list[LigneComite]:
    """The rows of the committees' list for the orientations dated in [debut, fin].

    The pseudonym is a keyed hash of the carnet's uid: the same person keeps it from one list to the next (a
    committee can follow a path over time) and nobody without the platform's key can go back to the person."""
    pseudonyme = keyed_hasher(PSEUDONYME_OBJET)
    resultat = []
    for ligne in _executer(legaux.LISTE_COMITES.sql, _params(departement, debut=debut, fin=fin)):
        regle = ligne["regle_proposition"] or ""
        resultat.append(
            LigneComite(
                carnet_uid=ligne["carnet_uid"],
                pseudonyme=pseudonyme(str(ligne["carnet_uid"]))[:PSEUDONYME_LONGUEUR],
                date_information=ligne["reception"],
                date_orientation=ligne["orientation"],
                # The platform notifies the decision (letter, notifications) the day it is taken.
                date_notification=ligne["orientation"],
                reorientation=ligne["reorientation"],
                parcours="" if ligne["par_france_travail"] else legaux.PARCOURS.get(ligne["type_orientation"], ""),
                organisme=ligne["organisme"],
                regle=legaux.REGLE_MASQUEE if regle in legaux.REGLES_RESTREINTES else regle,
                decision=_decision(ligne),
                delai=ligne["delai"],
            )
        )
    return resultat


# --- 2. The DREES table ---------------------------------------------------------------------


@dataclass
class LigneDrees:
    dimension: str  # "" for the whole stock
    dimension_libelle: str
    modalite: str
    modalite_libelle: str
    par_organisme: dict = field(default_factory=dict)  # organisme code → count; "non_oriente" too

    @property
    def non_orientes(self):
        return self.par_organisme.get("non_oriente", 0)

    @property
    def orientes(self):
        return sum(n for code, n in self.par_organisme.items() if code != "non_oriente")

    @property
    def ensemble(self):
        return self.orientes + self.non_orientes

    @property
    def organismes(self):
        return [self.par_organisme.get(code, 0) for code in legaux.ORGANISMES_DREES]

    def csv(self, annee) -> list:
        return [annee, self.dimension or "ensemble", self.modalite or "ensemble", self.ensemble, self.non_orientes,
                self.orientes, *self.organismes]  # fmt: skip


def releve_drees(annee: int) -> datetime.date:
    return datetime.date(annee, 12, 31)


def tableau_drees(departement, annee: int) -> list[LigneDrees]:
    """The whole stock first, then every band of every dimension (in the survey's order, empty bands included)."""
    lignes = _executer(legaux.STOCK_DREES.sql, _params(departement, releve=releve_drees(annee)))
    ensemble = LigneDrees("", "Ensemble", "", "Ensemble des personnes soumises aux droits et devoirs")
    par_bande = {
        (dimension, code): LigneDrees(dimension, libelle_dimension, code, libelle)
        for dimension, libelle_dimension, bandes in legaux.DIMENSIONS
        for code, libelle in bandes
    }
    for ligne in lignes:
        groupees = [d for d, _, _ in legaux.DIMENSIONS if not ligne[f"g_{d}"]]
        cible = ensemble if not groupees else par_bande[(groupees[0], ligne[groupees[0]])]
        cible.par_organisme[ligne["organisme"]] = ligne["nombre"]
    return [ensemble, *par_bande.values()]


COLONNES_DREES = legaux.COLONNES_DREES


# --- 3. Legal delays ------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneDelais:
    mois: datetime.date | None  # None: the whole period
    organisme: str  # "" for every organisme
    orientations: int
    mesures_o: int
    moyenne_o: float | None
    mediane_o: float | None
    dans_o: int
    part_o: float | None
    exclus_o: int
    cohorte_ce: int
    mesures_ce: int
    moyenne_ce: float | None
    mediane_ce: float | None
    evaluables_ce: int
    dans_ce: int
    part_ce: float | None

    @property
    def organisme_libelle(self):
        return legaux.ORGANISMES.get(self.organisme, "Tous les organismes")

    def csv(self) -> list:
        return [
            self.mois.strftime("%Y-%m") if self.mois else "periode",
            self.organisme or "ensemble",
            self.orientations,
            self.mesures_o,
            _fr(self.moyenne_o),
            _fr(self.mediane_o),
            self.dans_o,
            _fr(self.part_o),
            self.exclus_o,
            self.cohorte_ce,
            self.mesures_ce,
            _fr(self.moyenne_ce),
            _fr(self.mediane_ce),
            self.evaluables_ce,
            self.dans_ce,
            _fr(self.part_ce),
        ]


def _fr(nombre):
    return "" if nombre is None else str(nombre).replace(".", ",")


def _ligne_delais(mois, organisme, ligne=None) -> LigneDelais:
    ligne = ligne or {}
    n = lambda nom: ligne.get(nom) or 0  # noqa: E731
    return LigneDelais(
        mois=mois,
        organisme=organisme,
        orientations=n("orientations"),
        mesures_o=n("mesures_o"),
        moyenne_o=_arrondi(ligne.get("moyenne_o")),
        mediane_o=_arrondi(ligne.get("mediane_o")),
        dans_o=n("dans_o"),
        part_o=_part(n("dans_o"), n("mesures_o")),
        exclus_o=n("exclus_o"),
        cohorte_ce=n("cohorte_ce"),
        mesures_ce=n("mesures_ce"),
        moyenne_ce=_arrondi(ligne.get("moyenne_ce")),
        mediane_ce=_arrondi(ligne.get("mediane_ce")),
        evaluables_ce=n("evaluables_ce"),
        dans_ce=n("dans_ce"),
        part_ce=_part(n("dans_ce"), n("evaluables_ce")),
    )


@dataclass
class Delais:
    periode: LigneDelais  # every month, every organisme
    par_organisme: list  # [LigneDelais], every month, one per organisme type
    par_mois: list  # [(LigneDelais of the month, [LigneDelais per organisme])], every month of the period

    def lignes(self):
        """Every row, in the CSV's order: month by month (all, then each organisme), then the whole period."""
        for mois, organismes in self.par_mois:
            yield mois
            yield from organismes
        yield self.periode
        yield from self.par_organisme


def delais(departement, debut: datetime.date, fin: datetime.date) -> Delais:
    """The delays of the orientations dated from the first day of `debut`'s month to the last of `fin`'s.

    Months and organismes without an orientation are zeros (a result, not a gap)."""
    debut, fin = premier_du_mois(debut), dernier_du_mois(fin)
    lignes = _executer(legaux.DELAIS_LEGAUX.sql, _params(departement, debut=debut, fin=fin))
    cles = {}
    for ligne in lignes:
        mois = None if ligne["g_mois"] else datetime.date.fromisoformat(ligne["mois"] + "-01")
        organisme = "" if ligne["g_organisme"] else ligne["organisme"]
        cles[(mois, organisme)] = ligne
    organismes = list(legaux.ORGANISMES)
    return Delais(
        periode=_ligne_delais(None, "", cles.get((None, ""))),
        par_organisme=[_ligne_delais(None, o, cles.get((None, o))) for o in organismes],
        par_mois=[
            (_ligne_delais(m, "", cles.get((m, ""))), [_ligne_delais(m, o, cles.get((m, o))) for o in organismes])
            for m in mois_entre(debut, fin)
        ],
    )
