"""Writes of the sanction files: the only code that writes the tables of `sanctions`. Keyword-only functions named
`<entity>_<action>`. Each step locks the file, runs the checks of `sanctions.etats` and `sanctions.bareme`, then
writes the file, its step and the carnet's timeline event (restricted) in one transaction."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import Beneficiaire, Contrat, RendezVous, Sensibilite, TypeEvenement
from sanctions import bareme, equipes, payeur
from sanctions.etats import (
    ARTICLES_ETATS,
    ETATS_OUVERTS,
    Etat,
    TransitionRefusee,
    fin_du_delai,
    verifier_avis_ep,
    verifier_date_certaine,
    verifier_decision,
    verifier_levee,
    verifier_motif_legitime,
    verifier_notification,
    verifier_ouverture,
    verifier_proposition_ft,
    verifier_suppression,
    verifier_transition,
)
from sanctions.models import (
    CanalNotification,
    DossierManquement,
    EtapeDossier,
    Motif,
    Nature,
    Obligation,
    ObservationDossier,
    ParametresSanctions,
    PieceDossier,
    SourceObservation,
)

OBJET_OBSERVATION = "sanctions.dossiermanquement"  # `ObservationPersonne.objet_type` of an answer to a notice


def _cle_manquement(*, motif, obligation, contrat, semaines, rendez_vous) -> str:
    """What identifies the failure: the ground and what it points at (the contract, the weeks, the appointments)."""
    parts = [motif, obligation or "-", str(contrat.uid) if contrat else "-"]
    parts.append(",".join(sorted(d.isoformat() for d in semaines)) or "-")
    parts.append(",".join(sorted(str(r.uid) for r in rendez_vous)) or "-")
    return ":".join(parts)[:500]


def _foyer(beneficiaire):
    if not beneficiaire.numero_allocataire:
        return bareme.composition_foyer([beneficiaire])
    membres = Beneficiaire.objects.filter(
        numero_allocataire=beneficiaire.numero_allocataire,
        organisme_payeur=beneficiaire.organisme_payeur,
        date_fin_rattachement__isnull=True,
    ).only("role_foyer")
    return bareme.composition_foyer(list(membres) or [beneficiaire])


def _evenement(dossier, resume, *, auteur=None, structure=None):
    carnet_services.evenement_record(
        carnet=dossier.carnet,
        type=TypeEvenement.SANCTION,
        resume=resume,
        auteur=auteur,
        structure=structure,
        sensibilite=Sensibilite.JUSTICE,
        obj=dossier,
    )


def _etape(dossier, *, transition, avant, resume, auteur=None, structure=None, article=None):
    EtapeDossier.objects.create(
        departement_id=dossier.departement_id,
        dossier=dossier,
        transition=transition,
        etat_avant=avant,
        etat_apres=dossier.etat,
        article=article or ARTICLES_ETATS[dossier.etat],
        resume=resume[:255],
        auteur=auteur,
    )
    _evenement(dossier, f"Dossier de manquement : {resume}", auteur=auteur, structure=structure)


@transaction.atomic
def dossier_ouvrir(*, carnet, data, auteur, structure) -> DossierManquement:
    """Open a file on a failure (L.262-37 I). `data`: motif, obligation, contrat, semaines, rendez_vous, faits,
    faits_du, faits_au, and France Travail's proposal if any (proposition_ft, _reference, _nature, _taux, _duree)."""
    beneficiaire = carnet.beneficiaire
    motif, obligation = data["motif"], data.get("obligation") or ""
    contrat, semaines = data.get("contrat"), sorted(set(data.get("semaines") or []))
    rendez_vous = list(data.get("rendez_vous") or [])
    if contrat is not None and contrat.carnet_id != carnet.pk:
        raise TransitionRefusee("Ce contrat n'est pas celui de cette personne.")
    if any(r.carnet_id != carnet.pk for r in rendez_vous):
        raise TransitionRefusee("Ces rendez-vous ne sont pas ceux de cette personne.")
    if motif == Motif.OBLIGATION:
        if not obligation:
            raise TransitionRefusee("Précisez l'obligation manquée : engagements du contrat, heures ou rendez-vous.")
        if contrat is None:
            raise TransitionRefusee("Choisissez le contrat d'engagement dont une obligation n'a pas été tenue.")
        if obligation == Obligation.SEMAINES and not semaines:
            raise TransitionRefusee("Indiquez les semaines du relevé d'heures concernées.")
        if obligation == Obligation.RENDEZ_VOUS and not rendez_vous:
            raise TransitionRefusee("Choisissez les rendez-vous manqués.")
    cle = _cle_manquement(
        motif=motif, obligation=obligation, contrat=contrat, semaines=semaines, rendez_vous=rendez_vous
    )
    anterieurs = list(DossierManquement.objects.filter(carnet=carnet).select_for_update(of=("self",)))
    verifier_ouverture(
        soumis_droits_devoirs=beneficiaire.soumis_droits_devoirs,
        dossier_ouvert_meme_manquement=any(d.cle_manquement == cle and d.etat in ETATS_OUVERTS for d in anterieurs),
        faits_du=data["faits_du"],
        faits_au=data["faits_au"],
    )
    faits = (data.get("faits") or "").strip()
    if not faits:
        raise TransitionRefusee("Décrivez les faits constatés.")
    proposition_ft = bool(data.get("proposition_ft"))
    if proposition_ft and not all(
        data.get(k) for k in ("proposition_ft_nature", "proposition_ft_taux", "proposition_ft_duree")
    ):
        raise TransitionRefusee("Indiquez la sanction proposée par France Travail : nature, taux et durée.")
    dossier = DossierManquement(
        departement_id=carnet.departement_id,
        carnet=carnet,
        motif=motif,
        obligation=obligation if motif == Motif.OBLIGATION else "",
        contrat=contrat,
        semaines=semaines,
        cle_manquement=cle,
        faits=faits,
        faits_du=data["faits_du"],
        faits_au=data["faits_au"],
        rang=bareme.rang(anterieurs),
        foyer=_foyer(beneficiaire),
        proposition_ft=proposition_ft,
        proposition_ft_reference=(data.get("proposition_ft_reference") or "").strip() if proposition_ft else "",
        proposition_ft_nature=data.get("proposition_ft_nature") or "" if proposition_ft else "",
        proposition_ft_taux=data.get("proposition_ft_taux") if proposition_ft else None,
        proposition_ft_duree=data.get("proposition_ft_duree") if proposition_ft else None,
        created_by=auteur,
    )
    try:
        with transaction.atomic():
            dossier.save()
    except IntegrityError as exc:  # a concurrent opening of the same failure
        raise TransitionRefusee("Un dossier est déjà ouvert pour ce même manquement.") from exc
    if rendez_vous:
        dossier.rendez_vous.set(rendez_vous)
    _etape(
        dossier,
        transition="ouvrir",
        avant="",
        resume=f"ouvert ({dossier.get_motif_display().lower()}, {dossier.get_rang_display().lower()})",
        auteur=auteur,
        structure=structure,
    )
    return dossier


def _verrouiller(dossier):
    return (
        DossierManquement.objects.select_for_update(of=("self",))
        .select_related("carnet__beneficiaire")
        .get(pk=dossier.pk)
    )


def _a_repondu(dossier) -> bool:
    return dossier.observations.exists()


@transaction.atomic
def dossier_franchir(*, dossier, code, data, auteur, structure, est_decideur, peut_instruire) -> DossierManquement:
    """Cross one step of the state machine (`sanctions.etats.TRANSITIONS[code]`) with the data of its form."""
    dossier = _verrouiller(dossier)
    transition = verifier_transition(dossier, code, est_decideur=est_decideur, peut_instruire=peut_instruire)
    avant = dossier.etat
    beneficiaire = dossier.carnet.beneficiaire
    params = bareme.parametres(dossier.departement_id)
    today = timezone.localdate()
    fields = ["etat", "version"]
    if code == "sans_motif_legitime" or code == "motif_legitime":
        verifier_motif_legitime(raison=data.get("raison"))
        dossier.motif_legitime = code == "motif_legitime"
        dossier.motif_legitime_raison = data["raison"].strip()
        dossier.motif_legitime_le = timezone.now()
        fields += ["motif_legitime", "motif_legitime_raison", "motif_legitime_le"]
        resume = "motif légitime reconnu, dossier classé" if dossier.motif_legitime else "aucun motif légitime"
    elif code == "notifier":
        nature, taux, duree = data.get("nature"), data.get("taux"), data.get("duree")
        bareme.verifier(
            params, rang=dossier.rang, foyer_plusieurs=dossier.foyer_plusieurs_personnes, taux=taux, duree=duree
        )
        if nature not in Nature.values:
            raise TransitionRefusee("Choisissez la sanction envisagée : suspension ou suppression.")
        # The EP opinion comes before the decision, not before the notice: only the rank is checked here.
        verifier_suppression(nature=nature, rang=dossier.rang, avis_ep_le=today, motif=dossier.motif)
        canal = data.get("canal")
        date_certaine = data.get("date_certaine")
        verifier_notification(
            canal=canal,
            envoyee_le=data.get("envoyee_le"),
            reference=data.get("reference"),
            date_certaine=date_certaine,
            envisage=(nature, taux, duree),
        )
        dossier.envisage_nature, dossier.envisage_taux, dossier.envisage_duree = nature, taux, duree
        dossier.notifie_le = data["envoyee_le"]
        dossier.notification_canal = canal
        dossier.notification_reference = (
            (data.get("reference") or "").strip() if canal == CanalNotification.RECOMMANDE else ""
        )
        dossier.date_certaine = date_certaine
        fields += [
            "envisage_nature",
            "envisage_taux",
            "envisage_duree",
            "notifie_le",
            "notification_canal",
            "notification_reference",
            "date_certaine",
        ]
        canal_label = dossier.get_notification_canal_display().lower()
        resume = f"notification envoyée le {dossier.notifie_le:%d/%m/%Y} ({canal_label})"
    elif code == "date_certaine":
        if dossier.date_certaine is not None:
            raise TransitionRefusee(f"La date certaine est déjà connue : {dossier.date_certaine:%d/%m/%Y}.")
        if data.get("date_certaine") is None:
            raise TransitionRefusee("Indiquez la date de réception portée sur l'avis de réception.")
        verifier_date_certaine(date_certaine=data["date_certaine"], envoyee_le=dossier.notifie_le)
        dossier.date_certaine = data["date_certaine"]
        fields.append("date_certaine")
        resume = f"notification reçue le {dossier.date_certaine:%d/%m/%Y} (avis de réception)"
    elif code in ("decider", "decider_proposition_ft"):
        nature, taux, duree = data.get("nature"), data.get("taux"), data.get("duree")
        if nature not in Nature.values:
            raise TransitionRefusee("Choisissez la sanction : suspension ou suppression.")
        if code == "decider":
            verifier_decision(
                dossier=dossier,
                soumis_droits_devoirs=beneficiaire.soumis_droits_devoirs,
                a_repondu=_a_repondu(dossier),
            )
        else:
            if not beneficiaire.soumis_droits_devoirs:
                verifier_decision(dossier=dossier, soumis_droits_devoirs=False, a_repondu=True)
            verifier_proposition_ft(dossier=dossier, nature=nature, taux=taux, duree=duree)
            dossier.procedure_contradictoire_omise = True
            fields.append("procedure_contradictoire_omise")
        bareme.verifier(
            params, rang=dossier.rang, foyer_plusieurs=dossier.foyer_plusieurs_personnes, taux=taux, duree=duree
        )
        # L.262-37: a suppression only after the EP's opinion given in a session on this very file.
        avis = equipes.avis_en_seance(dossier)
        verifier_avis_ep(nature=nature, avis=avis)
        avis_le = timezone.localdate(avis.avis_le) if avis else None
        verifier_suppression(nature=nature, rang=dossier.rang, avis_ep_le=avis_le, motif=dossier.motif)
        motifs = (data.get("motifs") or "").strip()
        if not motifs:
            raise TransitionRefusee("Écrivez les motifs de la décision : ils figurent sur le courrier à la personne.")
        effet = data.get("effet")
        if effet is None:
            raise TransitionRefusee("Indiquez la date à compter de laquelle la sanction s'applique.")
        if effet < today - datetime.timedelta(days=31):
            raise TransitionRefusee("La sanction ne peut pas prendre effet plus d'un mois avant la décision.")
        dossier.decision_nature, dossier.decision_taux, dossier.decision_duree = nature, taux, duree
        dossier.decision_motifs, dossier.decision_effet = motifs, effet
        dossier.montant_mensuel = data.get("montant_mensuel")
        dossier.avis_ep_le = avis_le
        dossier.avis_ep = equipes.avis_en_clair(avis) if avis else ""
        dossier.decideur, dossier.decide_le = auteur, today
        fields += [
            "decision_nature",
            "decision_taux",
            "decision_duree",
            "decision_motifs",
            "decision_effet",
            "montant_mensuel",
            "avis_ep_le",
            "avis_ep",
            "decideur",
            "decide_le",
        ]
        resume = f"{Nature(nature).label.split(' (')[0].lower()} de {taux} % pendant {duree} mois décidée"
        if code == "decider_proposition_ft":
            resume += " (proposition de France Travail suivie sans modification)"
    elif code == "sans_suite":
        raison = (data.get("raison") or "").strip()
        if not raison:
            raise TransitionRefusee("Écrivez pourquoi le dossier est classé sans sanction.")
        dossier.cloture_raison = raison
        fields.append("cloture_raison")
        resume = "classé sans sanction"
    elif code == "remobiliser":
        verifier_levee(dossier=dossier, date=data.get("date"), remobilisation=data.get("remobilisation") or "")
        calcul = bareme.rattrapage(dossier, params, leve_le=data["date"])
        dossier.remobilise_le = dossier.leve_le = data["date"]
        dossier.remobilisation = data["remobilisation"].strip()
        dossier.rattrapage_mois, dossier.rattrapage_montant = calcul.mois, calcul.montant
        fields += ["remobilise_le", "leve_le", "remobilisation", "rattrapage_mois", "rattrapage_montant"]
        resume = f"levé le {dossier.leve_le:%d/%m/%Y} (remobilisation) ; à rendre : {calcul.en_clair()}"
    elif code == "terminer":
        verifier_levee(dossier=dossier, date=data.get("date"))
        fin = bareme.ajouter_mois(dossier.decision_effet, dossier.decision_duree)
        if data["date"] < fin:
            raise TransitionRefusee(
                f"La sanction court jusqu'au {fin:%d/%m/%Y} : elle ne peut pas être déclarée terminée avant. "
                "Si la personne s'est remobilisée, levez-la."
            )
        dossier.leve_le = data["date"]
        fields.append("leve_le")
        resume = f"terminé le {dossier.leve_le:%d/%m/%Y}"
    else:  # pragma: no cover - every code of TRANSITIONS is handled above
        raise TransitionRefusee("Cette étape n'existe pas.")
    dossier.etat = transition.vers
    dossier.version += 1
    dossier.save(update_fields=fields)
    _etape(
        dossier,
        transition=code,
        avant=avant,
        resume=resume,
        auteur=auteur,
        structure=structure,
        article=transition.article,
    )
    # The CAF/MSA is told of each decision, lift and arrears (`sanctions.payeur`), in the same transaction.
    payeur.mouvement_enregistrer(dossier=dossier, code=code)
    return dossier


@transaction.atomic
def piece_ajouter(*, dossier, fichier, type_document, libelle, auteur, structure) -> PieceDossier:
    """Add evidence: a restricted document of the carnet (scanned and stored by the carnet), linked to the file.
    `type_document` comes from `carnet.uploads.check_upload`."""
    libelle = (libelle or "").strip()
    if not libelle:
        raise TransitionRefusee("Dites ce que prouve cette pièce.")
    if dossier.etat not in ETATS_OUVERTS:
        raise TransitionRefusee("Le dossier est clos : on ne peut plus y ajouter de pièce.")
    document = carnet_services.document_add(
        carnet=dossier.carnet,
        fichier=fichier,
        nom=f"Pièce du dossier de manquement : {libelle}"[:200],
        type_document=type_document,
        sensibilite=Sensibilite.JUSTICE,
        auteur=auteur,
        structure=structure,
    )
    return PieceDossier.objects.create(
        departement_id=dossier.departement_id, dossier=dossier, document=document, libelle=libelle, ajoutee_par=auteur
    )


@transaction.atomic
def observation_enregistrer(
    *, dossier, source, texte, recue_le, auteur, structure, accompagnant="", fichier=None, type_document=None
):
    """A letter received or the minutes of a hearing, entered by the référent or a décideur; the scanned letter
    (`fichier`, checked by `carnet.uploads.check_upload` into `type_document`) is stored by the carnet as a
    restricted document."""
    if source not in (SourceObservation.COURRIER, SourceObservation.AUDITION):
        raise TransitionRefusee("Origine des observations inconnue.")
    dossier = _verrouiller(dossier)
    if dossier.etat != Etat.NOTIFIE:
        raise TransitionRefusee("Les observations se rattachent à un dossier notifié, avant la décision.")
    texte = (texte or "").strip()
    if not texte:
        raise TransitionRefusee("Écrivez le contenu des observations ou le compte rendu de l'audition.")
    if recue_le is None or recue_le > timezone.now():
        raise TransitionRefusee("La date de réception ne peut pas être dans le futur.")
    document = None
    if fichier is not None:
        document = carnet_services.document_add(
            carnet=dossier.carnet,
            fichier=fichier,
            nom="Observations de la personne sur un dossier de manquement",
            type_document=type_document,
            sensibilite=Sensibilite.JUSTICE,
            auteur=auteur,
            structure=structure,
        )
    observation = ObservationDossier.objects.create(
        departement_id=dossier.departement_id,
        dossier=dossier,
        source=source,
        texte=texte,
        accompagnant=(accompagnant or "").strip()[:200],
        recue_le=recue_le,
        document=document,
        enregistree_par=auteur,
    )
    label = "compte rendu d'audition" if source == SourceObservation.AUDITION else "courrier de la personne"
    _evenement(dossier, f"Dossier de manquement : {label} enregistré", auteur=auteur, structure=structure)
    return observation


# --- The person's space ---------------------------------------------------------------------------------


def notifications_de_la_personne(carnet):
    """The notices made available to the person (every notified file, whatever came next)."""
    return DossierManquement.objects.filter(carnet=carnet, notifie_le__isnull=False)


def peut_repondre(dossier) -> bool:
    """The person may still answer from their space: the file waits for the decision and the ten days (counted from
    the certain date, once known) have not passed."""
    if dossier.etat != Etat.NOTIFIE:
        return False
    limite = date_limite_observations(dossier)
    return limite is None or timezone.now() <= limite


def date_limite_observations(dossier):
    """The last instant the person may answer from their space (end of the tenth day), None before a certain date."""
    if dossier.date_certaine is None:
        return None
    fin = fin_du_delai(dossier.date_certaine) + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(fin, datetime.time.min)) - datetime.timedelta(microseconds=1)


@transaction.atomic
def notification_accuser(*, dossier) -> DossierManquement:
    """The person acknowledges the notice in their space: dated once; for a notice sent through the space, that
    date is the certain date and the ten days start."""
    dossier = _verrouiller(dossier)
    if dossier.notification_accusee_le is not None:
        return dossier
    dossier.notification_accusee_le = timezone.now()
    fields = ["notification_accusee_le", "version"]
    if dossier.notification_canal == CanalNotification.ESPACE and dossier.date_certaine is None:
        dossier.date_certaine = timezone.localdate(dossier.notification_accusee_le)
        fields.append("date_certaine")
    dossier.version += 1
    dossier.save(update_fields=fields)
    _evenement(dossier, "Dossier de manquement : la personne a accusé réception de la notification dans son espace")
    return dossier


@transaction.atomic
def observation_espace_recevoir(*, dossier, texte, demande_audition=False) -> ObservationDossier:
    """The person answers the notice from their space: written by the carnet (dated on receipt, refused after the
    ten days), and copied into the file."""
    dossier = _verrouiller(dossier)
    if dossier.etat != Etat.NOTIFIE:
        raise carnet_services.RegleMetier(
            "Ce dossier est décidé ou clos : votre message n'est pas envoyé. Appelez votre référent."
        )
    observation = carnet_services.observation_envoyer(
        carnet=dossier.carnet,
        texte=texte,
        demande_audition=demande_audition,
        objet_type=OBJET_OBSERVATION,
        objet_uid=dossier.uid,
        date_limite=date_limite_observations(dossier),
        sensibilite=Sensibilite.JUSTICE,
    )
    return ObservationDossier.objects.create(
        departement_id=dossier.departement_id,
        dossier=dossier,
        source=SourceObservation.ESPACE,
        texte=observation.texte,
        demande_audition=demande_audition,
        recue_le=observation.recue_le,
        observation_personne_uid=observation.uid,
    )


# --- Settings ----------------------------------------------------------------------------------------------


@transaction.atomic
def parametres_enregistrer(*, departement_id, data) -> ParametresSanctions:
    if (
        data["duree_min_premier"] > data["duree_max_premier"]
        or data["duree_min_recidive"] > data["duree_max_recidive"]
    ):
        raise TransitionRefusee("Une durée minimum dépasse la durée maximum correspondante.")
    row, _ = ParametresSanctions.objects.update_or_create(departement_id=departement_id, defaults=data)
    return row


def contrats_du_carnet(carnet):
    return Contrat.objects.filter(carnet=carnet).order_by("-date_debut")


def rendez_vous_manques(carnet):
    return RendezVous.objects.filter(carnet=carnet, statut="absent").order_by("-date_heure")
