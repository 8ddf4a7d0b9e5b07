"""The point sent to each professional about the people they follow in a département.

Weekly (on the rules' day) an in-app notification for every professional with something to report; e-mails
according to each user's preference: weekly on the same day, daily on working days, or never.
"""

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse

from carnet.models import Carnet, DemandeAdhesion, MembreGroupe, StatutDemande
from offre.models import Prescription, StatutPrescription
from spie.models import Membership, User
from spie.notifications import notify
from suivi import outbox
from suivi.models import Canal, FrequenceCourriel
from suivi.services.base import aujourd_hui, liste_noms, preferences_de, regles_du_departement, rendre, semaine_iso

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


def _portefeuille(filtre, jours=None):
    params = {"filtre": filtre, **({"jours": jours} if jours else {})}
    return f"{reverse('carnet:portefeuille')}?{urlencode(params)}"


def _rubrique_carnets(titre, carnets, lien):
    noms, autres = liste_noms(carnets)
    return Rubrique(titre=titre, nombre=len(noms) + autres, noms=noms, autres=autres, lien=lien)


def digest_pour(*, user, regles) -> Digest:
    """What a professional should look at: the people they follow in the active département."""
    suivis = Carnet.objects.suivis_par(user).select_related("beneficiaire")
    suivis = suivis.order_by("beneficiaire__nom_usage", "beneficiaire__prenoms", "pk")
    jours = regles.digest_sans_rdv_jours
    rubriques = [
        _rubrique_carnets(
            f"Personnes sans rendez-vous depuis {jours} jours",
            suivis.portefeuille("sans_rdv", jours),
            _portefeuille("sans_rdv", jours),
        ),
        _rubrique_carnets(
            "Contrats se terminant dans les 30 jours",
            suivis.portefeuille("fin_contrat"),
            _portefeuille("fin_contrat"),
        ),
        _rubrique_carnets(
            "Personnes sans contrat en cours",
            suivis.portefeuille("sans_contrat"),
            _portefeuille("sans_contrat"),
        ),
    ]
    comme_referent = MembreGroupe.objects.referents().filter(user=user).values("carnet_id")
    demandes = DemandeAdhesion.objects.filter(statut=StatutDemande.EN_ATTENTE, carnet_id__in=comme_referent)
    rubriques.append(
        Rubrique(
            titre="Demandes d'adhésion à vos groupes de suivi en attente",
            nombre=demandes.count(),
            lien=reverse("carnet:portefeuille"),
        )
    )
    prescriptions = Prescription.objects.filter(statut=StatutPrescription.EN_ATTENTE, carnet_id__in=comme_referent)
    rubriques.append(
        Rubrique(
            titre="Prescriptions en attente de réponse",
            nombre=prescriptions.count(),
            lien=reverse("carnet:portefeuille"),
        )
    )
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
                    lien=reverse("carnet:portefeuille"),
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
