"""Subject-access report (RGPD article 15): everything the platform holds about one person, and who read it.

Produced by the département's admin from the person's page (JSON and PDF, logged). The rows come from every model
linked to the person by a chain of foreign keys (`modeles_lies`, found by introspection from `Beneficiaire` and
`Carnet`); each one must be listed in `SECTIONS` (shown) or in `NON_MONTRES` (with the reason), which
tests/carnet/test_rapport_personne.py checks: a model added later fails that test until it is placed.
Inside a section every field is shown by its verbose name, except the technical ones of `CHAMPS_TECHNIQUES`.
The NIR is never written out (only whether one is held). Restricted and private notes, documents and events are
listed (date, author, class) without their content, which only their référent and author read.
"""

import datetime
import uuid
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from carnet import sensibilite
from carnet.models import Beneficiaire, Carnet, Sensibilite
from spie.models import AccessLog, Canal

# label → section title, in the order of the report.
SECTIONS = {
    "carnet.beneficiaire": "Identité et situation administrative",
    "carnet.carnet": "Carnet de bord",
    "carnet.membregroupe": "Groupe de suivi",
    "carnet.demandeadhesion": "Demandes d'adhésion au groupe",
    "carnet.situationconstatee": "Situations",
    "carnet.projetprofessionnel": "Projet professionnel",
    "carnet.axedetravail": "Plan d'action : axes de travail",
    "carnet.objectif": "Plan d'action : objectifs",
    "carnet.action": "Plan d'action : actions",
    "carnet.rendezvous": "Rendez-vous",
    "usager.reponseaurendezvous": "Réponses de la personne aux rendez-vous",
    "carnet.contrat": "Contrats",
    "carnet.activiteengagement": "Heures d'activité du contrat d'engagement",
    "carnet.document": "Documents (liste)",
    "carnet.note": "Notes",
    "carnet.observationpersonne": "Observations de la personne",
    "carnet.sortie": "Sorties du parcours",
    "carnet.pointdesuivi": "Points de suivi après une sortie vers l'emploi",
    "carnet.evenement": "Historique du parcours",
    "carnet.accesexceptionnel": "Accès exceptionnels au carnet",
    "carnet.justificationconservation": "Justifications de conservation",
    "carnet.informationpersonne": "Information de la personne sur le partage",
    "carnet.oppositionpartage": "Opposition de la personne au partage",
    "carnet.conflitidentite": "Conflits d'identité (flux CAF/MSA)",
    "carnet.transfertcarnet": "Transferts entre départements",
    "orientation.dossierorientation": "Dossiers d'orientation",
    "orientation.diagnostic": "Diagnostics d'orientation",
    "orientation.convocation": "Convocations",
    "orientation.orientation": "Orientations",
    "orientation.demandereorientation": "Demandes de réorientation",
    "offre.prescription": "Prescriptions",
    "offre.etapeprescription": "Suivi des prescriptions",
    "suivi.alerte": "Alertes aux professionnels",
    "suivi.questionnaire": "Questionnaires de satisfaction envoyés",
    "usager.compteusager": "Compte de l'espace personnel",
    "usager.demandeliaison": "Demandes de liaison de l'espace personnel",
    "usager.lienacces": "Liens d'accès envoyés",
    "usager.accusereception": "Accusés de réception des courriers",
    "usager.demandedroits": "Demandes d'exercice des droits",
    "sanctions.dossiermanquement": "Dossiers de manquement (sanctions)",
    "sanctions.etapedossier": "Étapes des dossiers de manquement",
    "sanctions.observationdossier": "Observations et auditions (dossiers de manquement)",
    "sanctions.piecedossier": "Pièces des dossiers de manquement (liste)",
    "sanctions.mouvementpayeur": "Décisions, levées et sommes à rendre transmises à la CAF ou à la MSA",
    "sanctions.propositionpartenaire": "Propositions de sanction d'un partenaire (France Travail, organisme référent)",
    "sanctions.passageequipe": "Dossiers présentés en équipe pluridisciplinaire",
}

# Linked models left out of the report, with the reason.
NON_MONTRES = {
    "carnet.contrat_objectifs": "table de liaison : les objectifs couverts figurent dans chaque contrat",
    "carnet.sortie_objectifs_atteints": "table de liaison : les objectifs atteints figurent dans chaque sortie",
    "sanctions.dossiermanquement_rendez_vous": "table de liaison : les rendez-vous figurent dans chaque dossier",
    "partenaires.empreinteflux": "empreinte technique (condensat) de la dernière ligne reçue du flux, sans contenu",
    "orientation.candidatfile": "index de la file d'orientation tenu par la base : l'identifiant du carnet seulement",
}

# Never written out: secrets, hashes, search helpers, storage paths, the tenant and the person themselves.
CHAMPS_TECHNIQUES = {
    "id",
    "departement",
    "nir_chiffre",
    "nir_hash",
    "nom_recherche",
    "trigrammes",
    "token_hash",
    "jeton_hash",
    "code_hash",
    "cle",
    "fichier",
    "franceconnect_sub",
    "version",
}


# The content of a restricted or private note, document or event.
CHAMPS_CONTENU = ("texte", "nom", "resume")
CONTENU_RESTREINT = "[contenu restreint : communiqué à la personne par son référent ou l'auteur]"


def modeles_lies():
    """{model: [(lookup, root), ...]} for every model reachable from Carnet or Beneficiaire by reverse foreign keys
    (hidden ones included): each `lookup` filters the model's rows by its root (the carnet, or the person). A model
    reachable by several paths keeps them all (an observation of a sanction file is the person's through its file,
    and through its optional scanned letter)."""
    trouves = {Carnet: [("pk", Carnet)], Beneficiaire: [("pk", Beneficiaire)]}
    a_voir = [Carnet, Beneficiaire]
    while a_voir:
        model = a_voir.pop(0)
        for chemin, racine in list(trouves[model]):
            for relation in model._meta.get_fields(include_hidden=True):
                if not (relation.auto_created and not relation.concrete and relation.is_relation):
                    continue
                lie = relation.related_model
                if lie in (Carnet, Beneficiaire):
                    continue
                nom = relation.field.name
                chemin_lie = (nom if chemin == "pk" else f"{nom}__{chemin}", racine)
                if lie not in trouves:
                    trouves[lie] = [chemin_lie]
                    a_voir.append(lie)
                elif chemin_lie not in trouves[lie] and chemin_lie[0].count("__") < 4:
                    trouves[lie].append(chemin_lie)
    return trouves


def lignes_de(model, carnet, liens=None):
    """The rows of `model` about the person of `carnet`, by any of its paths."""
    condition = Q()
    for lookup, racine in (liens or modeles_lies())[model]:
        cible = carnet if racine is Carnet else carnet.beneficiaire
        condition |= Q(**{lookup: cible.pk})
    return model._default_manager.filter(pk__in=model._default_manager.filter(condition).values("pk"))


def _texte_de(cible):
    if hasattr(cible, "get_full_name"):
        return cible.get_full_name() or str(cible)
    return str(cible)


def _valeur(obj, field):
    if field.is_relation:
        cible = getattr(obj, field.name)
        return None if cible is None else _texte_de(cible)
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    value = getattr(obj, field.attname)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def champs_montres(model):
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in CHAMPS_TECHNIQUES and f.related_model not in (Carnet, Beneficiaire)
    ]


def _section(model, carnet, liens):
    champs = champs_montres(model)
    relations = [f.name for f in champs if f.is_relation and not f.many_to_many]
    lignes = []
    for obj in lignes_de(model, carnet, liens).select_related(*relations):
        ligne = {str(f.verbose_name): _valeur(obj, f) for f in champs}
        classe = getattr(obj, "sensibilite", Sensibilite.GENERALE)
        if not sensibilite.peut_lire(sensibilite.LECTEUR_PERSONNE, classe):
            # Items of a sensitivity class the person's space does not show (health, family, justice, child
            # protection, private: `carnet.sensibilite`) stay with those who read them: the admin's report says
            # they exist, and by whom; their content is handed over by those who may read it.
            for nom in CHAMPS_CONTENU:
                if nom in {f.name for f in champs}:
                    ligne[str(model._meta.get_field(nom).verbose_name)] = CONTENU_RESTREINT
        if model is Beneficiaire:
            ligne["NIR"] = "enregistré (non reproduit ici)" if obj.a_un_nir else "non enregistré"
        lignes.append(ligne)
    return {"modele": model._meta.label_lower, "titre": SECTIONS[model._meta.label_lower], "lignes": lignes}


def lectures(carnet, limite=5000):
    """Every access-log row about the person: who (professional, structure, or the person), when, what, how."""
    uids = [carnet.uid, carnet.beneficiaire.uid]
    rows = (
        AccessLog.objects.filter(departement_id=carnet.departement_id)
        .filter(Q(object_uid__in=uids) | Q(object_uids__contains=[carnet.uid]))
        .select_related("user", "structure")
        .order_by("-created_at", "-id")[:limite]
    )
    return [
        {
            "date": timezone.localtime(row.created_at).isoformat(timespec="minutes"),
            "professionnel": "la personne elle-même"
            if row.canal == Canal.USAGER
            else (row.user.get_full_name() if row.user else "traitement automatique"),
            "structure": row.structure.nom if row.structure else "",
            "action": row.get_action_display(),
            "canal": row.get_canal_display(),
            "motif": row.get_motif_display() if row.motif else "",
        }
        for row in rows
    ]


def rapport(carnet) -> dict:
    """The report of the person of `carnet` (a plain dict: JSON as is, and the PDF's context)."""
    liens = modeles_lies()
    par_label = {m._meta.label_lower: m for m in liens}
    sections = [_section(par_label[label], carnet, liens) for label in SECTIONS if label in par_label]
    return {
        "personne": carnet.beneficiaire.nom_complet,
        "carnet": str(carnet.uid),
        "edite_le": timezone.localtime().isoformat(timespec="minutes"),
        "sections": sections,
        "lectures": lectures(carnet),
    }
