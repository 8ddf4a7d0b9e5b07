"""The person's space's part of a transfer between départements (called by carnet.services.transfert only).

Everything here is the person's own (account, links, answers, acknowledgements, requests about their rights): it
moves with them, and they keep using their space in the new département.
"""

from usager.models import (
    AccuseReception,
    CompteUsager,
    DemandeDroits,
    DemandeLiaison,
    LienAcces,
    ReponseAuRendezVous,
)


def transferer(*, carnet, vers) -> dict[str, int]:
    beneficiaire_id = carnet.beneficiaire_id
    resultat = {}
    for model, lignes in (
        (ReponseAuRendezVous, ReponseAuRendezVous.objects.filter(rendez_vous__carnet=carnet)),
        (AccuseReception, AccuseReception.objects.filter(beneficiaire_id=beneficiaire_id)),
        (DemandeDroits, DemandeDroits.objects.filter(beneficiaire_id=beneficiaire_id)),
        (LienAcces, LienAcces.objects.filter(beneficiaire_id=beneficiaire_id)),
        (DemandeLiaison, DemandeLiaison.objects.filter(beneficiaire_id=beneficiaire_id)),
        (CompteUsager, CompteUsager.objects.filter(beneficiaire_id=beneficiaire_id)),
    ):
        resultat[model._meta.label_lower] = lignes.update(departement_id=vers.pk)
    return resultat
