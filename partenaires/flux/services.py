"""A run of a CAF/MSA flux file: deposit, claim, two streaming passes, progress, report.

The deposit (browser or API) stores the file in private storage and enqueues `partenaires.tasks.traiter_flux`
after the commit. The run claims its row with a conditional UPDATE (a second delivery of the task gets
nothing; a run whose heartbeat stopped for HEARTBEAT_LOST was lost with its worker and may be taken over —
harmless, since unchanged records write nothing). One run at a time per département (advisory lock): two
files cannot create the same person twice.

Pass 1 (`lecture.controler`) checks the whole file and counts its households before anything is written;
pass 2 applies them by batches of LOT, one transaction per batch, the row's counters saved with each batch
(the progress bar and the heartbeat). In pass 2 the file is read and each household prepared ahead (two batches at
most) while the current batch is matched and written: in a second process for a large file
(`spie.pipeline.en_processus`: reading, validating and preparing the households is about two thirds of the Python
work of a first load, and then runs on the other core), else in a thread (`spie.pipeline.en_avance`: starting a
process costs about a second).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from carnet.search import merge_pending_entries
from partenaires.flux.controles import FluxPlusAncien, verifier_fichier
from partenaires.flux.integration import Communes, Integration, preparer
from partenaires.flux.lecture import FluxRefuse, controler, lire_foyers, verifier_entete
from partenaires.flux.mutations import mutations_proposer
from partenaires.models import CanalDepot, ImportFlux, StatutTraitement
from spie import services as spie_services
from spie.locks import session_lock
from spie.outbox import enqueue
from spie.pipeline import en_avance, en_processus, processus_possible
from spie.spreadsheet import csv_bytes

LOT = 1000
# From this size (about 5,000 households), pass 2 prepares the households in a second process.
SEUIL_PROCESSUS = 12 * 1024 * 1024
# Batches prepared ahead by the child: it starts with pass 1 and prepares this many while the file is checked.
PROFONDEUR_PROCESSUS = 4
HEARTBEAT_LOST = timedelta(minutes=10)
TAILLE_MAX = 1024 * 1024 * 1024  # 1 Gio: a département's monthly file is a few hundred Mio at most
# Advisory lock namespace of the writes of bénéficiaires by imports (flux and spreadsheets), per département.
VERROU_IMPORTS = 7_601_076


def verrou_imports(departement_id):
    """One import writing bénéficiaires at a time in a département (PostgreSQL session advisory lock)."""
    return session_lock(VERROU_IMPORTS, departement_id)


def debut_file_par_defaut(jour=None):
    """The start of the orientation queue proposed at a département's first file: the first day of this month
    (people who entered the RSA before are the stock, not new entrants)."""
    return (jour or timezone.localdate()).replace(day=1)


def flux_deposer(*, departement, fichier, depose_par=None, jeton=None, rejeu=False, debut_file=None) -> ImportFlux:
    """Store an uploaded flux and enqueue its run after the commit. Raises FluxRefuse for a file refused at once.

    `rejeu`: the administrator confirmed applying a file older than the last one imported (recorded on the row).
    `debut_file`: at the département's first file, the start of its orientation queue (default: this month's
    first day); ignored afterwards."""
    from partenaires.tasks import traiter_flux

    if fichier.size > TAILLE_MAX:
        raise FluxRefuse(f"Le fichier dépasse la taille maximale de {TAILLE_MAX // (1024 * 1024)} Mo.")
    verifier_entete(fichier)
    row = ImportFlux(
        departement=departement,
        fichier=fichier,
        nom_fichier=(fichier.name or "flux.xml")[:255],
        taille=fichier.size,
        canal=CanalDepot.API if jeton is not None else CanalDepot.WEB,
        depose_par=depose_par,
        jeton=jeton,
        rejeu=rejeu,
        rejeu_confirme_par=depose_par if rejeu else None,
        rejeu_confirme_le=timezone.now() if rejeu else None,
    )
    if departement.debut_file_orientation is None:
        row.date_limite_file = debut_file or debut_file_par_defaut()
    row.save()
    if row.date_limite_file:
        spie_services.debut_file_orientation_fixer(departement=departement, debut=row.date_limite_file)
    enqueue(traiter_flux, row.pk, departement.pk)
    return row


def rejeu_proposable(row) -> bool:
    """The run was refused because its file is older than the last one imported (DTREF), and not yet replayed."""
    return row.statut == StatutTraitement.ECHEC and bool((row.rapport or {}).get("rejeu_possible")) and not row.rejeu


def flux_rejeu_confirmer(*, row, par) -> bool:
    """The administrator `par` confirms replaying a file refused for being older than the last one imported: the
    row records who and when, and the same stored file is run again (`rejeu`: the DTREF check then lets it
    through, with a warning in the report). False when the run is no longer refused that way."""
    from partenaires.tasks import traiter_flux

    if not rejeu_proposable(row):
        return False
    now = timezone.now()
    confirme = ImportFlux.objects.filter(pk=row.pk, statut=StatutTraitement.ECHEC, rejeu=False).update(
        rejeu=True,
        rejeu_confirme_par=par,
        rejeu_confirme_le=now,
        statut=StatutTraitement.EN_ATTENTE,
        finished_at=None,
        rapport={},
        updated_at=now,
    )
    if confirme:
        enqueue(traiter_flux, row.pk, row.departement_id)
    return bool(confirme)


# A run lost with its worker is taken up again this many times by the sweep, then marked failed.
MAX_REPRISES = 2
MESSAGE_INTERROMPU = (
    "Le traitement a été interrompu après {traites} foyers sur {total} (arrêt du serveur de tâches) et n'a pas pu "
    "reprendre. Les foyers déjà traités sont enregistrés. Relancez le traitement depuis cette page : les personnes "
    "déjà à jour ne seront pas réécrites."
)


def est_bloque(row, now=None) -> bool:
    """En cours with a heartbeat older than HEARTBEAT_LOST: its worker was lost."""
    now = now or timezone.now()
    return row.statut == StatutTraitement.EN_COURS and row.updated_at < now - HEARTBEAT_LOST


def peut_relancer(row) -> bool:
    return row.statut == StatutTraitement.ECHEC or est_bloque(row)


def traitement_relancer(*, row, task) -> bool:
    """Put a failed or lost run (flux or spreadsheet import) back in the queue; False when it is no longer so.

    The conditional UPDATE keeps a run that came back to life (fresh heartbeat) or finished from being restarted.
    """
    now = timezone.now()
    relance = (
        type(row)
        .objects.filter(pk=row.pk)
        .filter(
            Q(statut=StatutTraitement.ECHEC) | Q(statut=StatutTraitement.EN_COURS, updated_at__lt=now - HEARTBEAT_LOST)
        )
        .update(statut=StatutTraitement.EN_ATTENTE, finished_at=None, rapport={}, updated_at=now)
    )
    if relance:
        enqueue(task, row.pk, row.departement_id)
    return bool(relance)


def traitements_reprendre(model, task, *, max_reprises=MAX_REPRISES) -> tuple[int, int]:
    """The sweep (in a département's scope): runs lost with their worker are taken up again (the task's claim
    takes over a run whose heartbeat stopped), at most `max_reprises` times, then marked failed with a clear
    message. Returns (taken up, failed)."""
    now = timezone.now()
    reprises, echecs = 0, 0
    perdus = model.objects.filter(statut=StatutTraitement.EN_COURS, updated_at__lt=now - HEARTBEAT_LOST)
    for row in perdus.only("pk", "departement_id", "rapport", "traites", "total"):
        deja = (row.rapport or {}).get("reprises", 0)
        if deja < max_reprises:
            # The heartbeat is not touched: the task's claim must still see the run as lost.
            model.objects.filter(pk=row.pk).update(rapport={**(row.rapport or {}), "reprises": deja + 1})
            enqueue(task, row.pk, row.departement_id)
            reprises += 1
        else:
            message = MESSAGE_INTERROMPU.format(traites=row.traites, total=row.total or "?")
            model.objects.filter(pk=row.pk, statut=StatutTraitement.EN_COURS).update(
                statut=StatutTraitement.ECHEC,
                finished_at=now,
                updated_at=now,
                rapport={**(row.rapport or {}), "message": message},
            )
            echecs += 1
    return reprises, echecs


def liberer(model, row, exc):
    """After a database error (PostgreSQL restarting): give the claim back so that the task's retry takes the run
    at once. When the database is still away, the claim is written on the error (`exc.reprise`, the claim's
    start): the task's retry gives it back first (`rendre`), instead of waiting for the heartbeat to age."""
    try:
        model.objects.filter(pk=row.pk, statut=StatutTraitement.EN_COURS).update(
            statut=StatutTraitement.EN_ATTENTE, updated_at=timezone.now()
        )
    except (OperationalError, InterfaceError):
        exc.reprise = row.started_at.isoformat()


def rendre(model, import_id, reprise):
    """Give back the claim started at `reprise` (this task's own, interrupted by a database error); a run claimed
    since by another worker (a later start) is left alone."""
    model.objects.filter(
        pk=import_id, statut=StatutTraitement.EN_COURS, started_at=datetime.fromisoformat(reprise)
    ).update(statut=StatutTraitement.EN_ATTENTE, updated_at=timezone.now())


def _claim(import_id):
    now = timezone.now()
    claimed = (
        ImportFlux.objects.filter(pk=import_id)
        .filter(
            Q(statut=StatutTraitement.EN_ATTENTE)
            | Q(statut=StatutTraitement.EN_COURS, updated_at__lt=now - HEARTBEAT_LOST)
        )
        .update(statut=StatutTraitement.EN_COURS, started_at=now, updated_at=now, traites=0)
    )
    return ImportFlux.objects.select_related("departement").filter(pk=import_id).first() if claimed else None


def _source(row):
    """A path when the storage has one (libxml2 then reads the file itself, faster), else an open file."""
    try:
        return row.fichier.path, None
    except NotImplementedError:
        handle = row.fichier.open("rb")
        return handle, handle


def _save_progress(row, integration, **extra):
    c = integration.compteurs
    ImportFlux.objects.filter(pk=row.pk).update(
        traites=c.traites,
        crees=c.crees,
        mis_a_jour=c.mis_a_jour,
        inchanges=c.inchanges,
        rejetes=c.rejetes,
        ignores=c.ignores,
        updated_at=timezone.now(),
        **extra,
    )


def _finish(row, statut, rapport, **extra):
    now = timezone.now()
    ImportFlux.objects.filter(pk=row.pk).update(
        statut=statut, rapport=rapport, finished_at=now, updated_at=now, **extra
    )


def flux_run(*, import_id):
    """Run a deposited flux (inside its département's scope). Quietly does nothing when the row is gone or taken."""
    row = _claim(import_id)
    if row is None:
        return None
    with verrou_imports(row.departement_id):
        source, handle, lots = None, None, None
        integration = Integration(departement_id=row.departement_id, communes=Communes(row.departement.code))
        avertissements = []
        try:
            source, handle = _source(row)
            lots = _preparation_en_processus(row, source)
            controle = controler(source)
            avertissements = controle.avertissements + verifier_fichier(row, controle)
            ImportFlux.objects.filter(pk=row.pk).update(
                total=controle.total,
                date_reference=controle.date_reference or None,
                organisme=controle.organisme[:40],
                updated_at=timezone.now(),
            )
            # The next batch is read and prepared (no database) while the current one is written.
            if lots is None:
                lots = en_avance(_lots(source), nom=f"flux-{row.pk}")
            for batch in lots:
                _apply(row, integration, batch)
        except (OperationalError, InterfaceError) as exc:
            # The database went away (restart, failover): nothing half-written (one transaction per batch); the
            # task retries with backoff (partenaires.tasks) and the run starts again from the file, the batches
            # already committed finding their people unchanged.
            liberer(ImportFlux, row, exc)
            raise
        except (FluxRefuse, FileNotFoundError) as exc:
            message = str(exc) if isinstance(exc, FluxRefuse) else "Le fichier déposé est introuvable."
            rapport = _rapport(integration, avertissements, message=message)
            if isinstance(exc, FluxPlusAncien):
                rapport["rejeu_possible"] = True
            _finish(row, StatutTraitement.ECHEC, rapport)
            return row
        except Exception:
            _finish(
                row,
                StatutTraitement.ECHEC,
                _rapport(
                    integration,
                    avertissements,
                    message=f"Le traitement s'est interrompu sur une erreur inattendue après "
                    f"{integration.compteurs.traites} foyers ; les foyers déjà traités sont enregistrés. Déposez à "
                    "nouveau le fichier : les personnes déjà à jour ne seront pas réécrites.",
                ),
            )
            raise
        finally:
            if lots is not None:
                lots.close()  # stops the preparation (a file refused by pass 1, an error)
            if handle is not None:
                handle.close()
        _save_progress(row, integration)
        merge_pending_entries()
        rapport = _rapport(integration, avertissements)
        absents = integration.absents(controle.organisme)
        if absents:
            rapport["absents"] = len(absents)
            rapport["avertissements"].insert(0, message_absents(absents))
        rapport["avertissements"].extend(_mutations(row))
        _finish(row, StatutTraitement.TERMINE, rapport)
    _log_run(row)
    return row


def _mutations(row):
    """Transfers announced by the file (`partenaires.flux.mutations`), after the households are written."""
    source, handle = _source(row)
    try:
        return mutations_proposer(departement=row.departement, source=source)
    finally:
        if handle is not None:
            handle.close()


def _preparation_en_processus(row, source):
    """The batches of `_lots`, prepared in a child process started now (it works while pass 1 checks the file), when
    the file is large, has a path (the child opens it itself) and this process may have children; else None (the
    thread of `en_avance` prepares them, after pass 1)."""
    if row.taille < SEUIL_PROCESSUS or not isinstance(source, str) or not processus_possible():
        return None
    # The hashing key of the NIRs as this process has it (a test may override it).
    reglages = {"FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY}
    return en_processus(_lots_legers, source, profondeur=PROFONDEUR_PROCESSUS, nom=f"flux-{row.pk}", reglages=reglages)


def _lots_legers(source):
    """`_lots` without what the writing side no longer needs (the people as read, the address: in `cibles`), so
    that less crosses the process boundary."""
    for batch in _lots(source):
        for foyer, _, _ in batch:
            foyer.personnes, foyer.adresse = [], None
        yield batch


def _lots(source):
    """The households of the file prepared (`preparer`: no database), by batches of LOT."""
    batch = []
    for foyer in lire_foyers(source):
        batch.append(preparer(foyer))
        if len(batch) >= LOT:
            yield batch
            batch = []
    if batch:
        yield batch


def _apply(row, integration, batch):
    with transaction.atomic():
        # Each batch is idempotent and the run can be taken over: a crash may lose the last batches' commits
        # (never consistency), so the commit does not wait for the WAL flush.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        lot = integration.decider(batch)
        lot.ecrire()
        _save_progress(row, integration)
    if lot.nouveaux:
        analyser_si_perime(integration.compteurs.crees)


# Only the columns the matching queries filter on: computing the statistics of the whole row (the trigram
# arrays above all) costs seconds.
COLONNES_ANALYSEES = ["departement_id", "nir_hash", "numero_allocataire"]


def analyser_si_perime(crees):
    """Refresh the planner's statistics of the people's table when this run has more than doubled it since they
    were computed (or they never were): the first import into an empty database. With such statistics the
    matching queries of the next batches would scan every person of the département instead of using their
    indexes; a populated table needs nothing (PostgreSQL scales its estimates with the table's size, and
    autovacuum keeps them). `crees`: people created by the run so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'carnet_beneficiaire'::regclass")
        (reltuples,) = cursor.fetchone()
        if reltuples < 0 or crees > reltuples:
            quote = connection.ops.quote_name
            cursor.execute(f"ANALYZE carnet_beneficiaire ({', '.join(quote(c) for c in COLONNES_ANALYSEES)})")


MAX_ABSENTS_NOMMES = 50


def message_absents(numeros):
    """The report's warning on the households of open rights missing from the file (`Integration.absents`)."""
    cites = ", ".join(numeros[:MAX_ABSENTS_NOMMES]) + ("…" if len(numeros) > MAX_ABSENTS_NOMMES else "")
    return (
        f"{len(numeros)} foyer(s) au droit ouvert ou en attente d'après les flux précédents n'apparaissent pas dans "
        f"ce fichier (numéros d'allocataire : {cites}). Le flux transmet chaque mois tous les dossiers non radiés, "
        "et un dossier clos une seule fois : leur absence n'est pas normale. Leurs droits ne sont pas modifiés (ni "
        "clos, ni confirmés) ; vérifiez ces dossiers auprès de l'organisme."
    )


def _rapport(integration, avertissements, message=""):
    return {
        "message": message,
        "avertissements": list(avertissements) + integration.avertissements,
        "rejets": integration.rejets,
        "rejets_non_detailles": integration.rejets_non_detailles,
    }


def _log_run(row):
    from spie.audit import log_access
    from spie.models import Action, Canal

    row.refresh_from_db()
    log_access(
        action=Action.MODIFICATION,
        obj=row,
        user=row.depose_par,
        departement=row.departement,
        canal=Canal.TACHE,
        api_token_id=row.jeton_id,
        details={
            "crees": row.crees,
            "mis_a_jour": row.mis_a_jour,
            "inchanges": row.inchanges,
            "rejetes": row.rejetes,
            "ignores": row.ignores,
        },
    )


RAPPORT_COLONNES = ["position du foyer", "ligne", "matricule", "motif du rejet"]


def rapport_csv(row) -> bytes:
    """The rejections as CSV for a spreadsheet (UTF-8 with BOM, semicolons); never a NIR nor a name."""
    lignes = [[rejet.get(key) for key in ("position", "ligne", "matricule", "motif")] for rejet in row.rejets]
    return csv_bytes([RAPPORT_COLONNES, *lignes])
