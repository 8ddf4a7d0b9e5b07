"""Retention of the carnets: which are due, the référent's reasons for keeping one, and the daily cycle.

**Last qualifying activity** of a carnet: the latest of its creation, an appointment the person attended, a note,
a contract or an hour of activity entered in the contract's ledger, a change received from the CAF/MSA flux (the
flux fingerprint's date), and a justification of keeping it. The carnet is **due** `conservation_mois` months (a
setting of the département) after it, or at the end of the last justification if later.

**Cycle** (`conservation_appliquer`, daily beat task and `appliquer_conservation` command):
1. the référents (or, without référent, the département's admins) are warned of the carnets due within
   `SPIE_CONSERVATION_PREAVIS_JOURS` days: one alert per carnet and due date (`suivi`), so sent once;
2. a carnet due, warned at least that many days ago (after its last justification), is anonymised;
3. a person who never entered an accompaniment (never a référent, no appointment, no orientation) is deleted
   `suppression_sans_accompagnement_mois` months after their last activity.
Running it twice the same day does nothing the second time.
"""

import calendar
import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from carnet.models import (
    ActiviteEngagement,
    Carnet,
    Contrat,
    JustificationConservation,
    MembreGroupe,
    Note,
    RendezVous,
    StatutRendezVous,
    TypeEvenement,
)
from carnet.services.base import RegleMetier, evenement_record
from spie.audit import log_access
from spie.models import Action

logger = logging.getLogger(__name__)


def ajouter_mois(jour: datetime.date, mois: int) -> datetime.date:
    """`jour` plus (or minus) `mois` months, on the last day of the month when the day does not exist."""
    total = jour.year * 12 + jour.month - 1 + mois
    annee, mois_ = divmod(total, 12)
    dernier = calendar.monthrange(annee, mois_ + 1)[1]
    return datetime.date(annee, mois_ + 1, min(jour.day, dernier))


def _debut(jour: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def _max(queryset, champ):
    return Subquery(
        queryset.filter(carnet=OuterRef("pk")).order_by().values("carnet").annotate(m=Max(champ)).values("m")
    )


def avec_derniere_activite(carnets):
    """Annotate `derniere_activite` (datetime) and `justifie_jusqu_au` (date or None) on a carnet queryset."""
    from partenaires.models import EmpreinteFlux

    empreinte = EmpreinteFlux.objects.filter(beneficiaire_id=OuterRef("beneficiaire_id")).values("updated_at")[:1]
    return carnets.annotate(
        derniere_activite=Greatest(
            "created_at",
            _max(RendezVous.objects.filter(statut=StatutRendezVous.PRESENT), "date_heure"),
            _max(Note.objects.all(), "created_at"),
            _max(Contrat.objects.all(), "created_at"),
            _max(ActiviteEngagement.objects.all(), "created_at"),
            _max(JustificationConservation.objects.all(), "created_at"),
            Subquery(empreinte),
        ),
        justifie_jusqu_au=_max(JustificationConservation.objects.all(), "jusqu_au"),
    )


def accompagnes_q():
    """A référent once (even a former one), or an appointment, or an orientation."""
    from orientation.models import Orientation

    return Q(
        Exists(MembreGroupe.objects.filter(carnet=OuterRef("pk"), est_referent=True))
        | Exists(RendezVous.objects.filter(carnet=OuterRef("pk")))
        | Exists(Orientation.objects.filter(carnet=OuterRef("pk")))
    )


def jamais_accompagnes_q():
    """Never a référent (even a former one), no appointment at all, no orientation."""
    return ~accompagnes_q()


def echeance(carnet, departement) -> datetime.date:
    """The due date of a carnet annotated by `avec_derniere_activite`."""
    jour = ajouter_mois(timezone.localdate(carnet.derniere_activite), departement.conservation_mois)
    if carnet.justifie_jusqu_au and carnet.justifie_jusqu_au > jour:
        return carnet.justifie_jusqu_au
    return jour


def _a_echeance(departement, jour):
    """The accompanied carnets not anonymised whose due date is on or before `jour`."""
    limite = _debut(ajouter_mois(jour, -departement.conservation_mois) + datetime.timedelta(days=1))
    return (
        avec_derniere_activite(Carnet.objects.filter(accompagnes_q(), anonymise_le=None))
        .filter(derniere_activite__lt=limite)
        # Not `exclude(…__gt=jour)`: NOT (NULL > jour) is NULL, which would drop the carnets never justified.
        .filter(Q(justifie_jusqu_au=None) | Q(justifie_jusqu_au__lte=jour))
    )


def carnets_echus(*, departement, jour=None):
    """Due today or earlier."""
    return _a_echeance(departement, jour or timezone.localdate())


def carnets_bientot_echus(*, departement, jour=None):
    """Due within the warning period (`SPIE_CONSERVATION_PREAVIS_JOURS`), not yet due."""
    jour = jour or timezone.localdate()
    fin = jour + datetime.timedelta(days=settings.SPIE_CONSERVATION_PREAVIS_JOURS)
    return _a_echeance(departement, fin).exclude(pk__in=carnets_echus(departement=departement, jour=jour).values("pk"))


def jamais_accompagnes_a_supprimer(*, departement, jour=None):
    jour = jour or timezone.localdate()
    limite = _debut(ajouter_mois(jour, -departement.suppression_sans_accompagnement_mois) + datetime.timedelta(days=1))
    return avec_derniere_activite(Carnet.objects.filter(jamais_accompagnes_q(), anonymise_le=None)).filter(
        derniere_activite__lt=limite
    )


def conservation_justifier(*, carnet, motif, user, structure, request=None) -> JustificationConservation:
    """The référent keeps the carnet for one more retention period, from today, for a stated reason."""
    motif = (motif or "").strip()
    if len(motif) < 10:
        raise RegleMetier("Indiquez en quelques mots pourquoi ce carnet doit être conservé (10 caractères au moins).")
    if carnet.anonymise_le is not None:
        raise RegleMetier("Ce carnet est déjà anonymisé : il ne peut plus être conservé.")
    departement = carnet.departement
    with transaction.atomic():
        justification = JustificationConservation.objects.create(
            departement_id=carnet.departement_id,
            carnet=carnet,
            motif=motif,
            auteur=user,
            structure=structure,
            jusqu_au=ajouter_mois(timezone.localdate(), departement.conservation_mois),
        )
        evenement_record(
            carnet=carnet,
            type=TypeEvenement.CONSERVATION,
            resume=f"Conservation justifiée jusqu'au {justification.jusqu_au:%d/%m/%Y}",
            auteur=user,
            structure=structure,
            obj=justification,
        )
        log_access(
            request=request,
            action=Action.CREATION,
            obj=justification,
            details={"jusqu_au": str(justification.jusqu_au)},
        )
    return justification


def _prevenus_et_non_rejustifies(carnets, jour):
    """The carnets whose latest warning is at least the warning period old, and not justified since that warning."""
    from suivi.models import Alerte, TypeAlerte

    avant = _debut(jour - datetime.timedelta(days=settings.SPIE_CONSERVATION_PREAVIS_JOURS) + datetime.timedelta(1))
    derniere = Alerte.objects.filter(carnet=OuterRef("pk"), type=TypeAlerte.CONSERVATION).order_by("-created_at")
    justifie_depuis = JustificationConservation.objects.filter(
        carnet=OuterRef("pk"), created_at__gte=OuterRef("derniere_alerte")
    )
    return (
        carnets.annotate(derniere_alerte=Subquery(derniere.values("created_at")[:1]))
        .filter(derniere_alerte__lt=avant)
        .exclude(Exists(justifie_depuis))
    )


@dataclass
class Bilan:
    prevenus: int = 0
    a_anonymiser: int = 0
    anonymises: int = 0
    a_supprimer: int = 0
    supprimes: int = 0
    erreurs: list = field(default_factory=list)


def conservation_appliquer(*, departement, jour=None, wet_run=True) -> Bilan:
    """One run of the cycle for one département (in its scope); dry run: counts only, nothing written."""
    from carnet.services.anonymisation import AnonymisationRefusee, beneficiaire_supprimer, carnet_anonymiser
    from suivi.services.alertes_conservation import alertes_conservation_envoyer

    jour = jour or timezone.localdate()
    bilan = Bilan()
    a_prevenir = list(carnets_bientot_echus(departement=departement, jour=jour)) + list(
        carnets_echus(departement=departement, jour=jour)
    )
    echeances = {c.pk: echeance(c, departement) for c in a_prevenir}
    with transaction.atomic():
        bilan.prevenus = alertes_conservation_envoyer(departement=departement, echeances=echeances, wet_run=wet_run)
    a_anonymiser = list(_prevenus_et_non_rejustifies(carnets_echus(departement=departement, jour=jour), jour))
    a_supprimer = list(jamais_accompagnes_a_supprimer(departement=departement, jour=jour))
    bilan.a_anonymiser, bilan.a_supprimer = len(a_anonymiser), len(a_supprimer)
    if not wet_run:
        return bilan
    # One transaction per person: a failure leaves that person as they were and the run goes on with the others.
    for action, carnets, compteur in (
        (carnet_anonymiser, a_anonymiser, "anonymises"),
        (beneficiaire_supprimer, a_supprimer, "supprimes"),
    ):
        for carnet in carnets:
            try:
                action(carnet=carnet)
            except (AnonymisationRefusee, Carnet.DoesNotExist):
                continue  # done meanwhile by another run
            except Exception:
                logger.exception("Conservation : échec pour le carnet %s", carnet.uid)
                bilan.erreurs.append(str(carnet.uid))
            else:
                setattr(bilan, compteur, getattr(bilan, compteur) + 1)
    return bilan
