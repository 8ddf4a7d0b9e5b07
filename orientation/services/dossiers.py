"""Dossiers of the queue: opening (taking or assigning a person), convocations and attendance."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone

from carnet.models import Carnet, ModeRendezVous, StatutRendezVous
from carnet.services import RegleMetier, rendez_vous_create, rendez_vous_update
from orientation import workflow
from orientation.models import Convocation, DossierOrientation
from orientation.queue import est_dans_la_file
from orientation.services.base import evenement, lock, notifier, url
from orientation.services.echeances import horloge_initiale
from spie.outbox import enqueue


@transaction.atomic
def dossier_open(*, carnet, charge, auteur, structure) -> DossierOrientation:
    """Open the person's dossier (status "à convoquer"), followed by `charge` (may be None)."""
    Carnet.objects.select_for_update(of=("self",)).filter(pk=carnet.pk).first()
    existant = DossierOrientation.objects.ouverts().filter(carnet=carnet).select_related("charge_orientation").first()
    if existant is not None:
        suivi = f", suivi par {existant.charge_orientation.get_full_name()}" if existant.charge_orientation else ""
        raise RegleMetier(f"Cette personne a déjà un dossier d'orientation ouvert{suivi}.")
    if not est_dans_la_file(carnet):
        raise RegleMetier(
            "Cette personne n'attend pas d'orientation : elle est déjà orientée ou accompagnée, ou son droit au "
            "RSA n'est pas ouvert. Pour changer son orientation, son référent demande une réorientation."
        )
    dossier = DossierOrientation.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        charge_orientation=charge,
        date_entree_rsa=carnet.beneficiaire.date_entree_rsa,
        **horloge_initiale(carnet, carnet.departement),
    )
    suivi = f", suivi par {charge.get_full_name()}" if charge else ""
    evenement(carnet=carnet, resume=f"Dossier d'orientation ouvert{suivi}", auteur=auteur, structure=structure)
    _notify_charge(dossier, charge, auteur)
    return dossier


@transaction.atomic
def dossier_assign(*, dossier, charge, auteur, structure) -> DossierOrientation:
    """Hand the dossier to `charge` (taking it is assigning it to oneself)."""
    dossier = lock(dossier)
    if not dossier.est_ouvert:
        raise RegleMetier("Ce dossier d'orientation est clos : la décision est prise.")
    if dossier.charge_orientation_id == charge.pk:
        return dossier
    DossierOrientation.objects.filter(pk=dossier.pk).update(charge_orientation=charge, updated_at=timezone.now())
    dossier.charge_orientation = charge
    evenement(
        carnet=dossier.carnet,
        resume=f"Dossier d'orientation suivi par {charge.get_full_name()}",
        auteur=auteur,
        structure=structure,
        obj=dossier,
    )
    _notify_charge(dossier, charge, auteur)
    return dossier


def _notify_charge(dossier, charge, auteur):
    if charge is None:
        return
    notifier(
        [charge],
        sauf=auteur,
        titre="Une personne vous est confiée pour son orientation",
        message=f"{dossier.carnet.beneficiaire.nom_complet} attend son entretien d'orientation.",
        cle=f"orientation:dossier:{dossier.uid}:charge:{charge.pk}",
        lien=url("dossier", uid=dossier.uid),
        departement_id=dossier.departement_id,
    )


CONVOCATION_FIELDS = ["date_heure", "duree_minutes", "mode", "lieu"]


@transaction.atomic
def convocation_create(*, dossier, data, envoyer_courriel, auteur, structure) -> Convocation:
    """Convoke the person to the interview: a carnet appointment (not an accompaniment one), the
    convocation, and — after the commit — the e-mail with the letter when asked and an address is known."""
    dossier = lock(dossier)
    carnet = dossier.carnet
    if data["mode"] == ModeRendezVous.SUR_PLACE and not data.get("lieu", "").strip():
        raise RegleMetier("Indiquez le lieu de l'entretien : la personne doit savoir où se présenter.")
    if data["date_heure"] < timezone.now():
        raise RegleMetier("La date de l'entretien est passée : choisissez une date à venir.")
    today = timezone.localdate()
    workflow.transition(
        dossier,
        workflow.CONVOQUER,
        date_premier_contact=dossier.date_premier_contact or today,
        charge_orientation=dossier.charge_orientation or auteur,
    )
    rendez_vous = rendez_vous_create(
        carnet=carnet,
        data={
            **{name: data[name] for name in CONVOCATION_FIELDS if name in data},
            "professionnel": dossier.charge_orientation,
            "structure": structure,
            "objet": "Entretien d'orientation",
            "est_accompagnement": False,
        },
        auteur=auteur,
        structure=structure,
    )
    numero = (Convocation.objects.filter(dossier=dossier).aggregate(n=Max("numero"))["n"] or 0) + 1
    convocation = Convocation.objects.create(
        departement_id=dossier.departement_id,
        dossier=dossier,
        rendez_vous=rendez_vous,
        numero=numero,
        courriel_demande=bool(envoyer_courriel and carnet.beneficiaire.courriel),
        created_by=auteur,
    )
    quand = formats.date_format(timezone.localtime(rendez_vous.date_heure), "d/m/Y à H:i")
    evenement(
        carnet=carnet,
        resume=f"Convocation n° {numero} à l'entretien d'orientation du {quand}",
        auteur=auteur,
        structure=structure,
        obj=convocation,
    )
    if convocation.courriel_demande:
        from orientation.tasks import envoyer_convocation

        enqueue(envoyer_convocation, convocation.pk, dossier.departement_id)
    return convocation


PRESENCES = {
    StatutRendezVous.PRESENT: workflow.PRESENT,
    StatutRendezVous.EXCUSE: workflow.EXCUSE,
    StatutRendezVous.ABSENT: workflow.ABSENT,
}


@transaction.atomic
def convocation_record_attendance(*, convocation, statut, auteur, structure) -> DossierOrientation:
    """Present: the interview starts (its date is a milestone); excused or absent: the person is to be
    convoked again. Only the dossier's latest convocation, once its day has come."""
    if statut not in PRESENCES:
        raise RegleMetier("Indiquez si la personne était présente, excusée ou absente.")
    dossier = lock(convocation.dossier)
    derniere = Convocation.objects.filter(dossier=dossier).order_by("-numero").first()
    if derniere is None or derniere.pk != convocation.pk:
        raise RegleMetier("Seule la dernière convocation du dossier peut être renseignée.")
    rendez_vous = (
        type(convocation.rendez_vous).objects.select_for_update(of=("self",)).get(pk=convocation.rendez_vous_id)
    )
    jour = timezone.localtime(rendez_vous.date_heure).date()
    if jour > timezone.localdate():
        raise RegleMetier(f"L'entretien du {jour:%d/%m/%Y} n'a pas encore eu lieu : la présence se note le jour venu.")
    fields = {}
    if statut == StatutRendezVous.PRESENT:
        fields = {"date_entretien": jour, "date_premier_contact": dossier.date_premier_contact or jour}
    workflow.transition(dossier, PRESENCES[statut], **fields)
    rendez_vous_update(
        rendez_vous=rendez_vous,
        data={"statut": statut},
        version=rendez_vous.version,
        auteur=auteur,
        structure=structure,
    )
    libelle = {StatutRendezVous.PRESENT: "présente", StatutRendezVous.EXCUSE: "excusée"}.get(statut, "absente")
    suite = "" if statut == StatutRendezVous.PRESENT else " : nouvelle convocation à prévoir"
    evenement(
        carnet=dossier.carnet,
        resume=f"Entretien d'orientation du {jour:%d/%m/%Y} : personne {libelle}{suite}",
        auteur=auteur,
        structure=structure,
        obj=convocation,
    )
    return dossier


def dossier_delais(dossier) -> list[tuple[str, datetime.date | None, int | None]]:
    """The milestones of the dossier with the days elapsed since RSA entry (exact, from stored dates)."""
    debut = dossier.date_entree_rsa
    jalons = [
        ("Entrée au RSA", dossier.date_entree_rsa),
        ("Premier contact", dossier.date_premier_contact),
        ("Entretien d'orientation", dossier.date_entretien),
        ("Décision d'orientation", dossier.date_decision),
        ("Premier rendez-vous d'accompagnement", dossier.date_premier_rdv_accompagnement),
    ]
    return [(label, date, (date - debut).days if date and debut else None) for label, date in jalons]
