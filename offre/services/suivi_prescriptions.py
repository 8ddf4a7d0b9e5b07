"""The outcome of an accepted prescription, step by step, up to its end; reminders when it is overdue.

Steps (`EtapeSuivi`): the person showed up or not (with a reason from the list), was retained or not (reason),
entered the action on a date, completed or abandoned it (reason). The receiving structure or a member of the
person's group records each step (web or partner API); the order is enforced (`ETAPES_SUIVANTES`), each step
once (a constraint), the prescription carries the last one. Each step writes one line in the carnet's
timeline and tells the other side. A step is claimed by a conditional UPDATE on the prescription's current
step, so that two people recording at the same time cannot both succeed.
"""

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from offre.models import (
    ETAPES_SUIVANTES,
    MOTIFS_PAR_ETAPE,
    SUIVI_EN_RETARD_APRES,
    EtapePrescription,
    EtapeSuivi,
    MotifEtape,
    Prescription,
    StatutPrescription,
)
from offre.services.catalogue import RegleMetier
from offre.services.prescriptions import _changed, _each_departement, _event, _receivers, exiger_carnet_ouvert
from spie.notifications import notify

ETAPES_FINALES = frozenset(etape for etape, suivantes in ETAPES_SUIVANTES.items() if not suivantes)


def etapes_possibles(prescription) -> tuple:
    """The steps that may be recorded now (none unless the prescription was accepted)."""
    if prescription.statut != StatutPrescription.ACCEPTEE:
        return ()
    return ETAPES_SUIVANTES.get(prescription.etape or "", ())


def _verifier(prescription, etape, date, motif):
    if prescription.statut != StatutPrescription.ACCEPTEE:
        raise RegleMetier("Le suivi ne commence qu'une fois la prescription acceptée par la structure.")
    if etape not in etapes_possibles(prescription):
        actuelle = EtapeSuivi(prescription.etape).label.lower() if prescription.etape else "acceptée"
        raise RegleMetier(
            f"Cette étape ne peut pas suivre l'étape actuelle ({actuelle}) : "
            + (
                ", ".join(EtapeSuivi(e).label.lower() for e in etapes_possibles(prescription))
                or "le suivi est terminé"
            )
            + "."
        )
    motifs = MOTIFS_PAR_ETAPE.get(etape, ())
    if motifs and motif not in motifs:
        liste = ", ".join(MotifEtape(m).label.lower() for m in motifs)
        raise RegleMetier(f"Choisissez le motif dans la liste : {liste}.")
    if not motifs and motif:
        raise RegleMetier("Cette étape ne prend pas de motif.")
    if date > timezone.localdate():
        raise RegleMetier("La date d'une étape ne peut pas être dans le futur.")
    if prescription.repondue_le and date < timezone.localdate(prescription.repondue_le):
        raise RegleMetier("La date d'une étape ne peut pas précéder l'acceptation de la prescription.")


@transaction.atomic
def prescription_etape_enregistrer(
    *, prescription, etape, date, auteur, structure, motif="", precision=""
) -> EtapePrescription:
    """Record the next outcome step. `auteur` is None when a structure acts through the partner API. Refused on a
    closed carnet."""
    exiger_carnet_ouvert(prescription)
    _verifier(prescription, etape, date, motif)
    now = timezone.now()
    claimed = Prescription.objects.filter(
        pk=prescription.pk, statut=StatutPrescription.ACCEPTEE, etape=prescription.etape or ""
    ).update(etape=etape, etape_le=now, suivi_relance_le=None)
    if not claimed:
        raise RegleMetier("Quelqu'un vient d'enregistrer une autre étape : rechargez la page.")
    row = EtapePrescription.objects.create(
        departement_id=prescription.departement_id,
        prescription=prescription,
        etape=etape,
        date=date,
        motif=motif,
        precision=precision.strip(),
        auteur=auteur,
        structure=structure,
    )
    prescription.refresh_from_db()
    _changed(prescription, ["etape", "etape_le", "suivi_relance_le"])
    service = prescription.service
    resume = f"« {service.nom} » : {EtapeSuivi(etape).label.lower()} le {date:%d/%m/%Y}"
    if motif:
        resume += f" ({MotifEtape(motif).label.lower()})"
    _event(prescription, resume, auteur, structure)
    _prevenir(prescription, structure, resume)
    return row


def _prevenir(prescription, structure, resume):
    """Tell the other side: the prescriber when the receiving structure records, the structure otherwise."""
    if structure.pk == prescription.structure_destinataire_id:
        destinataires = [prescription.prescripteur]
        lien = reverse("offre:carnet_prescriptions", kwargs={"uid": prescription.carnet.uid})
    else:
        destinataires = _receivers(prescription)
        lien = reverse("offre:prescription_recue", kwargs={"uid": prescription.uid})
    for user in destinataires:
        notify(
            user=user,
            departement_id=prescription.departement_id,
            titre="Suivi d'une prescription",
            message=resume + ".",
            lien=lien,
            cle=f"prescription:{prescription.uid}:etape:{prescription.etape}",
        )


# --- Reminders (beat) -----------------------------------------------------------------------------------------


def suivis_en_retard(now=None):
    """Accepted prescriptions whose outcome is not final and has not moved for `SUIVI_EN_RETARD_APRES`, not
    reminded since their last step."""
    limite = (now or timezone.now()) - SUIVI_EN_RETARD_APRES
    derniere = Q(etape_le__lte=limite) | Q(etape_le=None, repondue_le__lte=limite)
    return (
        Prescription.objects.filter(statut=StatutPrescription.ACCEPTEE, suivi_relance_le=None)
        .exclude(etape__in=ETAPES_FINALES)
        .filter(derniere)
    )


def prescriptions_suivi_relancer(*, now=None) -> int:
    """Remind the receiving structure and the prescriber of every overdue outcome (once per step)."""
    return _each_departement(_relancer, now or timezone.now())


def _relancer(now):
    done = 0
    for prescription in suivis_en_retard(now).select_related("service", "carnet", "prescripteur").order_by("pk"):
        with transaction.atomic():
            claimed = Prescription.objects.filter(
                pk=prescription.pk, suivi_relance_le=None, etape=prescription.etape
            ).update(suivi_relance_le=now)
            if not claimed:
                continue
            etape = EtapeSuivi(prescription.etape).label.lower() if prescription.etape else "acceptée"
            message = (
                f"Le suivi de la prescription vers « {prescription.service.nom} » n'a pas avancé depuis "
                f"{SUIVI_EN_RETARD_APRES.days} jours (dernière étape : {etape}). Indiquez où en est la personne."
            )
            cle = f"prescription:{prescription.uid}:suivi-relance:{prescription.etape or 'acceptee'}"
            lien_structure = reverse("offre:prescription_recue", kwargs={"uid": prescription.uid})
            for user in _receivers(prescription):
                notify(
                    user=user,
                    departement_id=prescription.departement_id,
                    titre="Suivi de prescription à compléter",
                    message=message,
                    lien=lien_structure,
                    cle=cle,
                )
            notify(
                user=prescription.prescripteur,
                departement_id=prescription.departement_id,
                titre="Suivi de prescription à compléter",
                message=message,
                lien=reverse("offre:carnet_prescriptions", kwargs={"uid": prescription.carnet.uid}),
                cle=cle,
            )
            done += 1
    return done


# --- Indicators -----------------------------------------------------------------------------------------------


def indicateurs_prescriptions(prescriptions, *, par="service"):
    """Uptake and completion by service (`par="service"`) or receiving structure (`par="structure"`).

    Each row: accepted, entered (uptake = entered / accepted), completed and abandoned (completion = completed /
    entered, once finished or not). Counts from the steps recorded: a step not recorded is not guessed."""
    cle = {"service": ("service__uid", "service__nom"), "structure": ("structure_destinataire__uid",
           "structure_destinataire__nom")}[par]  # fmt: skip
    entrees = Q(etapes__etape=EtapeSuivi.ENTREE)
    rows = (
        prescriptions.values(*cle)
        .annotate(
            envoyees=Count("pk", distinct=True),
            acceptees=Count("pk", filter=Q(statut=StatutPrescription.ACCEPTEE), distinct=True),
            entrees=Count("pk", filter=entrees, distinct=True),
            terminees=Count("pk", filter=Q(etape=EtapeSuivi.TERMINEE), distinct=True),
            abandonnees=Count("pk", filter=Q(etape=EtapeSuivi.ABANDONNEE), distinct=True),
        )
        .order_by(cle[1], cle[0])
    )
    resultat = []
    for row in rows:
        resultat.append(
            {
                "uid": row[cle[0]],
                "nom": row[cle[1]],
                **{k: row[k] for k in ("envoyees", "acceptees", "entrees", "terminees", "abandonnees")},
                "taux_entree": _taux(row["entrees"], row["acceptees"]),
                "taux_achevement": _taux(row["terminees"], row["entrees"]),
            }
        )
    return resultat


def _taux(numerateur, denominateur):
    return round(100 * numerateur / denominateur) if denominateur else None
