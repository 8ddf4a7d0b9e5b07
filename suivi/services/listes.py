"""The action lists of "Ma journée" and of the weekly digest: one definition, computed at each reading.

The portfolio filters read dates denormalised on the carnet, refreshed only when someone writes an appointment
or a contract: time passing makes them wrong (an appointment nobody marked stays "next", a contract past its
end stays "in force"). These lists read the appointments, contracts, exits and group rows themselves, so that
they are true at the minute they are shown. Each is a queryset of carnets (or of join requests, prescriptions)
filtered by `Exists` subqueries on indexed columns: the cost of a list does not grow with the history.

People who have exited (an exit without follow-up in work, not followed by a new RSA entry or a reopening) and
closed carnets are in none of them. A référent whose account or membership was deactivated counts as no référent.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, DateField, Exists, OuterRef, Q, Subquery, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from carnet.models import (
    Carnet,
    Contrat,
    DemandeAdhesion,
    EtatDroitRsa,
    MembreGroupe,
    RendezVous,
    SituationConstatee,
    Sortie,
    StatutContrat,
    StatutDemande,
    StatutRendezVous,
    TypeContrat,
)
from offre.models import Prescription, StatutPrescription
from orientation.models import Orientation, StatutOrientation
from spie.dates import latest_start_reaching
from spie.models import Membership

# How far ahead a contract's end is announced.
FIN_CONTRAT_JOURS = 30
# The loi pour le plein emploi applies to the orientations decided from this day on; the people followed before
# have until 1 January 2027 (a separate deadline).
DEBUT_REGIME_2025 = datetime.date(2025, 1, 1)
# A right refused or closed: nobody to accompany.
DROITS_CLOS = [EtatDroitRsa.REFUSE, EtatDroitRsa.CLOS, EtatDroitRsa.CLOS_ANTERIEUR]
# A list on the page names at most this many people; its count is always the whole list's.
LIGNES_MAXIMUM = 20


def _maintenant(now=None):
    return now or timezone.now()


def _jour(now):
    return timezone.localdate(now)


# --- Perimeters -----------------------------------------------------------------------------------------------


def sortis_q(today):
    """Carnets whose person has exited: an exit on or before `today`, without follow-up in work, not undone by a
    reopening, and no RSA entry after it (a new entry reopens the accompaniment). Closed carnets are left aside
    by `en_accompagnement` (a separate condition: an OR here would keep PostgreSQL from an anti-join)."""
    entree = Coalesce(OuterRef("beneficiaire__date_entree_rsa"), Value(datetime.date.min), output_field=DateField())
    sortie = Sortie.objects.filter(
        carnet=OuterRef("pk"),
        suivi_dans_emploi=False,
        rouverte_le__isnull=True,
        date_sortie__lte=today,
        date_sortie__gte=entree,
    )
    return Exists(sortie)


def en_accompagnement(carnets, *, now=None):
    """The carnets of `carnets` whose person is still accompanied (not closed, not exited)."""
    return carnets.filter(cloture_le__isnull=True).exclude(sortis_q(_jour(_maintenant(now))))


def _par_identifiants(carnets, now):
    """A perimeter as the ids read once, then given to every list as one array parameter (`id IN (SELECT
    unnest($1))`): each list starts from these rows by their primary key. Read once instead of once per list (it
    joins the people for their RSA entry and the exits: 0.6 s for the 22,000 people of a large structure, under
    load), and one parameter instead of one per id (with `IN (%s, %s, …)` planning 22,000 literals costs more than
    the lists themselves)."""
    ids = list(en_accompagnement(carnets, now=now).values_list("pk", flat=True))
    return Carnet.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))


def perimetre_professionnel(user, *, now=None):
    """The people a professional follows (active member of the group, whatever the structure), not exited."""
    return _par_identifiants(Carnet.objects.suivis_par(user), now)


def perimetre_structure(structure, *, now=None):
    """The people a structure follows (one of its professionals is an active member of the group), not exited."""
    return _par_identifiants(Carnet.objects.avec_membre_de(structure), now)


# --- The lists on carnets -------------------------------------------------------------------------------------


def sans_rendez_vous(carnets, *, jours, now=None):
    """No contact within ±`jours` days: no appointment attended in the last `jours` days, none planned in the
    next `jours` days. A past appointment still "planned" (attendance never recorded) is no contact."""
    now = _maintenant(now)
    ecart = datetime.timedelta(days=jours)
    rdv = RendezVous.objects.filter(carnet=OuterRef("pk"))
    honore = rdv.filter(statut=StatutRendezVous.PRESENT, date_heure__gte=now - ecart, date_heure__lte=now)
    prevu = rdv.filter(statut=StatutRendezVous.PREVU, date_heure__gte=now, date_heure__lte=now + ecart)
    return carnets.exclude(Exists(honore)).exclude(Exists(prevu))


def presence_non_renseignee(carnets, *, now=None):
    """A past appointment whose attendance nobody recorded (still "planned"); `rdv_a_renseigner` is the
    oldest one's uid (the line leads to it)."""
    rdv = RendezVous.objects.filter(
        carnet=OuterRef("pk"), statut=StatutRendezVous.PREVU, date_heure__lt=_maintenant(now)
    )
    return carnets.filter(Exists(rdv)).annotate(
        rdv_a_renseigner=Subquery(rdv.order_by("date_heure").values("uid")[:1])
    )


def _a_ete_recu():
    return Exists(RendezVous.objects.filter(carnet=OuterRef("pk"), statut=StatutRendezVous.PRESENT))


def _contrat_en_vigueur(today):
    """A signed contract covering `today` (or a later signed one already agreed)."""
    return Exists(
        Contrat.objects.filter(carnet=OuterRef("pk"), statut=StatutContrat.SIGNE, date_fin__gte=today).exclude(
            termine_le__lt=today
        )
    )


def recus_sans_diagnostic(carnets):
    """The person came to an appointment, but no situation was ever recorded (the common diagnostic)."""
    diagnostic = SituationConstatee.objects.filter(carnet=OuterRef("pk"))
    return carnets.filter(_a_ete_recu()).exclude(Exists(diagnostic))


def recus_sans_contrat(carnets, *, now=None):
    """The person came to an appointment, but has no signed contract in force."""
    return carnets.filter(_a_ete_recu()).exclude(_contrat_en_vigueur(_jour(_maintenant(now))))


def contrats_se_terminant(carnets, *, now=None):
    """A signed contract ends within `FIN_CONTRAT_JOURS` days and no later contract is signed or prepared."""
    today = _jour(_maintenant(now))
    se_termine = Contrat.objects.filter(
        carnet=OuterRef("pk"),
        statut=StatutContrat.SIGNE,
        date_fin__gte=today,
        date_fin__lte=today + datetime.timedelta(days=FIN_CONTRAT_JOURS),
    )
    suite = Contrat.objects.filter(
        carnet=OuterRef("pk"),
        statut__in=[StatutContrat.BROUILLON, StatutContrat.SIGNE],
        date_fin__gt=today + datetime.timedelta(days=FIN_CONTRAT_JOURS),
    )
    return carnets.filter(Exists(se_termine)).exclude(Exists(suite))


def contrats_termines_sans_rdv(carnets, *, now=None):
    """The last contract has ended (past its end or terminated), none is in force or being prepared, and no
    appointment is planned."""
    now = _maintenant(now)
    today = _jour(now)
    termine = Contrat.objects.filter(carnet=OuterRef("pk"), statut__in=[StatutContrat.SIGNE, StatutContrat.TERMINE])
    termine = termine.filter(Q(date_fin__lt=today) | Q(termine_le__lte=today))
    en_preparation = Contrat.objects.filter(carnet=OuterRef("pk"), statut=StatutContrat.BROUILLON)
    prochain = RendezVous.objects.filter(carnet=OuterRef("pk"), statut=StatutRendezVous.PREVU, date_heure__gte=now)
    return (
        carnets.filter(Exists(termine))
        .exclude(_contrat_en_vigueur(today))
        .exclude(Exists(en_preparation))
        .exclude(Exists(prochain))
    )


def ce_non_signe(carnets, *, now=None):
    """The people still without a contrat d'engagement a calendar month after their latest orientation decision:
    the one rule of "Ma journée" and of the daily alert (`suivi.services.alertes_engagement`).

    The contract is signed within one month of the decision (D.5411-14-1 code du travail), counted in calendar
    months (`spie.dates.add_months`: a decision of 31 January reaches its month on 28 February, or 29 in a leap
    year); a new orientation restarts the month (D.5411-8-2). Only decisions since 1 January 2025 (the loi pour
    le plein emploi; the people followed before have their own deadline). Not signalled: a CE signed since the
    decision, an exit since it (not undone by a reopening), a closed carnet, a right refused or closed. Each row
    carries `orientation_decidee_le`, the decision's local day."""
    limite = latest_start_reaching(_jour(_maintenant(now)), 1)
    decision = (
        Orientation.objects.filter(carnet=OuterRef("pk"), statut=StatutOrientation.VALIDEE, decidee_le__isnull=False)
        .order_by("-decidee_le")
        .annotate(jour=TruncDate("decidee_le"))
        .values("jour")[:1]
    )
    signe = Contrat.objects.filter(
        carnet=OuterRef("pk"),
        type=TypeContrat.CONTRAT_ENGAGEMENT,
        statut__in=[StatutContrat.SIGNE, StatutContrat.TERMINE],
        date_signature__gte=OuterRef("orientation_decidee_le"),
    )
    sortie = Sortie.objects.filter(
        carnet=OuterRef("pk"), rouverte_le__isnull=True, date_sortie__gte=OuterRef("orientation_decidee_le")
    )
    return (
        carnets.filter(cloture_le__isnull=True)
        .exclude(beneficiaire__etat_droit_rsa__in=DROITS_CLOS)
        .annotate(orientation_decidee_le=Subquery(decision, output_field=DateField()))
        .filter(orientation_decidee_le__gte=DEBUT_REGIME_2025, orientation_decidee_le__lte=limite)
        .exclude(Exists(signe))
        .exclude(Exists(sortie))
    )


def sans_referent_actif(carnets):
    """No active référent: none designated, or one whose account or membership of their structure was
    deactivated (the group row stays, the person has nobody)."""
    rattachement = Membership.objects.actifs().filter(
        user_id=OuterRef("user_id"), structure_id=OuterRef("structure_id")
    )
    referent = MembreGroupe.objects.referents().filter(carnet=OuterRef("pk"), user__is_active=True)
    return carnets.exclude(Exists(referent.filter(Exists(rattachement))))


# --- The lists of other rows ------------------------------------------------------------------------------------


def demandes_adhesion_en_attente(carnets):
    """Join requests waiting for the référent's answer, on these carnets."""
    return DemandeAdhesion.objects.filter(statut=StatutDemande.EN_ATTENTE, carnet__in=carnets)


def prescriptions_envoyees_en_attente(carnets):
    """Prescriptions sent for these people that the receiving structure has not answered yet."""
    return Prescription.objects.filter(statut=StatutPrescription.EN_ATTENTE, carnet__in=carnets)


def prescriptions_recues_en_attente(structure):
    """Prescriptions a structure received and has not answered yet."""
    return Prescription.objects.filter(statut=StatutPrescription.EN_ATTENTE, structure_destinataire=structure)


# --- The page and the digest ------------------------------------------------------------------------------------


@dataclass
class Ligne:
    libelle: str
    detail: str
    lien: str
    uid: object = None  # the carnet's, for the access log


@dataclass
class Liste:
    code: str
    titre: str
    action: str
    lignes: list = field(default_factory=list)
    nombre: int = 0

    @property
    def autres(self):
        return max(0, self.nombre - len(self.lignes))


def _compter(queryset, lignes):
    return len(lignes) if len(lignes) < LIGNES_MAXIMUM else queryset.count()


def _lien_carnet(route):
    return lambda carnet: reverse(route, kwargs={"uid": carnet.uid})


def _liste_carnets(code, titre, action, carnets, lien):
    """`lien`: a route name of the carnet, or a function of the carnet row (for a link to a nested object).

    One query per list: the first rows by name and the list's size (`count(*) OVER ()`, computed before the
    LIMIT), instead of the rows then a COUNT that evaluated every condition over the perimeter a second time."""
    lien = _lien_carnet(lien) if isinstance(lien, str) else lien
    carnets = (
        carnets.select_related("beneficiaire")
        .only("uid", "beneficiaire__prenoms", "beneficiaire__nom_usage", "beneficiaire__date_naissance")
        .annotate(taille_liste=Window(Count("pk")))
    )
    rows = list(carnets.order_by("beneficiaire__nom_usage", "beneficiaire__prenoms", "pk")[:LIGNES_MAXIMUM])
    lignes = [Ligne(libelle=c.beneficiaire.nom_complet, detail="", lien=lien(c), uid=c.uid) for c in rows]
    return Liste(code=code, titre=titre, action=action, lignes=lignes, nombre=rows[0].taille_liste if rows else 0)


def _liste_demandes(carnets):
    demandes = demandes_adhesion_en_attente(carnets).select_related(
        "carnet", "carnet__beneficiaire", "user", "structure"
    )
    rows = list(demandes.order_by("created_at", "pk")[:LIGNES_MAXIMUM])
    lignes = [
        Ligne(
            libelle=d.carnet.beneficiaire.nom_complet,
            detail=f"{d.user.get_full_name()} ({d.structure.nom}) demande à rejoindre le groupe",
            lien=reverse("carnet:groupe", kwargs={"uid": d.carnet.uid}),
            uid=d.carnet.uid,
        )
        for d in rows
    ]
    return Liste(
        code="demandes_adhesion",
        titre="Demandes d'adhésion en attente",
        action="Répondre",
        lignes=lignes,
        nombre=_compter(demandes, lignes),
    )


def _liste_prescriptions_envoyees(carnets):
    prescriptions = prescriptions_envoyees_en_attente(carnets).select_related(
        "carnet", "carnet__beneficiaire", "service"
    )
    rows = list(prescriptions.order_by("created_at", "pk")[:LIGNES_MAXIMUM])
    lignes = [
        Ligne(
            libelle=p.carnet.beneficiaire.nom_complet,
            detail=f"{p.service.nom}, envoyée le {timezone.localdate(p.created_at):%d/%m/%Y}",
            lien=reverse("offre:carnet_prescriptions", kwargs={"uid": p.carnet.uid}),
            uid=p.carnet.uid,
        )
        for p in rows
    ]
    return Liste(
        code="prescriptions_envoyees",
        titre="Prescriptions en attente de réponse",
        action="Voir ou relancer",
        lignes=lignes,
        nombre=_compter(prescriptions, lignes),
    )


def _liste_prescriptions_recues(structure):
    prescriptions = prescriptions_recues_en_attente(structure).select_related("service")
    rows = list(prescriptions.order_by("created_at", "pk")[:LIGNES_MAXIMUM])
    # The receiving structure sees only what the prescription copied (name, message), never the carnet.
    lignes = [
        Ligne(
            libelle=p.personne,
            detail=f"{p.service.nom}, reçue le {timezone.localdate(p.created_at):%d/%m/%Y}",
            lien=reverse("offre:prescription_recue", kwargs={"uid": p.uid}),
        )
        for p in rows
    ]
    return Liste(
        code="prescriptions_recues",
        titre="Prescriptions reçues à traiter",
        action="Accepter ou refuser",
        lignes=lignes,
        nombre=_compter(prescriptions, lignes),
    )


def listes_des_carnets(carnets, *, jours, now=None):
    """The lists on a perimeter of carnets (a professional's or a structure's), in the page's order."""
    now = _maintenant(now)
    return [
        _liste_carnets(
            "presence",
            "Rendez-vous passés sans présence renseignée",
            "Indiquer la présence",
            presence_non_renseignee(carnets, now=now),
            lambda c: reverse("carnet:rendez_vous_modifier", kwargs={"uid": c.uid, "rdv_uid": c.rdv_a_renseigner}),
        ),
        _liste_carnets(
            "sans_rdv",
            f"Personnes sans rendez-vous à moins de {jours} jours",
            "Planifier un rendez-vous",
            sans_rendez_vous(carnets, jours=jours, now=now),
            "carnet:rendez_vous",
        ),
        _liste_carnets(
            "sans_diagnostic",
            "Personnes reçues sans diagnostic",
            "Compléter la situation",
            recus_sans_diagnostic(carnets),
            "carnet:situation",
        ),
        _liste_carnets(
            "sans_contrat",
            "Personnes reçues sans contrat en cours",
            "Préparer le contrat",
            recus_sans_contrat(carnets, now=now),
            "carnet:contrats",
        ),
        _liste_carnets(
            "fin_contrat",
            f"Contrats se terminant dans les {FIN_CONTRAT_JOURS} jours",
            "Renouveler le contrat",
            contrats_se_terminant(carnets, now=now),
            "carnet:contrats",
        ),
        _liste_carnets(
            "contrat_termine",
            "Contrats terminés sans prochain rendez-vous",
            "Planifier un rendez-vous",
            contrats_termines_sans_rdv(carnets, now=now),
            "carnet:rendez_vous",
        ),
        _liste_carnets(
            "ce_non_signe",
            "Contrat d'engagement non signé un mois après l'orientation",
            "Préparer le contrat d'engagement",
            ce_non_signe(carnets, now=now),
            "carnet:contrats",
        ),
        _liste_demandes(carnets),
        _liste_prescriptions_envoyees(carnets),
    ]


def listes_professionnel(*, user, jours, now=None):
    """A professional's lists: the people they follow; join requests on the carnets where they are référent."""
    now = _maintenant(now)
    carnets = perimetre_professionnel(user, now=now)
    listes = listes_des_carnets(carnets, jours=jours, now=now)
    comme_referent = carnets.filter(pk__in=MembreGroupe.objects.referents().filter(user=user).values("carnet_id"))
    listes[-2] = _liste_demandes(comme_referent)
    listes[-1] = _liste_prescriptions_envoyees(comme_referent)
    return listes


def listes_structure(*, structure, jours, now=None):
    """A structure manager's lists: the structure's people, the people without an active référent, and the
    prescriptions the structure received."""
    now = _maintenant(now)
    carnets = perimetre_structure(structure, now=now)
    sans_referent = _liste_carnets(
        "sans_referent",
        "Personnes sans référent actif",
        "Désigner un référent",
        sans_referent_actif(carnets),
        "carnet:groupe",
    )
    return [sans_referent, *listes_des_carnets(carnets, jours=jours, now=now), _liste_prescriptions_recues(structure)]


# --- The agenda -------------------------------------------------------------------------------------------------


def rendez_vous_a_venir(*, user=None, structure=None, now=None):
    """Today's and this week's (next 7 days) appointments of a professional, or of a structure: (today, week)."""
    now = _maintenant(now)
    today = _jour(now)
    debut = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    demain = debut + datetime.timedelta(days=1)
    fin = debut + datetime.timedelta(days=8)
    rdv = RendezVous.objects.exclude(statut=StatutRendezVous.ANNULE_STRUCTURE).filter(
        date_heure__gte=debut, date_heure__lt=fin
    )
    rdv = rdv.filter(professionnel=user) if user is not None else rdv.filter(structure=structure)
    rdv = rdv.filter(carnet__cloture_le__isnull=True).exclude(carnet__in=Carnet.objects.filter(sortis_q(today)))
    rdv = rdv.select_related("carnet", "carnet__beneficiaire", "professionnel").order_by("date_heure", "pk")
    rows = list(rdv[:200])
    return [r for r in rows if r.date_heure < demain], [r for r in rows if r.date_heure >= demain]
