"""Indicators of the suspension-remobilisation regime for the département's décideurs and administrator: files
opened by ground and outcome, the share of sanctions lifted by remobilisation, median durations (opening →
decision, decision → lift), and the équipes pluridisciplinaires' sessions held in the period with their opinions
and the président's decisions (counted by `sanctions.equipes`). Aggregates only: no person is named. Pure reads of
the département's files.
"""

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from sanctions import equipes
from sanctions.etats import Etat
from sanctions.models import DossierManquement, Motif, SensAvis, SensDecision, ThemePassage

# The outcome of a file, as the indicators group the states.
ISSUES = {
    "en_instruction": "En cours d'instruction",
    "motif_legitime": "Classé : motif légitime",
    "sans_suite": "Classé sans sanction",
    "sanction_en_cours": "Sanction en cours",
    "levee_remobilisation": "Levée à la remobilisation",
    "terminee": "Sanction terminée",
}
ISSUE_DE_L_ETAT = {
    Etat.OUVERT: "en_instruction",
    Etat.A_NOTIFIER: "en_instruction",
    Etat.NOTIFIE: "en_instruction",
    Etat.MOTIF_LEGITIME: "motif_legitime",
    Etat.SANS_SUITE: "sans_suite",
    Etat.DECIDE: "sanction_en_cours",
    Etat.REMOBILISE: "levee_remobilisation",
    Etat.TERMINE: "terminee",
}


@dataclass
class Indicateurs:
    debut: datetime.date
    fin: datetime.date
    ouverts: int
    par_motif: list  # [(ground label, {issue code: n}, total)]
    par_issue: list  # [(issue label, n)]
    sanctions: int  # files of the period with a decided sanction
    levees_remobilisation: int
    part_remobilisation: float | None  # percentage, None without any sanction
    mediane_ouverture_decision: float | None  # days
    mediane_decision_levee: float | None  # days
    nombre_ouverture_decision: int
    nombre_decision_levee: int
    seances_ep: int  # EP sessions held (opened) in the period
    dossiers_ep: int  # files that received an opinion in those sessions
    ep_par_theme: list  # [(theme label, n)]
    ep_avis: list  # [(opinion direction label, n)]
    ep_decisions: list  # [(decision direction label, n)]


def periode_par_defaut(aujourd_hui=None):
    """The last twelve months, today included."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return aujourd_hui.replace(year=aujourd_hui.year - 1) + datetime.timedelta(days=1), aujourd_hui


def _mediane(valeurs):
    return float(statistics.median(valeurs)) if valeurs else None


def calculer(*, debut: datetime.date, fin: datetime.date) -> Indicateurs:
    """The indicators of the files opened from `debut` to `fin` (inclusive), in the current département."""
    lignes = list(
        DossierManquement.objects.filter(created_at__date__gte=debut, created_at__date__lte=fin).values_list(
            "motif", "etat", "created_at", "decide_le", "leve_le", "remobilise_le"
        )
    )
    issues = Counter()
    par_motif = {code: Counter() for code in Motif.values}
    ouverture_decision, decision_levee = [], []
    sanctions = remobilisations = 0
    ep = equipes.seances_tenues(debut=debut, fin=fin)
    for motif, etat, created_at, decide_le, leve_le, remobilise_le in lignes:
        issue = ISSUE_DE_L_ETAT[etat]
        issues[issue] += 1
        par_motif[motif][issue] += 1
        if decide_le is not None:
            sanctions += 1
            ouverture_decision.append((decide_le - timezone.localdate(created_at)).days)
            if leve_le is not None:
                decision_levee.append((leve_le - decide_le).days)
            if etat == Etat.REMOBILISE:
                remobilisations += 1
    return Indicateurs(
        debut=debut,
        fin=fin,
        ouverts=len(lignes),
        par_motif=[
            (Motif(code).label, [compte[issue] for issue in ISSUES], sum(compte.values()))
            for code, compte in par_motif.items()
        ],
        par_issue=[(libelle, issues[code]) for code, libelle in ISSUES.items()],
        sanctions=sanctions,
        levees_remobilisation=remobilisations,
        part_remobilisation=round(100 * remobilisations / sanctions, 1) if sanctions else None,
        mediane_ouverture_decision=_mediane(ouverture_decision),
        mediane_decision_levee=_mediane(decision_levee),
        nombre_ouverture_decision=len(ouverture_decision),
        nombre_decision_levee=len(decision_levee),
        seances_ep=ep["seances"],
        dossiers_ep=ep["dossiers_examines"],
        ep_par_theme=[(libelle, ep["par_theme"].get(code, 0)) for code, libelle in ThemePassage.choices],
        ep_avis=[(libelle, ep["avis"].get(code, 0)) for code, libelle in SensAvis.choices],
        ep_decisions=[(libelle, ep["decisions"].get(code, 0)) for code, libelle in SensDecision.choices],
    )
