"""The sanctions' part of a person's anonymisation (called by carnet.services.anonymisation only).

The files stay for the statistics of the regime (ground, rank, state, nature, rate, duration, amounts, the month
of each date); the facts, the person's observations, the minutes, the reasons and the letters' references are
emptied; the evidence rows are deleted (their documents go with the carnet's documents). The person's passages
before an équipe pluridisciplinaire keep their theme and the directions of the opinion and decision.
"""

from sanctions.models import (
    DossierManquement,
    EtapeDossier,
    MouvementPayeur,
    ObservationDossier,
    PassageEquipe,
    PieceDossier,
    PropositionPartenaire,
)
from spie.anonymisation import effacer

DATES_DOSSIER = [
    "faits_du",
    "faits_au",
    "motif_legitime_le",
    "notifie_le",
    "date_certaine",
    "notification_accusee_le",
    "avis_ep_le",
    "decision_effet",
    "decide_le",
    "remobilise_le",
    "leve_le",
    "created_at",
]


def anonymiser(*, carnet) -> dict[str, int]:
    dossiers = DossierManquement.objects.filter(carnet=carnet)
    pieces, _ = PieceDossier.objects.filter(dossier__carnet=carnet).delete()
    observations = effacer(
        ObservationDossier.objects.filter(dossier__carnet=carnet),
        vider=["texte", "accompagnant"],
        mois=["recue_le"],
        document=None,
    )
    etapes = effacer(EtapeDossier.objects.filter(dossier__carnet=carnet), vider=["resume"], mois=["created_at"])
    # What the paying body was told and the partner's proposal keep their codes and figures; dates to the month.
    mouvements = effacer(MouvementPayeur.objects.filter(dossier__carnet=carnet), mois=["date", "created_at"])
    propositions = effacer(
        PropositionPartenaire.objects.filter(dossier__carnet=carnet), vider=["reference"], mois=["created_at"]
    )
    # The person's passages before an équipe pluridisciplinaire: theme, opinion and decision directions stay.
    passages = effacer(
        PassageEquipe.objects.filter(carnet=carnet),
        vider=["question", "avis_texte", "decision_texte"],
        mois=["convocation_envoyee_le", "avis_le", "decide_le", "created_at"],
    )
    for dossier in dossiers:
        dossier.rendez_vous.clear()
    nombre = effacer(
        dossiers,
        vider=[
            "faits",
            "foyer",
            "semaines",
            "cle_manquement",
            "motif_legitime_raison",
            "proposition_ft_reference",
            "notification_reference",
            "avis_ep",
            "decision_motifs",
            "remobilisation",
            "cloture_raison",
        ],
        mois=DATES_DOSSIER,
    )
    return {
        "sanctions.piecedossier": pieces,
        "sanctions.observationdossier": observations,
        "sanctions.etapedossier": etapes,
        "sanctions.mouvementpayeur": mouvements,
        "sanctions.propositionpartenaire": propositions,
        "sanctions.passageequipe": passages,
        "sanctions.dossiermanquement": nombre,
    }


def supprimer(*, carnet) -> dict[str, int]:
    """A person never accompanied has no sanction file (a file needs a contract or appointments); any row is
    deleted all the same, children first."""
    resultat = {}
    for model, lignes in (
        (PieceDossier, PieceDossier.objects.filter(dossier__carnet=carnet)),
        (ObservationDossier, ObservationDossier.objects.filter(dossier__carnet=carnet)),
        (EtapeDossier, EtapeDossier.objects.filter(dossier__carnet=carnet)),
        (MouvementPayeur, MouvementPayeur.objects.filter(dossier__carnet=carnet)),
        (PropositionPartenaire, PropositionPartenaire.objects.filter(dossier__carnet=carnet)),
        (PassageEquipe, PassageEquipe.objects.filter(carnet=carnet)),
        (DossierManquement, DossierManquement.objects.filter(carnet=carnet)),
    ):
        resultat[model._meta.label_lower], _ = lignes.delete()
    return resultat
