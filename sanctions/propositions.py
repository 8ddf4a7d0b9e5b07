"""A failure proposed by a partner through the API: France Travail (which then carries the contradictory step, and
whose proposal the PCD may follow unchanged, R.262-68) or the person's organisme référent (its proposal opens the
file; the Département goes through the whole procedure).

The file is opened by `sanctions.services.dossier_ouvrir`, with the same checks as from the carnet (person subject
to rights and duties, one open file per failure, dates), and the proposed sanction must fit the département's scale
for the rank computed: any refusal leaves nothing behind (one transaction). The proposing structure reads its
proposal's outcome only (`issue`): state, and the sanction decided; never the facts, the observations, the reasons.
"""

from django.db import transaction

from carnet.models import MembreGroupe
from carnet.perms import can_partner_read_carnet
from sanctions import bareme, services
from sanctions.etats import Etat, TransitionRefusee
from sanctions.models import Nature, PropositionPartenaire
from spie.models import TypeStructure


def can_partner_propose_sanction(structure, carnet) -> bool:
    """France Travail proposes for a person it may read; an organisme référent for a person whose référent is one of
    its professionals. No other partner proposes a sanction."""
    if structure.type == TypeStructure.FRANCE_TRAVAIL:
        return can_partner_read_carnet(structure, carnet)
    return MembreGroupe.objects.referents().filter(carnet=carnet, structure=structure).exists()


def can_partner_read_proposition(structure, proposition) -> bool:
    """A proposal's outcome is read by the structure that made it, and nobody else through the API."""
    return proposition.structure_id == structure.pk


@transaction.atomic
def proposition_enregistrer(*, carnet, structure, jeton_id, data) -> PropositionPartenaire:
    """Open the file proposed by `structure` and record the proposal. `data`: the opening's fields (motif,
    obligation, contrat, semaines, rendez_vous, faits, faits_du, faits_au) and nature, taux, duree, reference."""
    nature, taux, duree = data.get("nature"), data.get("taux"), data.get("duree")
    if nature not in Nature.values:
        raise TransitionRefusee("Indiquez la sanction proposée : suspension ou suppression.")
    reference = (data.get("reference") or "").strip()[:100]
    france_travail = structure.type == TypeStructure.FRANCE_TRAVAIL
    ouverture = {
        key: data.get(key)
        for key in ("motif", "obligation", "contrat", "semaines", "rendez_vous", "faits", "faits_du", "faits_au")
    }
    if france_travail:
        ouverture.update(
            proposition_ft=True,
            proposition_ft_reference=reference,
            proposition_ft_nature=nature,
            proposition_ft_taux=taux,
            proposition_ft_duree=duree,
        )
    dossier = services.dossier_ouvrir(carnet=carnet, data=ouverture, auteur=None, structure=structure)
    bareme.verifier(
        bareme.parametres(dossier.departement_id),
        rang=dossier.rang,
        foyer_plusieurs=dossier.foyer_plusieurs_personnes,
        taux=taux,
        duree=duree,
    )
    return PropositionPartenaire.objects.create(
        departement_id=dossier.departement_id,
        dossier=dossier,
        structure=structure,
        jeton_id=jeton_id,
        reference=reference,
        nature=nature,
        taux=taux,
        duree=duree,
    )


ISSUES = {
    Etat.OUVERT: "en_instruction",
    Etat.A_NOTIFIER: "en_instruction",
    Etat.NOTIFIE: "en_instruction",
    Etat.MOTIF_LEGITIME: "classee_motif_legitime",
    Etat.SANS_SUITE: "classee_sans_sanction",
    Etat.DECIDE: "sanction_decidee",
    Etat.REMOBILISE: "sanction_levee",
    Etat.TERMINE: "sanction_terminee",
}


def issue(proposition) -> dict:
    """What the proposing structure learns: the outcome, and the sanction if one was decided."""
    dossier = proposition.dossier
    decidee = dossier.decide_le is not None
    return {
        "issue": ISSUES[dossier.etat],
        "decidee_le": dossier.decide_le,
        "nature": dossier.decision_nature if decidee else None,
        "taux": dossier.decision_taux if decidee else None,
        "duree_mois": dossier.decision_duree if decidee else None,
        "effet_du": dossier.decision_effet if decidee else None,
        "suivie_sans_modification": decidee
        and (dossier.decision_nature, dossier.decision_taux, dossier.decision_duree)
        == (proposition.nature, proposition.taux, proposition.duree),
        "levee_le": dossier.leve_le,
    }
