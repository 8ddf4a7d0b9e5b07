"""The queue of people to orient ("file des nouveaux entrants"), derived from the carnets.

Nobody puts a person in the queue: whatever created the carnet (CAF/MSA flux, import, API, by hand), a person
is in it when they entered the RSA (date known), their right is open or pending, they have no decided
orientation and no référent yet (someone accompanied before the platform is not a new entrant). A person whose
dossier is open (including a réorientation) stays in the queue until the decision.

One query for the page whatever its size: the open dossier is joined (at most one per carnet, a database
constraint), the territory and the convocation date are correlated subqueries. The page starts from the
département's candidates (`CandidatFile`, kept by triggers: no active référent, no decided orientation, not
oriented by France Travail, or an open dossier) instead of every carnet of the département, then checks the
person's part of the rule (`situation_nouvel_entrant_q`).
"""

import datetime

from django.db.models import Case, DateField, Exists, F, FilteredRelation, OuterRef, Q, Subquery, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from carnet.models import Carnet, EtatDroitRsa, MembreGroupe
from orientation import horloge
from orientation.models import (
    STATUTS_OUVERTS,
    CandidatFile,
    Convocation,
    DossierOrientation,
    Orientation,
    StatutDossier,
    StatutOrientation,
)
from spie.models import Territoire

# Pending request, open and payable, open and suspended, payment suspended; blank: not known yet.
DROITS_A_ORIENTER = [
    EtatDroitRsa.DEMANDE_EN_ATTENTE,
    EtatDroitRsa.OUVERT_VERSABLE,
    EtatDroitRsa.OUVERT_SUSPENDU,
    EtatDroitRsa.OUVERT_VERSEMENT_SUSPENDU,
    "",
]
A_PRENDRE = "a_prendre"


def situation_nouvel_entrant_q():
    """The part of the rule read on the person and the département: entered the RSA (after the start of the
    département's queue), right open or pending, still in the household, subject to rights and duties."""
    # The stock of the département's first CAF/MSA file is not new entrants (`Departement.debut_file_orientation`),
    # nor is a person the CAF/MSA says is not subject to rights and duties (TOPPERSDRODEVORSA).
    entre_apres_le_debut = Q(departement__debut_file_orientation__isnull=True) | Q(
        beneficiaire__date_entree_rsa__gte=F("departement__debut_file_orientation")
    )
    hors_droits_et_devoirs = Q(beneficiaire__numero_allocataire__gt="", beneficiaire__soumis_droits_devoirs=False)
    return Q(
        entre_apres_le_debut,
        ~hors_droits_et_devoirs,
        beneficiaire__date_entree_rsa__isnull=False,
        beneficiaire__date_fin_rattachement__isnull=True,  # left the household (DFRATDOS of the CAF/MSA flux)
        beneficiaire__etat_droit_rsa__in=DROITS_A_ORIENTER,
        anonymise_le=None,  # an anonymised carnet (retention reached) waits for nothing
    )


def nouvel_entrant_q():
    """The condition on carnets that makes a person a new entrant waiting for an orientation (a person France
    Travail orients, past the legal deadline, waits no more)."""
    decidee = Orientation.objects.filter(carnet=OuterRef("pk"), statut=StatutOrientation.VALIDEE)
    referent = MembreGroupe.objects.referents().filter(carnet=OuterRef("pk"))
    france_travail = DossierOrientation.objects.filter(
        carnet=OuterRef("pk"), statut=StatutDossier.ORIENTE_FRANCE_TRAVAIL
    )
    return Q(situation_nouvel_entrant_q(), ~Exists(decidee), ~Exists(referent), ~Exists(france_travail))


def file_queryset(departement=None):
    """Every carnet of the queue, annotated with its open dossier, territory, reference date and legal clock
    (`date_reception`, `date_limite`: see `orientation.horloge`; `departement` gives the legal delay)."""
    territoire = Territoire.objects.filter(communes=OuterRef("beneficiaire__commune_id")).order_by("nom")
    convocation = Convocation.objects.filter(
        dossier__carnet_id=OuterRef("pk"), dossier__statut=StatutDossier.CONVOQUE
    ).order_by("-numero")
    queryset = (
        Carnet.objects.select_related("beneficiaire", "beneficiaire__commune")
        .annotate(
            dossier=FilteredRelation(
                "dossiers_orientation", condition=Q(dossiers_orientation__statut__in=STATUTS_OUVERTS)
            )
        )
        .annotate(
            dossier_uid=F("dossier__uid"),
            dossier_statut=F("dossier__statut"),
            dossier_charge_id=F("dossier__charge_orientation_id"),
            charge_prenom=F("dossier__charge_orientation__first_name"),
            charge_nom=F("dossier__charge_orientation__last_name"),
            dossier_demande_id=F("dossier__demande_reorientation_id"),
            territoire_nom=Subquery(territoire.values("nom")[:1]),
            convocation_le=Subquery(convocation.values("rendez_vous__date_heure")[:1]),
            # A réorientation counts from the day the request was accepted (its dossier opened).
            date_reference=Case(
                When(dossier__demande_reorientation__isnull=False, then=TruncDate("dossier__created_at")),
                default=F("beneficiaire__date_entree_rsa"),
                output_field=DateField(),
            ),
        )
        # Always true (a person and their carnet share a département), but it lets PostgreSQL read only the
        # département's people by index instead of the whole table (at 1,000,000 carnets in all, 585 ms -> 189 ms
        # for a département of 100,000).
        .filter(beneficiaire__departement_id=F("departement_id"))
        # A candidate without an open dossier has no active référent, no decided orientation and no France
        # Travail orientation (the triggers keep `CandidatFile` exactly so): only the person's part of the
        # rule is left to check, without the whole-département subqueries of `nouvel_entrant_q`.
        .filter(pk__in=CandidatFile.objects.values("carnet_id"))
        .filter(Q(dossier__uid__isnull=False) | situation_nouvel_entrant_q())
    )
    return horloge.annoter(queryset, departement)


def filtrer(queryset, *, territoires=None, en_retard_depuis=None, charge=None, statut="", recherche=""):
    """Filters of the queue page. `territoires`: territory ids (None: no filter); `en_retard_depuis`: a
    date, people whose reference date is before it; `charge`: a user, their dossiers only."""
    if territoires is not None:
        through = Territoire.communes.through.objects.filter(
            territoire_id__in=territoires, commune_id=OuterRef("beneficiaire__commune_id")
        )
        queryset = queryset.filter(Exists(through))
    if en_retard_depuis is not None:
        queryset = queryset.filter(date_reference__lt=en_retard_depuis)
    if charge is not None:
        queryset = queryset.filter(dossier__charge_orientation=charge)
    if statut == A_PRENDRE:
        queryset = queryset.filter(dossier__uid__isnull=True)
    elif statut:
        queryset = queryset.filter(dossier__statut=statut)
    if recherche:
        from carnet.search import search_text

        queryset = queryset.filter(beneficiaire__nom_recherche__contains=search_text(recherche))
    # By urgency: the legal deadline first, then the local target's reference date.
    return queryset.order_by(
        F("date_limite").asc(nulls_last=True),
        F("date_reference").asc(nulls_last=True),
        "beneficiaire__nom_usage",
        "pk",
    )


def limite_retard(departement, today=None) -> datetime.date:
    """People whose reference date is before this day are late against the département's target."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=departement.delai_orientation_cible)


def decorer(rows, departement, today=None):
    """Days since the reference date and the late flag, computed once per displayed row."""
    today = today or timezone.localdate()
    for row in rows:
        row.jours = (today - row.date_reference).days if row.date_reference else None
        row.en_retard = row.jours is not None and row.jours > departement.delai_orientation_cible
        row.statut_libelle = StatutDossier(row.dossier_statut).label if row.dossier_statut else ""
        row.jours_restants = horloge.jours_restants(row.date_limite, today)
        row.alerte_legale = row.jours_restants is not None and row.jours_restants < 14
    return rows


def est_dans_la_file(carnet) -> bool:
    return file_queryset().filter(pk=carnet.pk).exists()
