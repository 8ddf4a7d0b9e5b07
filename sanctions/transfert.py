"""The sanctions' part of a transfer between départements (called by carnet.services.transfert only).

A carnet with an open sanction file is not transferred (`dossier_ouvert`): the sending département's decision
must be taken or the file closed first. Closed files move with the carnet: the scale of a later sanction counts
the earlier breaches (`sanctions.bareme`), whichever département decided them.
"""

from sanctions.etats import ETATS_OUVERTS, ETATS_SEANCE_VIVANTS
from sanctions.models import (
    DossierManquement,
    EtapeDossier,
    MouvementPayeur,
    ObservationDossier,
    PassageEquipe,
    PieceDossier,
    PropositionPartenaire,
)


def dossier_ouvert(carnet) -> bool:
    """An open sanction file, or a place on the agenda of an équipe pluridisciplinaire's session still to be held:
    the sending département finishes what it started before the person leaves."""
    if DossierManquement.objects.filter(carnet=carnet, etat__in=ETATS_OUVERTS).exists():
        return True
    return PassageEquipe.objects.filter(carnet=carnet, seance__etat__in=ETATS_SEANCE_VIVANTS).exists()


def transferer(*, carnet, vers) -> dict[str, int]:
    return {
        "sanctions.etapedossier": EtapeDossier.objects.filter(dossier__carnet=carnet).update(departement_id=vers.pk),
        "sanctions.observationdossier": ObservationDossier.objects.filter(dossier__carnet=carnet).update(
            departement_id=vers.pk
        ),
        "sanctions.piecedossier": PieceDossier.objects.filter(dossier__carnet=carnet).update(departement_id=vers.pk),
        "sanctions.mouvementpayeur": MouvementPayeur.objects.filter(dossier__carnet=carnet).update(
            departement_id=vers.pk
        ),
        "sanctions.propositionpartenaire": PropositionPartenaire.objects.filter(dossier__carnet=carnet).update(
            departement_id=vers.pk
        ),
        "sanctions.dossiermanquement": DossierManquement.objects.filter(carnet=carnet).update(departement_id=vers.pk),
    }
