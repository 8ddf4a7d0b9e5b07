"""The département's orientation rules: versions, the active set, the preview of an edited set.

The rules themselves (conditions, validation) live in `orientation.criteres`; here they become data of the
département. Saving never rewrites a version: it adds the next one, so that every orientation keeps the rule
set that proposed it.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone

from carnet.services import RegleMetier
from orientation import criteres
from orientation.models import Diagnostic, JeuRegles, StatutDiagnostic
from spie.models import Departement


def regles_actives(departement_id) -> JeuRegles | None:
    """The latest version of the département's rules, None when it has none (the rules in code apply)."""
    return JeuRegles.objects.filter(departement_id=departement_id).select_related("auteur").order_by("-numero").first()


def proposer(data, *, date_naissance, jour, jeu: JeuRegles | None) -> criteres.Proposition:
    """The proposal under a rule set of the département (the rules in code when None), naming its version."""
    proposition = criteres.proposer(
        data, date_naissance=date_naissance, jour=jour, regles=jeu.regles if jeu is not None else None
    )
    if jeu is None:
        return proposition
    return replace(proposition, version=jeu.numero, jeu_id=jeu.pk)


def regles_seed(departement) -> JeuRegles | None:
    """Version 1 from the rules in code, for a département that has none (idempotent)."""
    regles = criteres.regles_pour_stockage(criteres.REGLES_PAR_DEFAUT)
    jeu, _ = JeuRegles.objects.get_or_create(departement=departement, numero=1, defaults={"regles": regles})
    return jeu


class ConflitVersion(RegleMetier):
    pass


@transaction.atomic
def regles_enregistrer(*, departement, regles, base_numero, auteur) -> JeuRegles:
    """Save an edited rule set as the next version. `base_numero` is the version the admin edited: if someone
    saved another one meanwhile, nothing is written and the admin reviews the new rules first."""
    criteres.valider_regles(regles)
    # One writer at a time per département: the next number is taken under the département's row lock.
    Departement.objects.select_for_update().get(pk=departement.pk)
    actif = regles_actives(departement.pk)
    numero_actif = actif.numero if actif else 0
    if numero_actif != base_numero:
        raise ConflitVersion(
            f"La version {numero_actif} des règles a été enregistrée pendant que vous les modifiiez : "
            "reprenez vos modifications à partir de celle-ci."
        )
    return JeuRegles.objects.create(
        departement=departement,
        numero=numero_actif + 1,
        regles=criteres.regles_pour_stockage(regles),
        auteur=auteur,
    )


# --- Preview: last month's interviews under the edited rules -------------------------------------------


def mois_precedent(jour: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The previous calendar month as [first day, first day of the current month)."""
    fin = jour.replace(day=1)
    return (fin - datetime.timedelta(days=1)).replace(day=1), fin


@dataclass
class Cas:
    diagnostic: Diagnostic
    avant: criteres.Proposition
    apres: criteres.Proposition


@dataclass
class Apercu:
    debut: datetime.date
    fin: datetime.date
    nombre: int = 0
    # [(parcours label, organisme label, count now, count under the edited rules)], every pair seen once.
    repartition: list = field(default_factory=list)
    changes: list = field(default_factory=list)


def regles_apercu(*, departement, regles, jour=None) -> Apercu:
    """How the interviews finished in the previous calendar month would have been oriented under `regles`
    (already validated) compared with the active rules: counts per path and organisme type, and the cases
    whose path or organisme changes."""
    jour = jour or timezone.localdate()
    debut, fin = mois_precedent(jour)
    tz = timezone.get_current_timezone()
    diagnostics = (
        Diagnostic.objects.filter(
            departement=departement,
            statut=StatutDiagnostic.TERMINE,
            termine_le__gte=datetime.datetime.combine(debut, datetime.time.min, tzinfo=tz),
            termine_le__lt=datetime.datetime.combine(fin, datetime.time.min, tzinfo=tz),
            data__has_key="criteres",
        )
        .select_related("carnet__beneficiaire")
        .order_by("termine_le", "pk")
    )
    actif = regles_actives(departement.pk)
    edite = JeuRegles(departement=departement, numero=(actif.numero + 1) if actif else 1, regles=regles)
    apercu = Apercu(debut=debut, fin=fin - datetime.timedelta(days=1))
    avant_compte, apres_compte = Counter(), Counter()
    for diagnostic in diagnostics:
        contexte = {
            "date_naissance": diagnostic.carnet.beneficiaire.date_naissance,
            "jour": timezone.localdate(diagnostic.termine_le),
        }
        avant = proposer(diagnostic.data, **contexte, jeu=actif)
        apres = criteres.proposer(diagnostic.data, **contexte, regles=edite.regles)
        apercu.nombre += 1
        avant_compte[(avant.parcours, avant.organisme)] += 1
        apres_compte[(apres.parcours, apres.organisme)] += 1
        if (avant.parcours, avant.organisme) != (apres.parcours, apres.organisme):
            apercu.changes.append(Cas(diagnostic=diagnostic, avant=avant, apres=apres))
    ordre = {valeur: i for i, valeur in enumerate(criteres.Parcours.values + criteres.TypeOrganisme.values)}
    for parcours, organisme in sorted(set(avant_compte) | set(apres_compte), key=lambda c: (ordre[c[0]], ordre[c[1]])):
        apercu.repartition.append(
            (
                criteres.Parcours(parcours).label,
                criteres.TypeOrganisme(organisme).label,
                avant_compte[(parcours, organisme)],
                apres_compte[(parcours, organisme)],
            )
        )
    return apercu
