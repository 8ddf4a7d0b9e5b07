"""Monthly reports: asked for by an administrator or by beat on the 1st, produced by a task with progress.

The row is claimed by a conditional UPDATE (en attente → en cours), so a task delivered twice produces the
report once; a run whose heartbeat stopped (lost worker) may be taken over.
"""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from spie.outbox import enqueue
from spie.tenancy import departement_scope
from suivi.indicateurs import calcul, rapport
from suivi.models import RapportMensuel, StatutRapport

logger = logging.getLogger(__name__)

BATTEMENT_PERDU = datetime.timedelta(minutes=10)


def mois_du_dernier_rapport(aujourdhui=None) -> datetime.date:
    """The last complete month: the one a report is produced for on the 1st."""
    return calcul.mois_precedent((aujourdhui or timezone.localdate()).replace(day=1))


def rapport_demander(*, departement, mois, user=None) -> RapportMensuel:
    """Create or reset the month's report and enqueue its production after commit. A report being produced
    right now is left alone (the page shows its progress)."""
    from suivi.tasks import produire_rapport

    mois = mois.replace(day=1)
    rapport_mensuel, _ = RapportMensuel.objects.select_for_update().get_or_create(
        departement_id=departement.pk, mois=mois
    )
    en_cours = rapport_mensuel.statut == StatutRapport.EN_COURS and (
        rapport_mensuel.updated_at > timezone.now() - BATTEMENT_PERDU
    )
    if en_cours:
        return rapport_mensuel
    rapport_mensuel.statut = StatutRapport.EN_ATTENTE
    rapport_mensuel.etapes_faites, rapport_mensuel.etapes_total, rapport_mensuel.etape = 0, 0, ""
    rapport_mensuel.erreur = ""
    rapport_mensuel.demande_par = user
    rapport_mensuel.save()
    enqueue(produire_rapport, rapport_mensuel.pk, departement.pk)
    return rapport_mensuel


def rapports_mensuels_lancer(*, departement) -> int:
    """Beat, on the 1st: the previous month's report, unless it is already produced (a second run does nothing)."""
    mois = mois_du_dernier_rapport()
    if RapportMensuel.objects.filter(mois=mois, statut=StatutRapport.TERMINE).exists():
        return 0
    rapport_demander(departement=departement, mois=mois)
    return 1


def _claim(rapport_id):
    now = timezone.now()
    claimed = (
        RapportMensuel.objects.filter(pk=rapport_id)
        .filter(
            Q(statut=StatutRapport.EN_ATTENTE) | Q(statut=StatutRapport.EN_COURS, updated_at__lt=now - BATTEMENT_PERDU)
        )
        .update(statut=StatutRapport.EN_COURS, started_at=now, updated_at=now, etapes_faites=0)
    )
    return RapportMensuel.objects.select_related("departement").filter(pk=rapport_id).first() if claimed else None


def _avancer(row, etape, faites, total):
    RapportMensuel.objects.filter(pk=row.pk).update(
        etape=etape, etapes_faites=faites, etapes_total=total, updated_at=timezone.now()
    )


def rapport_produire(*, rapport_id) -> RapportMensuel | None:
    """Recompute the month (and any missing month of the trends), then write the PDF. Inside the scope."""
    row = _claim(rapport_id)
    if row is None:
        return None
    departement, mois = row.departement, row.mois
    debut = calcul.mois_avant(mois, rapport.MOIS_TENDANCE - 1)
    manquants = [m for m in calcul.mois_manquants(departement, debut, mois) if m != mois]
    total, faites = len(manquants) + 3, 0
    try:
        _avancer(row, f"Calcul des indicateurs de {rapport.lecture.mois_long(mois)}", faites, total)
        calcul.calculer_mois(departement, mois)
        faites += 1
        for manquant in manquants:
            _avancer(row, f"Calcul des indicateurs de {rapport.lecture.mois_long(manquant)}", faites, total)
            calcul.calculer_mois(departement, manquant)
            faites += 1
        _avancer(row, "Mise en page des tableaux et des graphiques", faites, total)
        with departement_scope(departement):
            sections = rapport.sections(departement, mois)
        faites += 1
        _avancer(row, "Production du PDF", faites, total)
        contenu = rapport.pdf(departement, mois, sections)
    except Exception as exc:
        logger.exception("Rapport mensuel %s : échec", row.pk)
        RapportMensuel.objects.filter(pk=row.pk).update(
            statut=StatutRapport.ECHEC,
            erreur=f"erreur inattendue ({type(exc).__name__}) ; relancez la production.",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        raise
    ancien = row.fichier.name if row.fichier else ""
    row.fichier.save(f"rapport-{mois:%Y-%m}.pdf", ContentFile(contenu), save=False)
    RapportMensuel.objects.filter(pk=row.pk).update(
        fichier=row.fichier.name,
        taille=len(contenu),
        statut=StatutRapport.TERMINE,
        etapes_faites=total,
        etapes_total=total,
        etape="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if ancien and ancien != row.fichier.name:
        row.fichier.storage.delete(ancien)
    row.refresh_from_db()
    return row
