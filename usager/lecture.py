"""What the person's space reads: only the person's own carnet, and in it only what the person may see.

Never: notes (professionals' working notes, whatever their class), restricted or private documents, documents
not shared with the person, restricted or private events, the NIR (masked). Every read is logged with the
channel "usager".
"""

from carnet import sensibilite
from carnet.models import (
    Action as ActionPlan,
)
from carnet.models import (
    Analyse,
    Contrat,
    Document,
    Evenement,
    MembreGroupe,
    Objectif,
    ObservationPersonne,
    RendezVous,
    SituationConstatee,
    StatutContrat,
)
from orientation.models import Convocation, Orientation, StatutOrientation
from spie.audit import log_access
from spie.models import AccessLog, Action, Canal
from usager.models import AccuseReception, DemandeDroits, ReponseAuRendezVous, TypeCourrier


def journaliser(*, carnet, page, obj=None, action=Action.CONSULTATION):
    return log_access(
        action=action,
        obj=obj if obj is not None else carnet,
        canal=Canal.USAGER,
        details={"page": page, "carnet": str(carnet.uid)},
    )


def nir_masque(beneficiaire):
    return "* ** ** ** *** *** **" if beneficiaire.a_un_nir else ""


def groupe(carnet):
    return list(MembreGroupe.objects.actifs().filter(carnet=carnet).select_related("user", "structure"))


def objectifs(carnet):
    """The objectives of the plan, with their actions, of the themes the person's space shows (`carnet.sensibilite`:
    not a protected theme such as health or family, discussed with the référent in person)."""
    return (
        Objectif.objects.filter(axe__carnet=carnet)
        .filter(sensibilite.filtre(sensibilite.LECTEUR_PERSONNE, prefixe="axe__theme__", avec_auteur=False))
        .select_related("axe__theme")
        .prefetch_related(models_prefetch_actions())
        .order_by("axe__theme__ordre", "created_at")
    )


def contrats(carnet):
    """The contracts, the current ones first; the reason for reduced hours (restricted) is never read here."""
    from django.db.models import Prefetch

    rows = list(
        Contrat.objects.filter(carnet=carnet)
        .select_related("structure")
        .prefetch_related(Prefetch("objectifs", queryset=objectifs(carnet), to_attr="objectifs_visibles"))
        .defer("motif_reduction_heures", "precision_reduction_heures")
    )
    ordre = {StatutContrat.SIGNE: 0, StatutContrat.BROUILLON: 1, StatutContrat.TERMINE: 2}
    return sorted(rows, key=lambda c: ordre.get(c.statut, 3))


def observations(carnet):
    return ObservationPersonne.objects.filter(carnet=carnet)


def observations_du_groupe(carnet):
    """The person's messages the group reads: never the answers to a sanction notice (they belong to the sanction
    file, restricted to the référent and the décideurs)."""
    from sanctions.services import OBJET_OBSERVATION

    return ObservationPersonne.objects.filter(carnet=carnet).exclude(objet_type=OBJET_OBSERVATION)


def rendez_vous(carnet):
    rows = list(RendezVous.objects.filter(carnet=carnet).select_related("structure", "professionnel"))
    reponses = {}
    for reponse in ReponseAuRendezVous.objects.filter(rendez_vous__carnet=carnet).order_by("created_at", "id"):
        reponses[reponse.rendez_vous_id] = reponse  # the latest wins
    for row in rows:
        row.reponse_usager = reponses.get(row.pk)
    return rows


def documents(carnet):
    """General documents shared with the person, and those the person sent, once the antivirus found them clean
    (a document waiting for its scan, or refused, is never offered)."""
    return Document.objects.filter(
        sensibilite.filtre(sensibilite.LECTEUR_PERSONNE, avec_auteur=False),
        carnet=carnet,
        partage_avec_la_personne=True,
        analyse=Analyse.SAINE,
    )


def courriers(carnet):
    """Letters addressed to the person: convocations, orientation decisions, sanction notices and convocations to an
    équipe pluridisciplinaire (read through the sanctions app's modules), with the acknowledgements. A sanction
    notice still open to an answer says until when (`repondre`, `date_limite`)."""
    import datetime

    from django.utils import timezone

    from sanctions import services as sanctions_services

    items = []
    for convocation in Convocation.objects.filter(dossier__carnet=carnet).select_related("rendez_vous"):
        items.append(
            {
                "type": TypeCourrier.CONVOCATION,
                "uid": convocation.uid,
                "titre": f"Convocation à un entretien d'orientation (n° {convocation.numero})",
                "disponible_le": convocation.created_at,
            }
        )
    for orientation in Orientation.objects.filter(carnet=carnet, statut=StatutOrientation.VALIDEE):
        items.append(
            {
                "type": TypeCourrier.DECISION_ORIENTATION,
                "uid": orientation.uid,
                "titre": "Décision d'orientation",
                "disponible_le": orientation.decidee_le or orientation.proposee_le,
            }
        )
    for dossier in sanctions_services.notifications_de_la_personne(carnet):
        items.append(
            {
                "type": TypeCourrier.NOTIFICATION_SANCTION,
                "uid": dossier.uid,
                "titre": "Avant une sanction sur votre RSA : donnez votre avis",
                "disponible_le": timezone.make_aware(datetime.datetime.combine(dossier.notifie_le, datetime.time())),
                "repondre": sanctions_services.peut_repondre(dossier),
                "date_limite": sanctions_services.date_limite_observations(dossier),
            }
        )
    from sanctions import equipes as sanctions_equipes

    for passage in sanctions_equipes.convocations_de_la_personne(carnet):
        items.append(
            {
                "type": TypeCourrier.CONVOCATION_EP,
                "uid": passage.uid,
                "titre": "Convocation à l'équipe pluridisciplinaire du "
                f"{timezone.localtime(passage.seance.date_heure):%d/%m/%Y à %H:%M}",
                "disponible_le": passage.convocation_envoyee_le,
            }
        )
    for item in items:
        item.setdefault("repondre", False)
        item.setdefault("date_limite", None)
    accuses = {
        a.courrier_uid: a for a in AccuseReception.objects.filter(courrier_uid__in=[item["uid"] for item in items])
    }
    for item in items:
        item["accuse"] = accuses.get(item["uid"])
    return sorted(items, key=lambda item: item["disponible_le"], reverse=True)


def courrier(carnet, type_courrier, uid):
    """The letter object (for its PDF), of this carnet only; None otherwise."""
    if type_courrier == TypeCourrier.CONVOCATION:
        return Convocation.objects.filter(dossier__carnet=carnet, uid=uid).select_related("rendez_vous").first()
    if type_courrier == TypeCourrier.DECISION_ORIENTATION:
        return Orientation.objects.filter(carnet=carnet, uid=uid, statut=StatutOrientation.VALIDEE).first()
    if type_courrier == TypeCourrier.NOTIFICATION_SANCTION:
        from sanctions import services as sanctions_services

        return sanctions_services.notifications_de_la_personne(carnet).filter(uid=uid).first()
    if type_courrier == TypeCourrier.CONVOCATION_EP:
        from sanctions import equipes as sanctions_equipes

        return sanctions_equipes.convocations_de_la_personne(carnet).filter(uid=uid).first()
    return None


def lectures_du_dossier(carnet):
    """Which structures read the file, and when (from the access log; the person's own reads excluded)."""
    rows = (
        AccessLog.objects.filter(object_type="carnet.carnet", object_uid=carnet.uid)
        .exclude(canal=Canal.USAGER)
        .select_related("structure")
        .order_by("-created_at")
    )
    return [
        {
            "date": row.created_at,
            "structure": row.structure.nom if row.structure else "Service du Département",
            "action": row.get_action_display(),
            "canal": row.get_canal_display(),
        }
        for row in rows[:1000]
    ]


def export(carnet) -> dict:
    """Everything the platform holds about the person that the person may receive (subject-access request)."""
    b = carnet.beneficiaire
    iso = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "identite": {
            "civilite": b.get_civilite_display(),
            "nom_usage": b.nom_usage,
            "nom_naissance": b.nom_naissance,
            "prenoms": b.prenoms,
            "date_naissance": iso(b.date_naissance),
            "lieu_naissance": b.lieu_naissance,
            "nir": nir_masque(b),
            "telephone": b.telephone,
            "courriel": b.courriel,
            "adresse": " ".join(p for p in (b.adresse, b.complement_adresse, b.code_postal) if p),
            "organisme_payeur": b.get_organisme_payeur_display(),
            "numero_allocataire": b.numero_allocataire,
            "identifiant_france_travail": b.identifiant_france_travail,
            "etat_droit_rsa": b.get_etat_droit_rsa_display(),
            "soumis_droits_devoirs": b.soumis_droits_devoirs,
            "date_entree_rsa": iso(b.date_entree_rsa),
        },
        "groupe_de_suivi": [
            {"nom": m.user.get_full_name(), "structure": m.structure.nom, "referent": m.est_referent}
            for m in groupe(carnet)
        ],
        "situations": [
            {"situation": str(s.situation), "constatee_le": iso(s.constatee_le), "fin": iso(s.fin)}
            for s in SituationConstatee.objects.filter(carnet=carnet).select_related("situation")
        ],
        "objectifs": [
            {
                "axe": str(o.axe.theme),
                "objectif": o.libelle,
                "statut": o.get_statut_display(),
                "accord": o.consentement,
                "accord_le": iso(o.consentement_le),
                "desaccord_le": iso(o.desaccord_le),
                "ce_que_j_en_dis": o.desaccord_commentaire,
                "actions": [
                    {"action": a.libelle, "statut": a.get_statut_display(), "debut": iso(a.date_debut)}
                    for a in o.actions.all()
                ],
            }
            for o in objectifs(carnet)
        ],
        "contrats": [
            {
                "type": c.get_type_display(),
                "statut": c.get_statut_display(),
                "debut": iso(c.date_debut),
                "fin": iso(c.date_fin),
                "heures_hebdomadaires": c.heures_hebdomadaires,
                "engagements_personne": c.engagements_personne,
                "engagements_structure": c.engagements_structure,
                "objectifs": [o.libelle for o in c.objectifs_visibles],
            }
            for c in contrats(carnet)
        ],
        "rendez_vous": [
            {
                "date": iso(r.date_heure),
                "mode": r.get_mode_display(),
                "lieu": r.lieu,
                "structure": r.structure.nom,
                "statut": r.get_statut_display(),
                "ma_reponse": r.reponse_usager.get_reponse_display() if r.reponse_usager else None,
            }
            for r in rendez_vous(carnet)
        ],
        "documents": [
            {"nom": d.nom, "ajoute_le": iso(d.created_at), "envoye_par_moi": d.envoye_par_la_personne}
            for d in documents(carnet)
        ],
        "courriers": [
            {
                "titre": c["titre"],
                "disponible_le": iso(c["disponible_le"]),
                "accuse_le": iso(c["accuse"].created_at) if c["accuse"] else None,
            }
            for c in courriers(carnet)
        ],
        "historique": [
            {"date": iso(e.created_at), "evenement": e.get_type_display(), "resume": e.resume}
            for e in Evenement.objects.filter(
                sensibilite.filtre(sensibilite.LECTEUR_PERSONNE, avec_auteur=False), carnet=carnet
            )
        ],
        "mes_observations": [
            {
                "envoyee_le": iso(o.recue_le),
                "texte": o.texte,
                "demande_a_etre_recu": o.demande_audition,
                "lue_le": iso(o.lue_le),
            }
            for o in observations(carnet)
        ],
        "mes_demandes": [
            {
                "type": d.get_type_display(),
                "envoyee_le": iso(d.created_at),
                "statut": d.get_statut_display(),
                "reponse": d.reponse,
                "repondue_le": iso(d.repondue_le),
            }
            for d in DemandeDroits.objects.filter(beneficiaire=b)
        ],
        "lectures_du_dossier": [{**row, "date": iso(row["date"])} for row in lectures_du_dossier(carnet)],
    }


def models_prefetch_actions():
    from django.db.models import Prefetch

    return Prefetch("actions", queryset=ActionPlan.objects.order_by("date_debut", "created_at"))
