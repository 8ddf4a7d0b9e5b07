"""Alerts to the people who can act: chargés d'orientation (late new entrants), structure managers (people
followed without référent).

Each person is signalled at most once a week for a reason (`Alerte`, unique per type, carnet and ISO week);
a run notifies each recipient once about the people newly signalled, in one notification (and one e-mail
unless they chose "jamais"). Runs of the same département are serialised by an advisory lock.
"""

import datetime
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse

from carnet.models import Carnet, MembreGroupe
from spie.models import Membership, Role, User
from spie.notifications import notify
from suivi import outbox
from suivi.models import Alerte, Canal, FrequenceCourriel, TypeAlerte
from suivi.services.base import (
    aujourd_hui,
    liste_noms,
    preferences_de,
    regles_du_departement,
    rendre,
    semaine_iso,
    verrou,
)
from suivi.services.listes import DROITS_CLOS, en_accompagnement, sans_referent_actif


def _condition_nouvel_entrant():
    """The orientation queue's own definition when the orientation app provides it, else: no active référent
    and a right neither refused nor closed."""
    try:
        from orientation.queue import nouvel_entrant_q
    except ImportError:
        referent = MembreGroupe.objects.referents().filter(carnet=OuterRef("pk"))
        return Q(~Exists(referent), beneficiaire__date_entree_rsa__isnull=False) & ~Q(
            beneficiaire__etat_droit_rsa__in=DROITS_CLOS
        )
    return nouvel_entrant_q()


def nouveaux_entrants_en_retard(*, departement, jour=None):
    """People who entered the RSA more than the target delay ago and are still waiting for an orientation."""
    limite = aujourd_hui(jour) - datetime.timedelta(days=departement.delai_orientation_cible)
    return Carnet.objects.filter(_condition_nouvel_entrant(), beneficiaire__date_entree_rsa__lt=limite)


def carnets_sans_referent():
    """Carnets followed by at least one professional but without an active référent (a deactivated one counts
    as none), people who exited left aside: the structure manager's list of "Ma journée"."""
    suivi = MembreGroupe.objects.actifs().filter(carnet=OuterRef("pk"))
    return sans_referent_actif(en_accompagnement(Carnet.objects.filter(Exists(suivi))))


def _signaler(*, departement, type, carnets, jour):
    """Record this week's alerts for the carnets not signalled yet; returns the new `Alerte` rows."""
    semaine = semaine_iso(aujourd_hui(jour))
    return _signaler_par_cle(
        departement=departement, type=type, cles={pk: semaine for pk in carnets.values_list("pk", flat=True)}
    )


def _signaler_par_cle(*, departement, type, cles):
    """Record the alerts {carnet id: key} not recorded yet; returns the new `Alerte` rows."""
    verrou(f"alerte-{type}", departement.pk)
    deja = set(
        Alerte.objects.filter(type=type, carnet_id__in=list(cles), semaine__in=set(cles.values())).values_list(
            "carnet_id", "semaine"
        )
    )
    nouvelles = [
        Alerte(departement_id=departement.pk, type=type, carnet_id=pk, semaine=cle)
        for pk, cle in cles.items()
        if (pk, cle) not in deja
    ]
    return Alerte.objects.bulk_create(nouvelles)


def _envoyer(*, departement, type, par_destinataire, lot, titre, template, lien, extra=None):
    """One notification (and one e-mail unless "jamais") per recipient for this batch of alerts."""
    users = {u.pk: u for u in User.objects.filter(pk__in=par_destinataire, is_active=True)}
    preferences = preferences_de(users)
    carnets = Carnet.objects.select_related("beneficiaire").order_by("beneficiaire__nom_usage", "pk")
    envoyes = 0
    for user_id, carnet_ids in sorted(par_destinataire.items()):
        user = users.get(user_id)
        if user is None:
            continue
        noms, autres = liste_noms(carnets.filter(pk__in=carnet_ids))
        nombre = len(noms) + autres
        context = {"user": user, "noms": noms, "autres": autres, "nombre": nombre, "lien": lien}
        context["departement"] = departement
        context.update(extra or {})
        cle = f"alerte:{type}:{departement.code}:{lot}"
        notify(
            user=user,
            titre=titre(nombre),
            message=rendre(f"suivi/emails/{template}_notification.txt", context),
            cle=cle,
            lien=lien,
            departement_id=departement.pk,
        )
        if preferences.get(user.pk, FrequenceCourriel.HEBDOMADAIRE) != FrequenceCourriel.JAMAIS:
            outbox.mettre_en_file(
                departement_id=departement.pk,
                canal=Canal.EMAIL,
                destinataire=user.email,
                sujet=titre(nombre),
                corps=rendre(f"suivi/emails/{template}.txt", context),
                cle=f"{cle}:{user.uid}",
            )
        envoyes += 1
    return envoyes


def referent_sinon_admins(carnet_ids) -> dict:
    """{user id: [carnet ids]}: each carnet goes to its active référent, or to every active admin of the
    département when nobody is référent (the recipients of the alerts on one person's path). A référent whose
    account was deactivated still receives the row here; `_envoyer` skips inactive accounts."""
    carnet_ids = sorted(carnet_ids)
    referents = dict(
        MembreGroupe.objects.referents().filter(carnet_id__in=carnet_ids).values_list("carnet_id", "user_id")
    )
    admins = set(Membership.objects.actifs().filter(role=Role.ADMIN_DEPARTEMENT).values_list("user_id", flat=True))
    par_destinataire = defaultdict(list)
    for carnet_id in carnet_ids:
        for user_id in {referents[carnet_id]} if carnet_id in referents else admins:
            par_destinataire[user_id].append(carnet_id)
    return dict(par_destinataire)


def _lien(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def alertes_orientation_envoyer(*, departement, jour=None) -> int:
    """Tell the chargés d'orientation about the new entrants past the target delay; returns recipients told."""
    if not regles_du_departement(departement).alerte_orientation_active:
        return 0
    alertes = _signaler(
        departement=departement,
        type=TypeAlerte.ORIENTATION,
        carnets=nouveaux_entrants_en_retard(departement=departement, jour=jour),
        jour=jour,
    )
    if not alertes:
        return 0
    charges = Membership.objects.actifs().filter(role=Role.CHARGE_ORIENTATION).values_list("user_id", flat=True)
    carnet_ids = [a.carnet_id for a in alertes]
    par_destinataire = {user_id: carnet_ids for user_id in set(charges)}
    delai = departement.delai_orientation_cible
    return _envoyer(
        departement=departement,
        type=TypeAlerte.ORIENTATION,
        par_destinataire=par_destinataire,
        lot=min(a.pk for a in alertes),
        titre=lambda n: (
            f"{n} nouvel{'s' if n > 1 else ''} entrant{'s' if n > 1 else ''} sans orientation après {delai} jours"
        ),
        template="alerte_orientation",
        lien=_lien("orientation:file"),
    )


def alertes_sans_referent_envoyer(*, departement, jour=None) -> int:
    """Tell each structure's managers about the people their structure follows without référent."""
    if not regles_du_departement(departement).alerte_sans_referent_active:
        return 0
    alertes = _signaler(
        departement=departement, type=TypeAlerte.SANS_REFERENT, carnets=carnets_sans_referent(), jour=jour
    )
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
        destinataires = set().union(*(responsables[s] for s in structures_par_carnet[carnet_id]))
        for user_id in destinataires:
            par_destinataire[user_id].append(carnet_id)
    return _envoyer(
        departement=departement,
        type=TypeAlerte.SANS_REFERENT,
        par_destinataire=dict(par_destinataire),
        lot=min(a.pk for a in alertes),
        titre=lambda n: f"{n} personne{'s' if n > 1 else ''} suivie{'s' if n > 1 else ''} sans référent",
        template="alerte_sans_referent",
        lien=_lien("carnet:portefeuille_structure"),
    )


def _echeances_legales(*, departement, jour, semaines):
    """{carnet id: (clock key, chargé id or None)} of the people of the queue whose legal clock reached
    `semaines` weeks today or earlier, not the next threshold, and whose deadline is not past."""
    from orientation.queue import file_queryset

    today = aujourd_hui(jour)
    debut = today - datetime.timedelta(weeks=semaines)
    suivant = today - datetime.timedelta(weeks=semaines + 1)
    rows = (
        file_queryset(departement)
        .filter(date_reception__lte=debut, date_reception__gt=suivant, date_limite__gte=today)
        .values_list("pk", "date_reception", "dossier_charge_id")
    )
    return {pk: (f"{reception:%Y%m%d}", charge_id) for pk, reception, charge_id in rows}


def alertes_delai_legal_envoyer(*, departement, jour=None) -> int:
    """Tell the chargés d'orientation and the département's admins about the people at 4 and 5 weeks of the
    legal orientation delay (6 weeks, D.262-65-2 CASF); each person once per threshold and per clock.

    A dossier's chargé hears of their own people; the people nobody has taken go to every chargé; the admins
    hear of all. Returns the number of messages (one per recipient and threshold)."""
    admins = set(Membership.objects.actifs().filter(role=Role.ADMIN_DEPARTEMENT).values_list("user_id", flat=True))
    charges = set(
        Membership.objects.actifs()
        .filter(role__in=[Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION])
        .values_list("user_id", flat=True)
    )
    envoyes = 0
    for semaines, type in ((4, TypeAlerte.DELAI_LEGAL_4_SEMAINES), (5, TypeAlerte.DELAI_LEGAL_5_SEMAINES)):
        echeances = _echeances_legales(departement=departement, jour=jour, semaines=semaines)
        alertes = _signaler_par_cle(
            departement=departement, type=type, cles={pk: cle for pk, (cle, _) in echeances.items()}
        )
        if not alertes:
            continue
        par_destinataire = defaultdict(list)
        for alerte in sorted(alertes, key=lambda a: a.carnet_id):
            charge_id = echeances[alerte.carnet_id][1]
            for user_id in ({charge_id} if charge_id else charges) | admins:
                par_destinataire[user_id].append(alerte.carnet_id)
        restant = departement.delai_orientation_legal_jours - 7 * semaines
        envoyes += _envoyer(
            departement=departement,
            type=type,
            par_destinataire=dict(par_destinataire),
            lot=min(a.pk for a in alertes),
            titre=lambda n, semaines=semaines: (
                f"{n} personne{'s' if n > 1 else ''} sans orientation après {semaines} semaines : "
                "France Travail orientera à l'échéance légale"
            ),
            template="alerte_delai_legal",
            lien=_lien("orientation:file"),
            extra={"semaines": semaines, "restant": max(restant, 0)},
        )
    return envoyes
