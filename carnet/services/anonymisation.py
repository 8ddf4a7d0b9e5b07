"""Anonymisation of a person whose retention period is over, and deletion of a person never accompanied.

The one orchestrator: each app empties its own tables through its own function (`offre.services.anonymisation`,
`orientation.services.anonymisation`, `suivi.services.anonymisation`, `usager.anonymisation`,
`partenaires.anonymisation`, `sanctions.anonymisation`, `spie.notifications.notifications_anonymiser`); this
module owns the carnet's tables.
All of it runs in one transaction on the locked carnet: either everything is emptied, or nothing is. Files are
deleted from storage after the commit. The timeline, append-only otherwise, is emptied by its one SECURITY DEFINER
function (migration carnet.0018). A second run is refused with a clear message.

What stays, for the statistics only: the rows of the path (appointments, contracts and hours, orientations,
prescriptions, exits, the group's membership periods, the timeline's kinds of events) with their codes, counters,
identifiers and links to structures and professionals, every date kept to its month (the birth date to its year).
What goes: the identity, contact details, identifiers of other bodies, NIR, every free text, notes, documents (and
their files), situations, the plan, the diagnostic, the person's space, the flux fingerprint.
"""

from django.db import connection, transaction
from django.utils import timezone

from carnet.models import (
    AccesExceptionnel,
    Action,
    ActiviteEngagement,
    AxeDeTravail,
    Beneficiaire,
    Carnet,
    ConflitIdentite,
    Contrat,
    DemandeAdhesion,
    Document,
    InformationPersonne,
    JustificationConservation,
    MembreGroupe,
    Note,
    Objectif,
    ObservationPersonne,
    OppositionPartage,
    PointDeSuivi,
    ProjetProfessionnel,
    RendezVous,
    SituationConstatee,
    Sortie,
    TransfertCarnet,
    TypeEvenement,
)
from carnet.services.base import RegleMetier, evenement_record
from spie.anonymisation import debut_du_mois, effacer, supprimer_fichiers_apres_commit
from spie.audit import log_access
from spie.models import Action as ActionJournal
from spie.models import Canal

CHAMPS_IDENTITE = [
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "lieu_naissance",
    "telephone",
    "courriel",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "numero_allocataire",
    "identifiant_france_travail",
    "identifiant_departement",
    "motif_suspension",
    "motif_cloture",
    "nir_chiffre",
    "nir_hash",
    "nom_recherche",
    "trigrammes",
]


class AnonymisationRefusee(RegleMetier):
    pass


def _noms(beneficiaire):
    """The names to look for in texts not linked by a key (messages, notifications): each one of 3 letters or more."""
    noms = {beneficiaire.nom_usage, beneficiaire.nom_naissance, beneficiaire.nom_complet}
    return sorted(n for n in noms if n and len(n.strip()) >= 3)


def _contacts(beneficiaire):
    return sorted(c for c in (beneficiaire.telephone, beneficiaire.courriel) if c)


def _autres_apps(carnet, *, supprimer):
    from offre.services import anonymisation as offre
    from orientation.services import anonymisation as orientation
    from partenaires import anonymisation as partenaires
    from sanctions import anonymisation as sanctions
    from spie.notifications import notifications_anonymiser
    from suivi.services import anonymisation as suivi
    from usager import anonymisation as usager

    b = carnet.beneficiaire
    noms, contacts = _noms(b), _contacts(b)
    compte = {}
    if supprimer:
        compte |= sanctions.supprimer(carnet=carnet)
        compte |= offre.supprimer(carnet=carnet)
        compte |= orientation.supprimer(carnet=carnet)
        compte |= suivi.supprimer(carnet=carnet, contacts=contacts, noms=noms)
        compte |= usager.supprimer(carnet=carnet)
        compte |= partenaires.supprimer(carnet=carnet)
    else:
        compte |= sanctions.anonymiser(carnet=carnet)
        compte |= offre.anonymiser(carnet=carnet)
        compte |= orientation.anonymiser(carnet=carnet)
        compte |= suivi.anonymiser(carnet=carnet, contacts=contacts, noms=noms)
        compte |= usager.anonymiser(carnet=carnet)
        compte |= partenaires.anonymiser(carnet=carnet)
    compte["spie.notification"] = notifications_anonymiser(
        departement_id=carnet.departement_id, uids=[carnet.uid, b.uid], noms=noms
    )
    return compte


def _historique(carnet, *, supprimer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT carnet_evenement_anonymiser(%s, %s)", [carnet.pk, supprimer])
        return cursor.fetchone()[0]


def _documents(carnet):
    documents = Document.objects.filter(carnet=carnet)
    fichiers = [d.fichier for d in documents]
    ActiviteEngagement.objects.filter(carnet=carnet).update(justificatif=None)
    nombre, _ = documents.delete()
    supprimer_fichiers_apres_commit(fichiers)
    return nombre


def _tables_du_carnet(carnet):
    compte = {"carnet.document": _documents(carnet)}
    for model in (Note, ObservationPersonne, DemandeAdhesion, SituationConstatee, ProjetProfessionnel):
        compte[model._meta.label_lower], _ = model.objects.filter(carnet=carnet).delete()
    Contrat.objectifs.through.objects.filter(contrat__carnet=carnet).delete()
    Action.objects.filter(objectif__axe__carnet=carnet).delete()
    Objectif.objects.filter(axe__carnet=carnet).delete()
    compte["carnet.axedetravail"], _ = AxeDeTravail.objects.filter(carnet=carnet).delete()
    compte["carnet.conflitidentite"], _ = ConflitIdentite.objects.filter(
        beneficiaire_id=carnet.beneficiaire_id
    ).delete()
    compte["carnet.rendezvous"] = effacer(
        RendezVous.objects.filter(carnet=carnet), vider=["lieu", "objet"], mois=["date_heure", "created_at"]
    )
    compte["carnet.contrat"] = effacer(
        Contrat.objects.filter(carnet=carnet),
        vider=["precision_reduction_heures", "engagements_personne", "engagements_structure"],
        mois=["date_signature", "date_debut", "date_fin", "created_at", "termine_le"],
    )
    compte["carnet.activiteengagement"] = effacer(
        ActiviteEngagement.objects.filter(carnet=carnet), vider=["precision"], mois=["date", "created_at"]
    )
    compte["carnet.pointdesuivi"] = effacer(
        PointDeSuivi.objects.filter(carnet=carnet), vider=["note"], mois=["echeance", "realise_le", "created_at"]
    )
    compte["carnet.sortie"] = effacer(
        Sortie.objects.filter(carnet=carnet),
        vider=["precision", "ce_qui_a_aide", "paroles_personne", "motif_reouverture"],
        mois=["date_sortie", "rouverte_le", "created_at"],
    )
    # The group ends: the carnet leaves every portfolio.
    MembreGroupe.objects.filter(carnet=carnet, fin=None).update(fin=debut_du_mois())
    compte["carnet.membregroupe"] = effacer(
        MembreGroupe.objects.filter(carnet=carnet), vider=["motif_fin"], mois=["debut", "fin"]
    )
    compte["carnet.accesexceptionnel"] = effacer(
        AccesExceptionnel.objects.filter(carnet=carnet), vider=["justification"], mois=["created_at", "expire_le"]
    )
    compte["carnet.informationpersonne"] = effacer(
        InformationPersonne.objects.filter(carnet=carnet), mois=["informee_le", "created_at"]
    )
    compte["carnet.oppositionpartage"] = effacer(
        OppositionPartage.objects.filter(carnet=carnet), vider=["motif"], mois=["opposee_le", "created_at"]
    )
    compte["carnet.justificationconservation"] = effacer(
        JustificationConservation.objects.filter(carnet=carnet), vider=["motif"], mois=["jusqu_au", "created_at"]
    )
    compte["carnet.transfertcarnet"] = effacer(
        TransfertCarnet.objects.filter(carnet=carnet),
        vider=["motif", "motif_refus"],
        mois=["date_mutation", "decide_le", "created_at"],
    )
    compte["carnet.evenement"] = _historique(carnet, supprimer=False)
    compte["carnet.beneficiaire"] = effacer(
        Beneficiaire.objects.filter(pk=carnet.beneficiaire_id),
        vider=CHAMPS_IDENTITE,
        mois=["date_cloture", "date_entree_rsa", "date_fin_rattachement", "created_at", "updated_at"],
        annees=["date_naissance"],
    )
    compte["carnet.carnet"] = effacer(
        Carnet.objects.filter(pk=carnet.pk),
        vider=["dernier_rendez_vous", "prochain_rendez_vous", "fin_contrat_en_cours"],
        mois=["created_at", "updated_at", "cloture_le"],
        anonymise_le=timezone.localdate(),
    )
    return compte


def _verrouiller(carnet):
    return Carnet.objects.select_for_update(of=("self",)).select_related("beneficiaire").get(pk=carnet.pk)


def carnet_anonymiser(*, carnet, par=None, request=None) -> dict[str, int]:
    """Anonymise the person of `carnet`; returns the rows changed or deleted per table. Refused if already done."""
    with transaction.atomic():
        carnet = _verrouiller(carnet)
        if carnet.anonymise_le is not None:
            raise AnonymisationRefusee(
                f"Ce carnet a déjà été anonymisé le {carnet.anonymise_le:%d/%m/%Y} : il n'y a plus rien à effacer."
            )
        # Recorded first, so that the timeline's own anonymisation keeps only its kind and month.
        evenement_record(carnet=carnet, type=TypeEvenement.ANONYMISATION, resume="Carnet anonymisé", auteur=par)
        compte = _autres_apps(carnet, supprimer=False)
        compte |= _tables_du_carnet(carnet)
        log_access(
            action=ActionJournal.ANONYMISATION,
            obj=carnet,
            request=request,
            user=par,
            canal=None if request is not None else Canal.TACHE,
            details={"lignes": sum(compte.values())},
        )
    return compte


def beneficiaire_supprimer(*, carnet, request=None) -> dict[str, int]:
    """Delete a person who never entered an accompaniment (`conservation.jamais_accompagnes_q`) and their carnet."""
    with transaction.atomic():
        carnet = _verrouiller(carnet)
        beneficiaire = carnet.beneficiaire
        compte = _autres_apps(carnet, supprimer=True)
        compte["carnet.document"] = _documents(carnet)
        compte["carnet.evenement"] = _historique(carnet, supprimer=True)
        Contrat.objectifs.through.objects.filter(contrat__carnet=carnet).delete()
        ConflitIdentite.objects.filter(beneficiaire=beneficiaire).delete()
        TransfertCarnet.objects.filter(carnet=carnet).delete()
        log_access(
            action=ActionJournal.SUPPRESSION,
            obj=carnet,
            request=request,
            canal=None if request is not None else Canal.TACHE,
            details={"jamais_accompagne": True},
        )
        carnet.delete()
        beneficiaire.delete()
        compte["carnet.carnet"] = 1
    return compte
