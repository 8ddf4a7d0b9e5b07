"""The partners' part of a transfer between départements (called by carnet.services.transfert only).

The flux fingerprint is the sending département's record of the last CAF/MSA line it applied: it is cut, so that
the receiving département's first file writes the person's rights in full. The partner API's stored answers and
webhook deliveries belong to the sending département's tokens and stay there (they name the carnet by its uid
only, which the sending side can no longer open).
"""

from partenaires.models import EmpreinteFlux


def transferer(*, carnet, vers) -> dict[str, int]:
    empreintes, _ = EmpreinteFlux.objects.filter(beneficiaire_id=carnet.beneficiaire_id).delete()
    return {"partenaires.empreinteflux": empreintes}
