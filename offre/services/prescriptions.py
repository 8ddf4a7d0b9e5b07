"""Prescriptions: send, answer, cancel; reminders at 10 days and expiry at 30 days (Celery beat).

Each step writes one event in the carnet's timeline (`TypeEvenement.PRESCRIPTION`) and notifies the other
side. Status changes are claimed by a conditional UPDATE (`WHERE statut = 'en_attente'`, `relancee_le IS
NULL`): a step runs once even when two workers, or a worker and a user, race for it, so the beat tasks are
idempotent (e-mails are sent only by the run that claimed the row, after its commit).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone

from carnet.models import TypeEvenement
from carnet.services import CARNET_CLOS, carnet_est_clos, evenement_record
from offre.models import (
    EXPIRATION_APRES,
    RELANCE_APRES,
    MotifRefus,
    Prescription,
    SessionService,
    StatutPrescription,
    StatutService,
)
from offre.services.catalogue import RegleMetier
from spie.models import Departement, Membership
from spie.notifications import notify
from spie.tenancy import departement_scope


def _receivers(prescription):
    """Users with an active membership in the receiving structure."""
    members = Membership.objects.actifs().filter(structure_id=prescription.structure_destinataire_id)
    return list({m.user_id: m.user for m in members.select_related("user")}.values())


def _url(name, **kwargs):
    return settings.SPIE_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _event(prescription, resume, auteur=None, structure=None):
    evenement_record(
        carnet=prescription.carnet,
        type=TypeEvenement.PRESCRIPTION,
        resume=resume,
        auteur=auteur,
        structure=structure,
        obj=prescription,
    )


def _mail(users, subject, template, context):
    """One e-mail per user, sent after the commit of the transaction that claimed the step."""
    addresses = [u.email for u in users if u.email]
    if not addresses:
        return
    body = render_to_string(template, context)
    for address in addresses:
        transaction.on_commit(lambda a=address: send_mail(subject, body, None, [a]))


# --- Sending --------------------------------------------------------------------------------------------


@transaction.atomic
def prescription_send(
    *,
    carnet,
    service,
    message,
    consentement,
    auteur,
    structure,
    session=None,
    partager_telephone=False,
    partager_courriel=False,
) -> Prescription:
    """Send the person to `service`. Only the person's name, the contact details they agreed to share and
    the message reach the receiving structure."""
    if not consentement:
        raise RegleMetier("La personne doit avoir donné son accord à l'envoi de ses coordonnées.")
    if service.statut != StatutService.PUBLIE:
        raise RegleMetier("Ce service n'est pas publié dans le catalogue : il ne peut pas recevoir de prescription.")
    if session is not None and (session.service_id != service.pk or not session.ouverte):
        raise RegleMetier("Cette session n'est plus ouverte aux inscriptions.")
    if Prescription.objects.filter(carnet=carnet, service=service, statut=StatutPrescription.EN_ATTENTE).exists():
        raise RegleMetier("Une prescription vers ce service attend déjà la réponse de la structure.")
    beneficiaire = carnet.beneficiaire
    prescription = Prescription.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        service=service,
        session=session,
        structure_destinataire_id=service.structure_id,
        prescripteur=auteur,
        structure_prescriptrice=structure,
        personne_prenom=(beneficiaire.prenoms.split(" ")[0] if beneficiaire.prenoms else ""),
        personne_nom=beneficiaire.nom_usage,
        personne_telephone=beneficiaire.telephone if partager_telephone else "",
        personne_courriel=beneficiaire.courriel if partager_courriel else "",
        message=message,
        consentement=True,
    )
    quand = f", session du {session.date_debut:%d/%m/%Y}" if session else ""
    _event(
        prescription,
        f"Prescription envoyée vers « {service.nom} » ({service.structure.nom}{quand})",
        auteur,
        structure,
    )
    lien = reverse("offre:prescription_recue", kwargs={"uid": prescription.uid})
    for user in _receivers(prescription):
        notify(
            user=user,
            departement_id=prescription.departement_id,
            titre="Nouvelle prescription reçue",
            message=f"{structure.nom} vous adresse une personne pour « {service.nom} ».",
            lien=lien,
            cle=f"prescription:{prescription.uid}:recue",
        )
    return prescription


# --- Answering, cancelling -----------------------------------------------------------------------------


def _changed(prescription, fields):
    """The status is claimed by a conditional UPDATE, which sends no signal: tell the listeners (partner
    webhooks) as a save would."""
    post_save.send(
        sender=Prescription, instance=prescription, created=False, update_fields=frozenset(fields), raw=False,
        using="default",
    )  # fmt: skip


def exiger_carnet_ouvert(prescription):
    """A closed carnet takes no new write, an answer or an outcome step included (the web pages and the partner
    API show this message, 409 for the API)."""
    if carnet_est_clos(prescription.carnet_id):
        raise RegleMetier(CARNET_CLOS)


def _close(prescription, statut, **values):
    """Claim the pending prescription; raise when someone (or the expiry) came first."""
    updated = Prescription.objects.filter(pk=prescription.pk, statut=StatutPrescription.EN_ATTENTE).update(
        statut=statut, **values
    )
    if not updated:
        raise RegleMetier("Cette prescription a déjà reçu une réponse, a expiré ou a été annulée.")
    prescription.refresh_from_db()
    _changed(prescription, ["statut", *values])


@transaction.atomic
def prescription_answer(*, prescription, accepte, auteur, structure, motif="", precision="") -> Prescription:
    exiger_carnet_ouvert(prescription)
    if not accepte and motif not in MotifRefus.values:
        raise RegleMetier("Choisissez le motif du refus.")
    now = timezone.now()
    _close(
        prescription,
        StatutPrescription.ACCEPTEE if accepte else StatutPrescription.REFUSEE,
        motif_refus="" if accepte else motif,
        precision_reponse=precision.strip(),
        repondue_le=now,
        repondue_par=auteur,
    )
    service = prescription.service
    if accepte and prescription.session_id:
        # One place less, never below zero (sessions without a count stay without one).
        SessionService.objects.filter(pk=prescription.session_id, places_restantes__gt=0).update(
            places_restantes=F("places_restantes") - 1
        )
    if accepte:
        resume = f"Prescription vers « {service.nom} » acceptée par {structure.nom}"
    else:
        resume = f"Prescription vers « {service.nom} » refusée par {structure.nom} : {MotifRefus(motif).label}"
    _event(prescription, resume, auteur, structure)
    notify(
        user=prescription.prescripteur,
        departement_id=prescription.departement_id,
        titre="Réponse à votre prescription",
        message=resume + ".",
        lien=reverse("offre:carnet_prescriptions", kwargs={"uid": prescription.carnet.uid}),
        cle=f"prescription:{prescription.uid}:reponse",
    )
    return prescription


@transaction.atomic
def prescription_cancel(*, prescription, auteur, structure) -> Prescription:
    _close(prescription, StatutPrescription.ANNULEE, cloturee_le=timezone.now())
    _event(prescription, f"Prescription vers « {prescription.service.nom} » annulée", auteur, structure)
    for user in _receivers(prescription):
        notify(
            user=user,
            departement_id=prescription.departement_id,
            titre="Prescription annulée",
            message=f"La prescription vers « {prescription.service.nom} » a été annulée par le prescripteur.",
            lien=reverse("offre:prescription_recue", kwargs={"uid": prescription.uid}),
            cle=f"prescription:{prescription.uid}:annulee",
        )
    return prescription


# --- Reminders and expiry (beat) ----------------------------------------------------------------------


def _pending(now, age):
    return (
        Prescription.objects.filter(statut=StatutPrescription.EN_ATTENTE, created_at__lte=now - age)
        .select_related("service", "carnet", "structure_destinataire", "prescripteur")
        .order_by("created_at", "pk")
    )


def _each_departement(step, now):
    done = 0
    for departement in Departement.objects.actifs():
        with departement_scope(departement):
            done += step(now)
    return done


def prescriptions_remind(*, now=None) -> int:
    """Remind the receiving structure of every prescription still unanswered after 10 days (once each)."""
    return _each_departement(_remind, now or timezone.now())


def _remind(now):
    done = 0
    for prescription in _pending(now, RELANCE_APRES).filter(relancee_le=None):
        with transaction.atomic():
            claimed = Prescription.objects.filter(
                pk=prescription.pk, statut=StatutPrescription.EN_ATTENTE, relancee_le=None
            ).update(relancee_le=now)
            if not claimed:
                continue
            envoi = formats.date_format(timezone.localtime(prescription.created_at), "d/m/Y")
            _event(prescription, f"Relance : la prescription du {envoi} attend toujours une réponse")
            receivers = _receivers(prescription)
            lien = reverse("offre:prescription_recue", kwargs={"uid": prescription.uid})
            for user in receivers:
                notify(
                    user=user,
                    departement_id=prescription.departement_id,
                    titre="Prescription en attente de réponse",
                    message=f"Une prescription vers « {prescription.service.nom} » attend votre réponse depuis le "
                    f"{envoi}.",
                    lien=lien,
                    cle=f"prescription:{prescription.uid}:relance",
                )
            _mail(
                receivers,
                f"{settings.EMAIL_SUBJECT_PREFIX}Une prescription attend votre réponse",
                "offre/emails/relance.txt",
                {
                    "prescription": prescription,
                    "envoi": envoi,
                    "lien": _url("offre:prescription_recue", uid=prescription.uid),
                },
            )
            done += 1
    return done


def prescriptions_expire(*, now=None) -> int:
    """Close every prescription still unanswered after 30 days (once each) and tell the prescriber."""
    return _each_departement(_expire, now or timezone.now())


def _expire(now):
    done = 0
    for prescription in _pending(now, EXPIRATION_APRES):
        with transaction.atomic():
            claimed = Prescription.objects.filter(pk=prescription.pk, statut=StatutPrescription.EN_ATTENTE).update(
                statut=StatutPrescription.EXPIREE, cloturee_le=now
            )
            if not claimed:
                continue
            prescription.statut, prescription.cloturee_le = StatutPrescription.EXPIREE, now
            _changed(prescription, ["statut", "cloturee_le"])
            service = prescription.service
            _event(prescription, f"Prescription vers « {service.nom} » expirée sans réponse après 30 jours")
            notify(
                user=prescription.prescripteur,
                departement_id=prescription.departement_id,
                titre="Prescription expirée",
                message=f"La prescription vers « {service.nom} » a expiré sans réponse de la structure.",
                lien=reverse("offre:carnet_prescriptions", kwargs={"uid": prescription.carnet.uid}),
                cle=f"prescription:{prescription.uid}:expiree",
            )
            _mail(
                [prescription.prescripteur],
                f"{settings.EMAIL_SUBJECT_PREFIX}Une prescription a expiré sans réponse",
                "offre/emails/expiration.txt",
                {
                    "prescription": prescription,
                    "lien": _url("offre:carnet_prescriptions", uid=prescription.carnet.uid),
                },
            )
            done += 1
    return done
