"""Compute the indicators of a month and store them as series.

One SQL query per indicator and month returns every perimeter at once (GROUPING SETS: the département, each
territory, each structure), so the cost does not grow with the number of territories or structures.
Recomputing a month deletes and rewrites its rows in one transaction: idempotent, and cheap enough to run
nightly for the current month.
"""

import calendar
import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from spie.tenancy import departement_scope
from suivi.indicateurs.definitions import INDICATEURS, JOURS_VUS, TERRITOIRES_SQL, Indicateur, Nature
from suivi.models import Perimetre, ReglesRappel, ValeurIndicateur

FENETRE_PAR_DEFAUT = 30


def premier_du_mois(jour: datetime.date) -> datetime.date:
    return jour.replace(day=1)


def dernier_du_mois(mois: datetime.date) -> datetime.date:
    return mois.replace(day=calendar.monthrange(mois.year, mois.month)[1])


def mois_suivant(mois: datetime.date) -> datetime.date:
    return (dernier_du_mois(mois) + datetime.timedelta(days=1)).replace(day=1)


def mois_precedent(mois: datetime.date) -> datetime.date:
    return (mois.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def mois_avant(mois: datetime.date, nombre: int) -> datetime.date:
    """The first day of the month `nombre` months before `mois`."""
    annee, rang = divmod(mois.year * 12 + mois.month - 1 - nombre, 12)
    return datetime.date(annee, rang + 1, 1)


def mois_entre(debut: datetime.date, fin: datetime.date) -> list[datetime.date]:
    mois, resultat = premier_du_mois(debut), []
    while mois <= fin:
        resultat.append(mois)
        mois = mois_suivant(mois)
    return resultat


MOIS_MAX = 36


class PeriodeInvalide(ValueError):
    """The message says what is wrong, in French."""


def periode(debut=None, fin=None, *, fin_par_defaut) -> tuple[datetime.date, datetime.date]:
    """The first days of the first and last months of a period of series: by default the 12 months up to
    `fin_par_defaut`; at most `MOIS_MAX` months. Raises `PeriodeInvalide`."""
    fin = premier_du_mois(fin or fin_par_defaut)
    debut = premier_du_mois(debut) if debut is not None else mois_avant(fin, 11)
    if debut > fin:
        raise PeriodeInvalide("Le premier mois doit précéder le dernier.")
    if (fin.year - debut.year) * 12 + fin.month - debut.month >= MOIS_MAX:
        raise PeriodeInvalide(f"Choisissez une période de {MOIS_MAX} mois au plus.")
    return debut, fin


def fenetre_du_departement(departement) -> int:
    with departement_scope(departement):
        regles = ReglesRappel.objects.filter(departement_id=departement.pk).first()
    return regles.fenetre_indicateurs_jours if regles else FENETRE_PAR_DEFAUT


def _debut_de_journee(jour: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def parametres(departement, mois: datetime.date, *, fenetre: int, aujourdhui: datetime.date | None = None) -> dict:
    aujourdhui = aujourdhui or timezone.localdate()
    debut, fin = premier_du_mois(mois), dernier_du_mois(mois)
    date_releve = min(fin, aujourdhui)
    return {
        "dep": departement.pk,
        "debut": debut,
        "fin": fin,
        "mois_debut": _debut_de_journee(debut),
        "mois_fin": _debut_de_journee(fin + datetime.timedelta(days=1)),
        "date_releve": date_releve,
        "releve_fin": _debut_de_journee(date_releve + datetime.timedelta(days=1)),
        "vu_depuis": _debut_de_journee(date_releve - datetime.timedelta(days=JOURS_VUS - 1)),
        "aujourdhui": aujourdhui,
        "fenetre": fenetre,
        "tz": settings.TIME_ZONE,
    }


# --- SQL ------------------------------------------------------------------------------------

_ENSEMBLES = "GROUPING SETS ((), (terr), (struct))"
_ENSEMBLES_CATEGORIE = "GROUPING SETS ((categorie), (terr, categorie), (struct, categorie))"

_AGREGATS = {
    Nature.DELAI: """
        count(*) FILTER (WHERE exclu IS NOT TRUE) AS effectif,
        count(*) FILTER (WHERE exclu) AS exclus,
        count(delai) AS mesures,
        avg(delai)::float AS moyenne,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY delai) AS mediane,
        count(dans_fenetre) AS evaluables,
        count(*) FILTER (WHERE dans_fenetre) AS dans_fenetre
    """,
    Nature.PART: "count(*) AS effectif, count(*) FILTER (WHERE numerateur) AS numerateur",
    Nature.REPARTITION: "count(*) AS effectif",
    Nature.VOLUME: "count(*) AS effectif",
}


def _requete(indicateur: Indicateur, *, par_categorie: bool) -> str:
    agregats = _AGREGATS[indicateur.nature]
    if par_categorie:
        agregats += "".join(f", count(*) FILTER (WHERE {nom}) AS {nom}" for nom in indicateur.sommes)
    colonnes = "GROUPING(terr) AS g_terr, GROUPING(struct) AS g_struct, terr, struct"
    if par_categorie:
        colonnes += ", categorie"
    return (
        f"WITH territoires AS ({TERRITOIRES_SQL}), cohorte AS ({indicateur.sql}) "
        f"SELECT {colonnes}, {agregats} FROM cohorte "
        f"GROUP BY {_ENSEMBLES_CATEGORIE if par_categorie else _ENSEMBLES}"
    )


def _executer(sql, params):
    # No JIT: these one-off aggregate queries look costly enough to the planner to be compiled, and the
    # compilation (about a second on 100,000 carnets) costs more than the query itself.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        noms = [colonne.name for colonne in cursor.description]
        return [dict(zip(noms, ligne, strict=True)) for ligne in cursor.fetchall()]


def _perimetre(ligne):
    """(perimetre, territoire_id, structure_id), or None for a group without territory or structure."""
    if ligne["g_terr"] and ligne["g_struct"]:
        return (Perimetre.DEPARTEMENT, None, None)
    if not ligne["g_terr"]:
        return (Perimetre.TERRITOIRE, ligne["terr"], None) if ligne["terr"] is not None else None
    return (Perimetre.STRUCTURE, None, ligne["struct"]) if ligne["struct"] is not None else None


def _arrondi(valeur, chiffres=1):
    return None if valeur is None else round(float(valeur), chiffres)


def _part(numerateur, denominateur):
    return _arrondi(100 * numerateur / denominateur) if denominateur else None


def _mesures_delai(ligne):
    mesures = {
        "effectif": ligne["effectif"],
        "exclus": ligne["exclus"],
        "mesures": ligne["mesures"],
        "moyenne": _arrondi(ligne["moyenne"]),
        "mediane": _arrondi(ligne["mediane"]),
        "evaluables": ligne["evaluables"],
        "dans_fenetre": ligne["dans_fenetre"],
        "part": _part(ligne["dans_fenetre"], ligne["evaluables"]),
    }
    return mesures["mediane"], mesures


def _mesures(indicateur, ligne):
    if indicateur.nature is Nature.DELAI:
        return _mesures_delai(ligne)
    if indicateur.nature is Nature.PART:
        part = _part(ligne["numerateur"], ligne["effectif"])
        return part, {"effectif": ligne["effectif"], "numerateur": ligne["numerateur"], "part": part}
    return float(ligne["effectif"]), {"effectif": ligne["effectif"]}


def _ajouter_categories(indicateur, valeurs, lignes):
    """Add the per-category breakdown (and the counted sub-totals) to the perimeters' measures."""
    for ligne in lignes:
        cle = _perimetre(ligne)
        if cle is None or ligne["categorie"] is None:
            continue
        valeur, mesures = valeurs.setdefault(cle, (None, {"effectif": 0}))
        repartition = mesures.setdefault("repartition", {})
        if indicateur.nature is Nature.PART:
            repartition[ligne["categorie"]] = {
                "effectif": ligne["effectif"],
                "numerateur": ligne["numerateur"],
                "part": _part(ligne["numerateur"], ligne["effectif"]),
            }
        else:
            repartition[ligne["categorie"]] = ligne["effectif"]
            for nom in indicateur.sommes:
                mesures[nom] = mesures.get(nom, 0) + ligne[nom]
        valeurs[cle] = (valeur, mesures)


def calculer_indicateur(indicateur: Indicateur, params: dict) -> dict:
    """{(perimetre, territoire_id, structure_id): (valeur, mesures)} for one indicator and month."""
    valeurs = {}
    for ligne in _executer(_requete(indicateur, par_categorie=False), params):
        cle = _perimetre(ligne)
        if cle is not None and (indicateur.par_structure or cle[0] != Perimetre.STRUCTURE):
            valeurs[cle] = _mesures(indicateur, ligne)
    if indicateur.a_categories:
        _ajouter_categories(indicateur, valeurs, _executer(_requete(indicateur, par_categorie=True), params))
    if indicateur.nature is Nature.REPARTITION and "positive" in indicateur.sommes:
        for _valeur, mesures in valeurs.values():
            mesures["part_positive"] = _part(mesures.get("positive", 0), mesures["effectif"])
    # Every month has a département figure, even with an empty cohort (a zero is a result, not a gap).
    valeurs.setdefault((Perimetre.DEPARTEMENT, None, None), _mesures(indicateur, _ligne_vide(indicateur)))
    return valeurs


def _ligne_vide(indicateur):
    if indicateur.nature is Nature.DELAI:
        return {
            "effectif": 0,
            "exclus": 0,
            "mesures": 0,
            "moyenne": None,
            "mediane": None,
            "evaluables": 0,
            "dans_fenetre": 0,
        }
    return {"effectif": 0, "numerateur": 0}


@dataclass
class Resultat:
    mois: datetime.date
    lignes: int
    duree: float


def calculer_mois(departement, mois: datetime.date, *, indicateurs=None, aujourdhui=None) -> Resultat:
    """Compute and store the indicators of `mois` for a département; replaces what was stored for that month."""
    debut = time.perf_counter()
    indicateurs = indicateurs or INDICATEURS
    mois = premier_du_mois(mois)
    fenetre = fenetre_du_departement(departement)
    params = parametres(departement, mois, fenetre=fenetre, aujourdhui=aujourdhui)
    maintenant = timezone.now()
    lignes = []
    with departement_scope(departement), transaction.atomic():
        for indicateur in indicateurs:
            parametres_stockes = {**indicateur.parametres, "date_releve": params["date_releve"].isoformat()}
            if indicateur.est_delai:
                parametres_stockes["fenetre"] = fenetre
            for (perimetre, territoire_id, structure_id), (valeur, mesures) in calculer_indicateur(
                indicateur, params
            ).items():
                lignes.append(
                    ValeurIndicateur(
                        departement_id=departement.pk,
                        code=indicateur.code,
                        version=indicateur.version,
                        mois=mois,
                        perimetre=perimetre,
                        territoire_id=territoire_id,
                        structure_id=structure_id,
                        valeur=valeur,
                        mesures=mesures,
                        parametres=parametres_stockes,
                        calcule_le=maintenant,
                    )
                )
        ValeurIndicateur.objects.filter(
            mois=mois, code__in=[i.code for i in indicateurs], version__in={i.version for i in indicateurs}
        ).delete()
        ValeurIndicateur.objects.bulk_create(lignes, batch_size=1000)
    return Resultat(mois=mois, lignes=len(lignes), duree=time.perf_counter() - debut)


def mois_manquants(departement, debut: datetime.date, fin: datetime.date) -> list[datetime.date]:
    """Months of [debut, fin] without a stored département figure for the current version of every indicator."""
    attendus = {(i.code, i.version) for i in INDICATEURS}
    with departement_scope(departement):
        presents = set(
            ValeurIndicateur.objects.filter(
                perimetre=Perimetre.DEPARTEMENT, mois__gte=premier_du_mois(debut), mois__lte=fin
            ).values_list("mois", "code", "version")
        )
    return [m for m in mois_entre(debut, fin) if any((m, code, v) not in presents for code, v in attendus)]


def rafraichir(departement, *, aujourdhui=None, historique_mois=24) -> list[Resultat]:
    """The nightly refresh: the current month, the previous one (late entries), and any month of the last
    `historique_mois` missing for the current definitions (after a new version or a new département)."""
    aujourdhui = aujourdhui or timezone.localdate()
    courant = premier_du_mois(aujourdhui)
    debut = mois_avant(courant, historique_mois - 1)
    a_calculer = set(mois_manquants(departement, debut, courant)) | {courant, mois_precedent(courant)}
    return [calculer_mois(departement, mois, aujourdhui=aujourdhui) for mois in sorted(a_calculer)]


def recalculer(departement, *, nombre_de_mois=24) -> list[Resultat]:
    """Recompute the département's last months (after the window of the delay indicators changed)."""
    courant = premier_du_mois(timezone.localdate())
    return [calculer_mois(departement, mois) for mois in mois_entre(mois_avant(courant, nombre_de_mois - 1), courant)]
