"""The point sent to each professional about the people they follow in a département.

Weekly (on the rules' day) an in-app notification for every professional with something to report; e-mails
according to each user's preference: weekly on the same day, daily on working days, or never.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse

from carnet.models import MembreGroupe
from spie.models import Membership, User
from spie.notifications import notify
from suivi import outbox
from suivi.models import Canal, FrequenceCourriel
from suivi.services.base import (
    NOMS_MAXIMUM,
    aujourd_hui,
    preferences_de,
    regles_du_departement,
    rendre,
    semaine_iso,
)
from suivi.services.listes import listes_professionnel

logger = logging.getLogger(__name__)


@dataclass
class Rubrique:
    titre: str
    nombre: int
    noms: list = field(default_factory=list)
    autres: int = 0
    lien: str = ""


@dataclass
class Digest:
    rubriques: list

    @property
    def vide(self):
        return not any(r.nombre for r in self.rubriques)

    def resume(self):
        return " ; ".join(f"{r.titre} : {r.nombre}" for r in self.rubriques if r.nombre)


def digest_pour(*, user, regles, now=None) -> Digest:
    """What a professional should look at: the action lists of their "Ma journée" (the same functions), each
    with a link to the list on the home page."""
    accueil = reverse("spie:accueil")
    rubriques = [
        Rubrique(
            titre=liste.titre,
            nombre=liste.nombre,
            noms=[ligne.libelle for ligne in liste.lignes[:NOMS_MAXIMUM]],
            autres=liste.nombre - min(len(liste.lignes), NOMS_MAXIMUM),
            lien=f"{accueil}#liste-{liste.code}",
        )
        for liste in listes_professionnel(user=user, jours=regles.digest_sans_rdv_jours, now=now)
    ]
    return Digest(rubriques=rubriques)


def professionnels_a_informer():
    """Active users of the département who are in at least one follow-up group."""
    return (
        User.objects.filter(
            is_active=True,
            pk__in=MembreGroupe.objects.actifs().values("user_id"),
        )
        .filter(pk__in=Membership.objects.actifs().values("user_id"))
        .order_by("pk")
    )


def digests_envoyer(*, departement, jour=None) -> dict:
    """Create the notifications and queue the e-mails due today; idempotent by key (week, or day when daily)."""
    regles = regles_du_departement(departement)
    counts = {"notifications": 0, "courriels": 0}
    if not regles.digest_actif:
        return counts
    jour = aujourd_hui(jour)
    hebdomadaire = jour.weekday() == regles.digest_jour_semaine
    ouvre = jour.weekday() < 5
    if not (hebdomadaire or ouvre):
        return counts
    users = list(professionnels_a_informer())
    preferences = preferences_de(u.pk for u in users)
    semaine = semaine_iso(jour)
    for user in users:
        frequence = preferences.get(user.pk, FrequenceCourriel.HEBDOMADAIRE)
        courriel_du_jour = (frequence == FrequenceCourriel.HEBDOMADAIRE and hebdomadaire) or (
            frequence == FrequenceCourriel.QUOTIDIEN and ouvre
        )
        if not (hebdomadaire or courriel_du_jour):
            continue
        with transaction.atomic():
            digest = digest_pour(user=user, regles=regles)
            if digest.vide:
                continue
            base = f"digest:{departement.code}:{user.uid}"
            if hebdomadaire:
                before = user.notifications.filter(cle=f"{base}:{semaine}").exists()
                notify(
                    user=user,
                    titre="Votre point hebdomadaire sur les personnes suivies",
                    message=digest.resume(),
                    cle=f"{base}:{semaine}",
                    lien=reverse("spie:accueil"),
                    departement_id=departement.pk,
                )
                counts["notifications"] += not before
            if courriel_du_jour:
                quotidien = frequence == FrequenceCourriel.QUOTIDIEN
                context = {"user": user, "digest": digest, "departement": departement, "quotidien": quotidien}
                _, created = outbox.mettre_en_file(
                    departement_id=departement.pk,
                    canal=Canal.EMAIL,
                    destinataire=user.email,
                    sujet=(
                        "Votre point du jour sur les personnes suivies"
                        if quotidien
                        else "Votre point hebdomadaire sur les personnes suivies"
                    ),
                    corps=rendre("suivi/emails/digest.txt", context),
                    cle=f"{base}:{jour.isoformat() if quotidien else semaine}",
                )
                counts["courriels"] += created
    return counts
