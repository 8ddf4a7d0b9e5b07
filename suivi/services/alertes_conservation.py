"""Warning before a carnet is anonymised (retention reached: carnet/services/conservation.py).

One alert per carnet and due date (`Alerte`, key = the due date YYYYMMDD): the référent is told once; a justification
moves the due date, and the next due date is warned again. Without an active référent, the département's admins
are told. One notification (and one e-mail unless "jamais") per recipient and run.
"""

from django.urls import reverse

from carnet.models import Carnet
from spie.models import User
from spie.notifications import notify
from suivi import outbox
from suivi.models import Alerte, Canal, FrequenceCourriel, TypeAlerte
from suivi.services.alertes import referent_sinon_admins
from suivi.services.base import lien_absolu, preferences_de, verrou


def alertes_conservation_envoyer(*, departement, echeances, wet_run=True) -> int:
    """`echeances`: {carnet id: due date}. Returns the alerts recorded (dry run: that would be)."""
    cles = {pk: f"{jour:%Y%m%d}" for pk, jour in echeances.items()}
    if wet_run:
        verrou("alerte-conservation", departement.pk)
    deja = set(
        Alerte.objects.filter(type=TypeAlerte.CONSERVATION, carnet_id__in=list(cles)).values_list(
            "carnet_id", "semaine"
        )
    )
    nouvelles = {pk: cle for pk, cle in cles.items() if (pk, cle) not in deja}
    if not wet_run or not nouvelles:
        return len(nouvelles)
    Alerte.objects.bulk_create(
        [
            Alerte(departement_id=departement.pk, type=TypeAlerte.CONSERVATION, carnet_id=pk, semaine=cle)
            for pk, cle in nouvelles.items()
        ]
    )
    par_destinataire = referent_sinon_admins(nouvelles)
    _envoyer(departement=departement, par_destinataire=par_destinataire, echeances=echeances)
    return len(nouvelles)


def _envoyer(*, departement, par_destinataire, echeances):
    users = {u.pk: u for u in User.objects.filter(pk__in=par_destinataire, is_active=True)}
    preferences = preferences_de(users)
    carnets = {c.pk: c for c in Carnet.objects.filter(pk__in=echeances).select_related("beneficiaire")}
    for user_id, carnet_ids in sorted(par_destinataire.items()):
        user = users.get(user_id)
        if user is None:
            continue
        lignes = [
            f"- {carnets[pk].beneficiaire.nom_complet} : le {echeances[pk]:%d/%m/%Y} — "
            f"{lien_absolu(reverse('carnet:conservation_justifier', kwargs={'uid': carnets[pk].uid}))}"
            for pk in carnet_ids
        ]
        nombre = len(lignes)
        titre = f"{nombre} carnet{'s' if nombre > 1 else ''} bientôt anonymisé{'s' if nombre > 1 else ''}"
        corps = (
            f"Bonjour {user.first_name},\n\n"
            "La durée de conservation fixée par le Département arrive à son terme pour ces carnets, sans activité "
            "récente. Ils seront anonymisés à la date indiquée, sauf si vous justifiez leur conservation :\n\n"
            + "\n".join(lignes)
            + "\n"
        )
        premiere = min(echeances[pk] for pk in carnet_ids)
        cle = f"alerte:conservation:{departement.code}:{min(carnet_ids)}:{premiere:%Y%m%d}"
        premier = carnets[carnet_ids[0]]
        notify(
            user=user,
            titre=titre,
            message=corps,
            cle=cle,
            lien=reverse("carnet:conservation_justifier", kwargs={"uid": premier.uid}),
            departement_id=departement.pk,
        )
        if preferences.get(user.pk, FrequenceCourriel.HEBDOMADAIRE) != FrequenceCourriel.JAMAIS:
            outbox.mettre_en_file(
                departement_id=departement.pk,
                canal=Canal.EMAIL,
                destinataire=user.email,
                sujet=titre,
                corps=corps,
                cle=f"{cle}:{user.uid}",
            )
