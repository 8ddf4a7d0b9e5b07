"""The legal clock's writes: recording the day the information was received (a transfer restarts the clock)
and, every day, handing to France Travail the people not oriented by the deadline (see `orientation.horloge`)."""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from carnet.models import Carnet
from carnet.services import RegleMetier
from orientation import horloge, workflow
from orientation.models import (
    DossierOrientation,
    Orientation,
    OrigineInformation,
    SourceInformation,
    StatutDossier,
    StatutOrientation,
)
from orientation.queue import est_dans_la_file, file_queryset
from orientation.services.base import evenement, lock


def horloge_initiale(carnet, departement) -> dict:
    """The clock fields of a dossier opened from the queue without a recorded date."""
    reception = horloge.reception_par_defaut(carnet)
    return {
        "date_reception_information": reception,
        "origine_information": OrigineInformation.OUVERTURE,
        "source_information": SourceInformation.CARNET,
        "date_limite_orientation": horloge.date_limite(reception, departement),
    }


@transaction.atomic
def information_recevoir(
    *, carnet, departement, date_reception: datetime.date, origine, source, auteur=None, structure=None
) -> DossierOrientation:
    """Record the day the département received the right-opening or transfer information and (re)start the
    legal clock on the person's open dossier, opening one when there is none.

    A transfer into the département restarts the clock, also for a person France Travail was orienting or who
    had been oriented: a new dossier opens. An opening is recorded only for a person of the queue."""
    if origine not in OrigineInformation.values:
        raise RegleMetier("Indiquez s'il s'agit d'une ouverture de droit ou d'un transfert.")
    if source not in SourceInformation.values:
        raise RegleMetier("Source de l'information inconnue.")
    if date_reception is None:
        raise RegleMetier("Indiquez la date de réception de l'information.")
    if date_reception > timezone.localdate():
        raise RegleMetier("La date de réception de l'information ne peut pas être dans le futur.")
    Carnet.objects.select_for_update(of=("self",)).filter(pk=carnet.pk).first()
    limite = horloge.date_limite(date_reception, departement)
    clock = {
        "date_reception_information": date_reception,
        "origine_information": origine,
        "source_information": source,
        "date_limite_orientation": limite,
    }
    dossier = DossierOrientation.objects.ouverts().filter(carnet=carnet).first()
    if dossier is not None:
        dossier = lock(dossier)
        DossierOrientation.objects.filter(pk=dossier.pk).update(**clock, updated_at=timezone.now())
        for name, value in clock.items():
            setattr(dossier, name, value)
    else:
        if origine == OrigineInformation.OUVERTURE and not est_dans_la_file(carnet):
            raise RegleMetier(
                "Cette personne n'attend pas d'orientation : elle est déjà orientée, accompagnée ou orientée par "
                "France Travail. Seul un transfert depuis un autre département fait repartir le délai."
            )
        dossier = DossierOrientation.objects.create(
            departement_id=carnet.departement_id,
            carnet=carnet,
            date_entree_rsa=carnet.beneficiaire.date_entree_rsa,
            **clock,
        )
    libelle = "transfert du droit" if origine == OrigineInformation.TRANSFERT else "ouverture du droit"
    evenement(
        carnet=carnet,
        resume=f"Information de {libelle} reçue le {date_reception:%d/%m/%Y} : orientation à décider au plus tard "
        f"le {limite:%d/%m/%Y}",
        auteur=auteur,
        structure=structure,
        obj=dossier,
    )
    return dossier


def _verrou(departement_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"orientation:france_travail:{departement_id}"])


@transaction.atomic
def orientations_france_travail_enregistrer(*, departement, jour=None) -> int:
    """Every person of the queue whose legal deadline is past passes to France Travail: their open dossier
    moves to "orientation par France Travail" (a pending proposal becomes caduque), or one is recorded in that
    state when nobody had taken them. The date recorded is the day after the deadline, whenever the task runs.
    Idempotent: those people leave the queue, so a second run finds nobody. Returns the number recorded."""
    _verrou(departement.pk)
    today = jour or timezone.localdate()
    rows = list(
        file_queryset(departement).filter(date_limite__lt=today).values_list("pk", "date_reception", "date_limite")
    )
    if not rows:
        return 0
    carnets = Carnet.objects.select_related("beneficiaire").in_bulk([pk for pk, _, _ in rows])
    ouverts = {d.carnet_id: d for d in DossierOrientation.objects.ouverts().filter(carnet_id__in=carnets)}
    for carnet_id, reception, limite in rows:
        carnet = carnets[carnet_id]
        jour_ft = horloge.jour_france_travail(limite)
        dossier = ouverts.get(carnet_id)
        if dossier is None:
            dossier = DossierOrientation.objects.create(
                departement_id=carnet.departement_id,
                carnet=carnet,
                statut=StatutDossier.ORIENTE_FRANCE_TRAVAIL,
                date_entree_rsa=carnet.beneficiaire.date_entree_rsa,
                date_reception_information=reception,
                origine_information=OrigineInformation.OUVERTURE,
                source_information=SourceInformation.CARNET,
                date_limite_orientation=limite,
                date_orientation_france_travail=jour_ft,
            )
        else:
            dossier = lock(dossier)
            for proposition in Orientation.objects.filter(dossier=dossier, statut=StatutOrientation.PROPOSEE):
                workflow.transition(proposition, workflow.DELAI_DEPASSE)
            workflow.transition(
                dossier,
                workflow.DELAI_DEPASSE,
                date_reception_information=reception,
                date_limite_orientation=limite,
                date_orientation_france_travail=jour_ft,
            )
        evenement(
            carnet=carnet,
            resume=f"Délai légal d'orientation dépassé le {limite:%d/%m/%Y} : France Travail oriente la personne "
            f"depuis le {jour_ft:%d/%m/%Y}",
            obj=dossier,
        )
    return len(rows)
