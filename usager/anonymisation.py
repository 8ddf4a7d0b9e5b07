"""The person's space's part of an anonymisation (called by carnet.services.anonymisation only).

Everything here exists only for the person's own use of their space (account, links, answers, acknowledgements,
requests about their rights): it is deleted, none of it is needed for statistics.
"""

from usager.models import (
    AccuseReception,
    CompteUsager,
    DemandeDroits,
    DemandeLiaison,
    LienAcces,
    ReponseAuRendezVous,
)


def anonymiser(*, carnet) -> dict[str, int]:
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
        resultat[model._meta.label_lower], _ = lignes.delete()
    return resultat


supprimer = anonymiser
