"""What the paying body (CAF or MSA) must apply: each decision, its lift and the arrears to pay back.

A step that changes what the person is paid records a `MouvementPayeur` in its own transaction
(`mouvement_enregistrer`, called by `sanctions.services.dossier_franchir`). The CAF/MSA learns of it two ways:

- the département's export file (`export_creer`): every movement not yet exported, marked with the export in the
  same transaction (a second export in a row has nothing new; a concurrent one waits for the lock and finds the
  rows taken); the file is rebuilt from its movements when downloaded again, through the shared CSV writer
  (`spie.spreadsheet`, formula guard on);
- the partner API and its webhooks (`partenaires.api.views_sanctions`), for a token of a CAF or MSA structure.

Only what a paying body needs leaves: the person's identifiers at the CAF/MSA, the nature, rate, duration and
dates of the sanction, the lift and the arrears. Never the facts, the observations, the reasons or the steps.
"""

from django.db import transaction

from sanctions import bareme
from sanctions.etats import Etat
from sanctions.models import DossierManquement, ExportPayeur, MouvementPayeur, TypeMouvement
from spie.models import TypeStructure
from spie.spreadsheet import csv_bytes

# The structure types of the paying bodies, and the `Beneficiaire.organisme_payeur` each one pays.
ORGANISME_DE_STRUCTURE = {TypeStructure.CAF: "caf", TypeStructure.MSA: "msa"}

# Which step causes which movement (and the date it takes effect).
MOUVEMENTS_DES_ETAPES = {
    "decider": ((TypeMouvement.DECISION, "decision_effet"),),
    "decider_proposition_ft": ((TypeMouvement.DECISION, "decision_effet"),),
    "remobiliser": ((TypeMouvement.LEVEE, "leve_le"), (TypeMouvement.RATTRAPAGE, "leve_le")),
    "terminer": ((TypeMouvement.LEVEE, "leve_le"),),
}


def est_organisme_payeur(structure) -> bool:
    return structure.type in ORGANISME_DE_STRUCTURE


def mouvement_enregistrer(*, dossier, code) -> list[MouvementPayeur]:
    """Record the movements the step `code` causes (inside the step's transaction). Arrears are recorded only when
    some months are paid back. Idempotent: a movement already recorded for the file is left as it is."""
    crees = []
    for type_mouvement, champ in MOUVEMENTS_DES_ETAPES.get(code, ()):
        if type_mouvement == TypeMouvement.RATTRAPAGE and not dossier.rattrapage_mois:
            continue
        mouvement, cree = MouvementPayeur.objects.get_or_create(
            dossier=dossier,
            type=type_mouvement,
            defaults={"departement_id": dossier.departement_id, "date": getattr(dossier, champ)},
        )
        if cree:
            crees.append(mouvement)
    return crees


# --- What the paying body reads (the export's columns, the API's fields) -------------------------------------


def etat_pour_payeur(dossier) -> str:
    if dossier.etat == Etat.DECIDE:
        return "en_cours"
    if dossier.etat == Etat.REMOBILISE:
        return "levee_remobilisation"
    return "terminee"


def fin_prevue(dossier):
    return bareme.ajouter_mois(dossier.decision_effet, dossier.decision_duree) if dossier.decision_effet else None


def dossiers_du_payeur(organisme):
    """The decided files of the people the paying body `organisme` ("caf" or "msa") pays, newest first."""
    return (
        DossierManquement.objects.filter(decide_le__isnull=False, carnet__beneficiaire__organisme_payeur=organisme)
        .select_related("carnet__beneficiaire")
        .order_by("-decide_le", "-id")
    )


ENTETES = [
    "mouvement",
    "date d'effet",
    "organisme payeur",
    "numéro d'allocataire",
    "nom",
    "prénoms",
    "date de naissance",
    "nature",
    "taux (%)",
    "durée (mois)",
    "sanction du",
    "au",
    "montant mensuel retenu",
    "levée le",
    "mois rendus",
    "montant rendu",
    "référence du dossier",
]


def ligne(mouvement) -> list:
    dossier = mouvement.dossier
    beneficiaire = dossier.carnet.beneficiaire
    return [
        mouvement.get_type_display(),
        mouvement.date,
        beneficiaire.get_organisme_payeur_display(),
        beneficiaire.numero_allocataire,
        beneficiaire.nom_usage,
        beneficiaire.prenoms,
        beneficiaire.date_naissance,
        dossier.get_decision_nature_display().split(" (")[0],
        dossier.decision_taux,
        dossier.decision_duree,
        dossier.decision_effet,
        fin_prevue(dossier),
        dossier.montant_suspendu_mensuel,
        dossier.leve_le if mouvement.type != TypeMouvement.DECISION else None,
        dossier.rattrapage_mois if mouvement.type == TypeMouvement.RATTRAPAGE else None,
        dossier.rattrapage_montant if mouvement.type == TypeMouvement.RATTRAPAGE else None,
        str(dossier.uid),
    ]


def _mouvements():
    return MouvementPayeur.objects.select_related("dossier__carnet__beneficiaire").order_by("created_at", "id")


def a_exporter():
    return _mouvements().filter(export__isnull=True)


@transaction.atomic
def export_creer(*, departement_id, auteur) -> ExportPayeur | None:
    """Take every movement not yet exported into a new export (None when there is nothing new). The rows are
    locked, so two exports at the same moment never take the same movement twice."""
    lignes = list(
        MouvementPayeur.objects.filter(departement_id=departement_id, export__isnull=True)
        .select_for_update(of=("self",), skip_locked=True)
        .values_list("pk", flat=True)
    )
    if not lignes:
        return None
    export = ExportPayeur.objects.create(departement_id=departement_id, nombre=len(lignes), created_by=auteur)
    MouvementPayeur.objects.filter(pk__in=lignes, export__isnull=True).update(export=export)
    return export


def mouvements_de(export) -> list[MouvementPayeur]:
    return list(_mouvements().filter(export=export))


def export_csv(mouvements) -> bytes:
    """The export's file (semicolons, UTF-8 with BOM, formula guard), rebuilt from its movements."""
    return csv_bytes([ENTETES, *(ligne(m) for m in mouvements)])


def exports():
    return ExportPayeur.objects.select_related("created_by")
