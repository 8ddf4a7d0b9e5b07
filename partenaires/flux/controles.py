"""File-level checks of a CAF/MSA flux, after the first pass (`lecture.controler`) and before any write.

- the households belong to the uploader's département (IDEPARTE, `lecture.verifier_departement`);
- the file is not older than the last file of the same sender already imported (DTREF): importing October after
  November would reopen November's closures. An administrator may replay an older file on purpose: after the
  refusal, on the run's page (`services.flux_rejeu_confirmer`), or at the deposit through the API (`rejeu=true`,
  scope `flux:rejeu`); the row records who confirmed it and when, the report says it.

The counts of TransmissionFlux are compared with the households read by `lecture.controler` itself.
"""

import datetime

from partenaires.flux.lecture import FluxRefuse, verifier_departement
from partenaires.models import ImportFlux, StatutTraitement


class FluxPlusAncien(FluxRefuse):
    """The file is older than the last one imported from its sender: an administrator may confirm a replay."""


def verifier_fichier(row, controle) -> list[str]:
    """Raise FluxRefuse when the file must not be applied; return the warnings to add to the report."""
    verifier_departement(controle, row.departement.code)
    return verifier_ordre(row, controle)


def verifier_ordre(row, controle) -> list[str]:
    if not controle.date_reference:
        return []
    reference = datetime.date.fromisoformat(controle.date_reference[:10])
    plus_recent = (
        ImportFlux.objects.filter(
            statut=StatutTraitement.TERMINE, organisme=controle.organisme, date_reference__gt=reference
        )
        .exclude(pk=row.pk)
        .order_by("-date_reference", "-pk")
        .first()
    )
    if plus_recent is None:
        return []
    emetteur = controle.organisme or "le même organisme"
    if not row.rejeu:
        raise FluxPlusAncien(
            f"Ce fichier a pour date de référence (DTREF) le {reference:%d/%m/%Y}, alors qu'un fichier plus récent "
            f"de {emetteur} (DTREF du {plus_recent.date_reference:%d/%m/%Y}) a déjà été importé : l'appliquer "
            "ramènerait les droits des personnes en arrière. Aucun foyer n'a été importé. Pour rejouer ce fichier "
            "malgré tout, un administrateur du département confirme le rejeu sur la page de ce dépôt (par l'API : "
            "déposer à nouveau le fichier avec rejeu=true)."
        )
    return [
        f"Rejeu confirmé d'un fichier plus ancien : DTREF du {reference:%d/%m/%Y}, après le fichier du "
        f"{plus_recent.date_reference:%d/%m/%Y} de {emetteur}."
    ]
