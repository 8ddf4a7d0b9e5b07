"""The end of an accompaniment: the exit and its closing review, the check-ins after an exit into work, closing
the carnet and reopening it.

- `sortie_create`: the exit (date, reason) with its review (objectives reached, what helped, the person's words).
  An exit into work plans check-ins at the département's months (`Departement.suivi_sortie_mois`, 1, 3 and 6 by
  default) and keeps the carnet open for them; any other exit closes the carnet at once.
- `point_de_suivi_enregistrer`: a check-in (date, still in work?, note); the last one closes the carnet.
- `carnet_cloturer`: the carnet becomes read-only (`carnet.decorators.carnet_view` refuses every write) and leaves
  the working lists ("Ma journée", the portfolios).
- `carnet_rouvrir`: by hand (référent or admin, with a reason), or by the CAF/MSA flux on a new RSA entry
  (`carnets_rouvrir_nouvelle_entree`). The exit stays in the history, marked as undone by the reopening.

Each step records a timeline event. The review's free text never enters the timeline.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone

from carnet.models import Carnet, EtatDroitRsa, PointDeSuivi, Sortie, TypeEvenement
from carnet.models.parcours import MOTIFS_SORTIE_VERS_EMPLOI
from carnet.services.base import CARNET_CLOS, CarnetClos, RegleMetier, evenement_record
from spie.dates import add_months


def _date(jour):
    return formats.date_format(jour, "d/m/Y")


def _lock(carnet) -> Carnet:
    """The carnet's row, locked for this transaction: a closing and a reopening never interleave."""
    return Carnet.objects.select_for_update(of=("self",)).get(pk=carnet.pk)


def exiger_carnet_ouvert(carnet) -> None:
    if carnet.cloture_le is not None:
        raise CarnetClos(CARNET_CLOS)


def sortie_en_suivi(carnet):
    """The exit into work whose check-ins are still to be done (None if there is none)."""
    a_faire = PointDeSuivi.objects.filter(sortie=OuterRef("pk"), realise_le__isnull=True)
    return (
        Sortie.objects.filter(Exists(a_faire), carnet=carnet, rouverte_le__isnull=True)
        .order_by("-date_sortie", "-pk")
        .first()
    )


@transaction.atomic
def sortie_create(*, carnet, data, auteur, structure, objectifs_atteints=()) -> Sortie:
    """Record the end of the accompaniment with its review. The date cannot be in the future (an exit is a fact);
    the objectives reached must be the carnet's own."""
    verrouille = _lock(carnet)
    exiger_carnet_ouvert(verrouille)
    if data["date_sortie"] > timezone.localdate():
        raise RegleMetier("La date de sortie ne peut pas être dans le futur.")
    if sortie_en_suivi(carnet) is not None:
        raise RegleMetier(
            "Une sortie vers l'emploi est déjà en cours de suivi : enregistrez ses points de suivi avant une "
            "nouvelle sortie."
        )
    objectifs = list(objectifs_atteints)
    if any(objectif.axe.carnet_id != carnet.pk for objectif in objectifs):
        raise RegleMetier("Les objectifs atteints doivent être ceux du plan d'action de cette personne.")
    vers_emploi = data["motif"] in MOTIFS_SORTIE_VERS_EMPLOI
    sortie = Sortie.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        auteur=auteur,
        structure=structure,
        suivi_dans_emploi=vers_emploi,
        **data,
    )
    if objectifs:
        sortie.objectifs_atteints.set(objectifs)
    resume = f"Sortie du parcours le {_date(sortie.date_sortie)} : {sortie.get_motif_display()}"
    if objectifs:
        pluriel = "s" if len(objectifs) > 1 else ""
        resume += f" ; {len(objectifs)} objectif{pluriel} atteint{pluriel}"
    if vers_emploi:
        mois = sorted(set(carnet.departement.suivi_sortie_mois))
        PointDeSuivi.objects.bulk_create(
            [
                PointDeSuivi(
                    departement_id=carnet.departement_id,
                    sortie=sortie,
                    carnet=carnet,
                    mois=m,
                    echeance=add_months(sortie.date_sortie, m),
                )
                for m in mois
            ]
        )
        resume += f" (suivi poursuivi dans l'emploi : points à {_liste_mois(mois)} mois)"
    evenement_record(
        carnet=carnet, type=TypeEvenement.SORTIE, resume=resume, auteur=auteur, structure=structure, obj=sortie
    )
    if not vers_emploi:
        _cloturer(verrouille, carnet, sortie=sortie, auteur=auteur, structure=structure)
    return sortie


def _liste_mois(mois):
    textes = [str(m) for m in mois]
    return textes[0] if len(textes) == 1 else f"{', '.join(textes[:-1])} et {textes[-1]}"


@transaction.atomic
def point_de_suivi_enregistrer(*, point, data, auteur, structure) -> PointDeSuivi:
    """Record a check-in after an exit into work: when it was done, whether the person is still in work (unknown
    allowed: not reached), a note. The last check-in of the exit closes the carnet."""
    carnet = _lock(point.carnet)
    exiger_carnet_ouvert(carnet)
    point = PointDeSuivi.objects.select_for_update(of=("self",)).select_related("sortie").get(pk=point.pk)
    if point.realise_le is not None:
        raise RegleMetier("Ce point de suivi est déjà enregistré.")
    if point.sortie.rouverte_le is not None:
        raise RegleMetier("Cette sortie a été annulée par une réouverture du carnet : plus de point de suivi à faire.")
    if data["realise_le"] > timezone.localdate():
        raise RegleMetier("La date du point de suivi ne peut pas être dans le futur.")
    if data["realise_le"] < point.sortie.date_sortie:
        raise RegleMetier("Le point de suivi ne peut pas précéder la date de sortie.")
    point.realise_le = data["realise_le"]
    point.toujours_en_emploi = data["toujours_en_emploi"]
    point.note = data.get("note", "")
    point.auteur = auteur
    point.save(update_fields=["realise_le", "toujours_en_emploi", "note", "auteur"])
    emploi = {True: "toujours en emploi", False: "n'est plus en emploi", None: "situation inconnue"}
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.SUIVI_SORTIE,
        resume=f"Point de suivi à {point.mois} mois fait le {_date(point.realise_le)} : "
        f"{emploi[point.toujours_en_emploi]}",
        auteur=auteur,
        structure=structure,
        obj=point,
    )
    if not PointDeSuivi.objects.filter(sortie=point.sortie, realise_le__isnull=True).exists():
        _cloturer(carnet, point.carnet, sortie=point.sortie, auteur=auteur, structure=structure)
    return point


def _cloturer(verrouille, carnet, *, sortie, auteur, structure):
    now = timezone.now()
    Carnet.objects.filter(pk=verrouille.pk).update(cloture_le=now, version=verrouille.version + 1)
    carnet.cloture_le = verrouille.cloture_le = now
    carnet.version = verrouille.version = verrouille.version + 1
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.CLOTURE,
        resume=f"Carnet clos après la sortie du {_date(sortie.date_sortie)} ({sortie.get_motif_display().lower()})",
        auteur=auteur,
        structure=structure,
        obj=sortie,
    )


@transaction.atomic
def carnet_rouvrir(*, carnet, motif, auteur=None, structure=None) -> Carnet:
    """Reopen a closed carnet (a new RSA entry, or by hand with a reason): the latest exit is marked as undone,
    its check-ins left to do are dropped from every list, and the carnet can be written again."""
    verrouille = _lock(carnet)
    if verrouille.cloture_le is None:
        raise RegleMetier("Ce carnet n'est pas clos.")
    motif = (motif or "").strip()
    if not motif:
        raise RegleMetier("Indiquez le motif de la réouverture.")
    now = timezone.now()
    sortie = Sortie.objects.filter(carnet=carnet, rouverte_le__isnull=True).order_by("-date_sortie", "-pk").first()
    if sortie is not None:
        Sortie.objects.filter(pk=sortie.pk).update(rouverte_le=now, motif_reouverture=motif[:255])
    Carnet.objects.filter(pk=verrouille.pk).update(cloture_le=None, version=verrouille.version + 1)
    carnet.cloture_le = None
    carnet.version = verrouille.version + 1
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.REOUVERTURE,
        resume=f"Carnet rouvert : {motif}",
        auteur=auteur,
        structure=structure,
        obj=sortie,
    )
    return carnet


MOTIF_NOUVELLE_ENTREE = "nouvelle entrée au RSA (flux {organisme})"
DROITS_OUVERTS = (
    EtatDroitRsa.DEMANDE_EN_ATTENTE,
    EtatDroitRsa.OUVERT_VERSABLE,
    EtatDroitRsa.OUVERT_SUSPENDU,
    EtatDroitRsa.OUVERT_VERSEMENT_SUSPENDU,
)


def est_nouvelle_entree_rsa(*, avant_entree, avant_etat, beneficiaire) -> bool:
    """A new RSA right opens for a known person: the right is (again) open or requested, and either its entry date
    moved forward (a new demand) or it was refused or closed before."""
    if beneficiaire.etat_droit_rsa not in DROITS_OUVERTS:
        return False
    entree = beneficiaire.date_entree_rsa
    nouvelle_date = entree is not None and (avant_entree is None or entree > avant_entree)
    return nouvelle_date or avant_etat not in DROITS_OUVERTS


def carnets_rouvrir_nouvelle_entree(*, departement_id, beneficiaire_ids, organisme="CAF/MSA") -> int:
    """The CAF/MSA flux saw a new RSA right open for these known people: reopen those whose carnet is closed.
    Returns how many were reopened (a handful a month: one by one, each with its event)."""
    carnets = list(
        Carnet.objects.clos().filter(departement_id=departement_id, beneficiaire_id__in=list(beneficiaire_ids))
    )
    for carnet in carnets:
        carnet_rouvrir(carnet=carnet, motif=MOTIF_NOUVELLE_ENTREE.format(organisme=organisme))
    return len(carnets)


__all__ = [
    "CARNET_CLOS",
    "carnet_rouvrir",
    "carnets_rouvrir_nouvelle_entree",
    "est_nouvelle_entree_rsa",
    "exiger_carnet_ouvert",
    "point_de_suivi_enregistrer",
    "sortie_create",
    "sortie_en_suivi",
]
