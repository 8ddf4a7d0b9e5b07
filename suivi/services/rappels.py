"""Appointment reminders to the people accompanied: e-mail, and SMS when a number is known.

A person who already uses their own space gets a reminder that points to it (the date only: place,
structure and the answer "I will come" / "I cannot come" are behind their login); a person who never
logged in gets the details in the message, since a link they cannot open would leave them without the
place of their appointment.
"""

import datetime

from django.db.models import BooleanField, ExpressionWrapper
from django.urls import reverse
from django.utils import timezone

from carnet.models import ModeRendezVous, RendezVous, StatutRendezVous
from spie import telephones
from spie.dates import date_message
from suivi import outbox, sms
from suivi.models import Canal
from suivi.services.base import aujourd_hui, condition_espace, lien_absolu, regles_du_departement, rendre


def _debut_du_jour(jour):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def rendez_vous_a_rappeler(*, departement, jour=None):
    """Planned appointments from tomorrow to N days ahead (N: the rules); a reminder goes once per date.

    A window rather than the exact day N, so that an appointment set less than N days ahead is reminded
    too, at the next run.
    """
    regles = regles_du_departement(departement)
    if not regles.rappel_rdv_actif:
        return RendezVous.objects.none()
    jour = aujourd_hui(jour)
    debut = max(_debut_du_jour(jour + datetime.timedelta(days=1)), timezone.now())
    fin = _debut_du_jour(jour + datetime.timedelta(days=regles.rappel_rdv_jours + 1))
    return (
        RendezVous.objects.filter(statut=StatutRendezVous.PREVU, date_heure__gte=debut, date_heure__lt=fin)
        .select_related("carnet__beneficiaire", "structure")
        .annotate(espace=ExpressionWrapper(condition_espace("carnet__beneficiaire__"), output_field=BooleanField()))
        .order_by("date_heure", "pk")
    )


def _contexte(rdv):
    structure = rdv.structure
    lieu = rdv.lieu or ", ".join(filter(None, [structure.adresse, structure.code_postal]))
    return {
        "quand": date_message(rdv.date_heure),
        "duree": rdv.duree_minutes,
        "mode": rdv.mode,
        "mode_libelle": rdv.get_mode_display(),
        "lieu": lieu if rdv.mode == ModeRendezVous.SUR_PLACE else "",
        "structure": structure.nom,
        "telephone_structure": structure.telephone,
    }


def cle_rappel(rdv) -> str:
    """Per appointment and date: a moved appointment gets a new reminder, the same one never twice."""
    return f"rdv:{rdv.uid}:{rdv.date_heure.astimezone(datetime.UTC):%Y%m%dT%H%M}"


def rappels_rendez_vous_envoyer(*, departement, jour=None) -> int:
    """Queue the reminders due in the département; returns the number of messages newly queued.

    The text says when, how, where and with which structure — or, for a person who uses their space, when
    and where to look —: never the purpose of the appointment nor the professional's notes, which may be
    sensitive (a phone or a mailbox can be shared).
    """
    queued = 0
    for rdv in rendez_vous_a_rappeler(departement=departement, jour=jour):
        personne = rdv.carnet.beneficiaire
        context = _contexte(rdv)
        modele = "rappel_rdv"
        if getattr(rdv, "espace", False):
            modele = "rappel_rdv_espace"
            context["lien_espace"] = lien_absolu(reverse("usager:rendez_vous"))
        cle = cle_rappel(rdv)
        if personne.courriel:
            _, created = outbox.mettre_en_file(
                departement_id=departement.pk,
                canal=Canal.EMAIL,
                destinataire=personne.courriel,
                sujet=rendre("suivi/emails/rappel_rdv_sujet.txt", context),
                corps=rendre(f"suivi/emails/{modele}.txt", context),
                cle=cle,
            )
            queued += created
        if personne.telephone and sms.enabled() and telephones.sms_refusal(personne.telephone) is None:
            _, created = outbox.mettre_en_file(
                departement_id=departement.pk,
                canal=Canal.SMS,
                destinataire=personne.telephone,
                corps=rendre(f"suivi/emails/{modele}_sms.txt", context),
                cle=cle,
            )
            queued += created
    return queued
