"""The follow-up app's part of a person's anonymisation (called by carnet.services.anonymisation only).

Alerts and questionnaires keep their kind and month (statistics). Messages are not linked to the carnet by a key:
those sent to the person's phone or e-mail, or naming them (an alert e-mail lists names), lose their address and
text at once, as the 30-day purge (`suivi.outbox.messages_expurger`) would; one not sent yet is cancelled.
"""

from django.db.models import Q
from django.utils import timezone

from spie.anonymisation import effacer
from suivi.models import Alerte, Message, Questionnaire, StatutMessage


def _messages(*, contacts, noms):
    condition = Q(pk__in=[])
    for contact in contacts:
        condition |= Q(destinataire__iexact=contact)
    for nom in noms:
        condition |= Q(corps__icontains=nom) | Q(sujet__icontains=nom)
    return Message.objects.filter(condition)


def anonymiser(*, carnet, contacts, noms) -> dict[str, int]:
    alertes = effacer(Alerte.objects.filter(carnet=carnet), mois=["created_at"])
    questionnaires = effacer(
        Questionnaire.objects.filter(carnet=carnet), mois=["envoye_le", "expire_le", "repondu_le", "created_at"]
    )
    messages = _messages(contacts=contacts, noms=noms)
    messages.filter(statut__in=[StatutMessage.A_ENVOYER, StatutMessage.EN_COURS]).update(
        statut=StatutMessage.ECHEC, erreur="Annulé : la personne a été anonymisée."
    )
    effaces = messages.update(destinataire="", sujet="", corps="", expurge_le=timezone.now())
    return {"suivi.alerte": alertes, "suivi.questionnaire": questionnaires, "suivi.message": effaces}


def supprimer(*, carnet, contacts, noms) -> dict[str, int]:
    """A person never accompanied: alerts and questionnaires go with the carnet (cascade); messages are emptied."""
    resultat = anonymiser(carnet=carnet, contacts=contacts, noms=noms)
    return {"suivi.message": resultat["suivi.message"]}
