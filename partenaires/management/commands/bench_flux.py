"""Measure the CAF/MSA flux import: households per second, memory, writes of a re-run of the same file.

    DATABASE_URL=postgresql://…/bench_flux python manage.py bench_flux --foyers 50000 [--changements 10000]

Generates two windows-1252 files of `--foyers` households each (valid against the official schema) in a temporary
directory with `partenaires.dev.generation_flux`: month 1, every household new, and month 2, the same households a
month later (DTREF) with `--changements` of them changed (right suspended or closed, new address, spouse leaving the
household, no fixed abode), as a département receives them. Then runs the import as the task does (deposit in
private storage, claim, two streaming passes, batches):

1. month 1, first load: people and carnets created; timed;
2. month 1 again: nothing changed; the rows written to the carnet tables are counted by PostgreSQL
   (`pg_stat_user_tables`), they must be 0;
3. month 2: the changes (updates and their timeline events, in bulk); timed;
4. month 2 again: 0 writes, counted the same way;
5. month 2 once more under `tracemalloc`: peak of the Python heap, compared with the file size.

Peak RSS of the process (`resource.getrusage`) is printed after each step: it must not grow with the runs (flat
memory). A large file's households are prepared in a child process: its CPU and peak RSS are printed apart
(`RUSAGE_CHILDREN`), the households per CPU-second are given for each process and for both together. Writes people,
carnets and timeline rows that cannot be removed (the timeline is append-only): use a benchmark database, never real
data.
"""

import datetime
import os
import platform
import random
import resource
import tempfile
import time
import tracemalloc

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import BigIntegerField, Max
from django.db.models.functions import Cast
from django.test.utils import override_settings

from carnet.models import Beneficiaire
from partenaires.dev.generation_flux import ecrire_flux, generer_foyers
from partenaires.flux.services import flux_run
from partenaires.models import ImportFlux
from spie.models import Commune, Departement
from spie.tenancy import departement_scope

TABLES = ["carnet_beneficiaire", "carnet_carnet", "carnet_evenement", "partenaires_empreinteflux"]
TARGET = 2500


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def enfants():
    """(CPU seconds, peak RSS in Mio) of the child processes that ended (the process preparing the households)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def backend_cpu():
    """CPU seconds used so far by this connection's PostgreSQL backend (user + system, read in /proc when the server
    runs on this machine and the process may read it), or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def table_writes():
    """Rows inserted, updated or deleted so far in the carnet tables, as PostgreSQL counts them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [TABLES],
        )
        return dict(cursor.fetchall())


class Command(BaseCommand):
    help = "Mesure l'import du flux CAF/MSA (foyers par seconde, mémoire, écritures d'un second passage)."

    def add_arguments(self, parser):
        parser.add_argument("--foyers", type=int, default=50_000)
        parser.add_argument("--changements", type=int, default=10_000, help="Foyers changés au 2e mois.")
        parser.add_argument("--departement", default="76", help="Code du département (déjà créé).")
        parser.add_argument("--seed", type=int, default=2026)

    @override_settings(DEBUG=False)
    def handle(self, *args, foyers, changements, departement, seed, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département inconnu : créez-le d'abord (administration nationale ou shell).")
        with departement_scope(departement):
            communes = list(
                Commune.objects.filter(departement_id=departement.code)
                .order_by("-population", "code_insee")
                .values_list("code_insee", "codes_postaux", "nom")[:300]
            )
            if not communes:
                raise CommandError("Aucune commune : lancez d'abord « manage.py charger_referentiels ».")
            communes = [(code, (postaux or ["00000"])[0], nom[:32]) for code, postaux, nom in communes]
            # New people on every invocation: matricules (and so NIRs) after those of earlier runs.
            last = Beneficiaire.objects.filter(numero_allocataire__regex=r"^1[0-9]{6,8}$").aggregate(
                last=Max(Cast("numero_allocataire", BigIntegerField()))
            )["last"]
            premier = last - 1_000_000 + 1 if last else 0
            # Months after the files already imported (an older DTREF would be refused).
            dernier = ImportFlux.objects.aggregate(last=Max("date_reference"))["last"]
            mois_1 = max(datetime.date.today(), (dernier or datetime.date.min) + datetime.timedelta(days=1))
            mois_2 = mois_1 + datetime.timedelta(days=31)
            with tempfile.TemporaryDirectory(prefix="bench-flux-") as directory:
                started = time.perf_counter()
                generated = list(
                    generer_foyers(foyers, seed=seed, departement=departement.code, communes=communes, premier=premier)
                )
                path_1, path_2 = os.path.join(directory, "flux-1.xml"), os.path.join(directory, "flux-2.xml")
                ecrire_flux(path_1, generated, date_reference=mois_1)
                changes = changer(generated, changements, mois_2, seed)
                ecrire_flux(path_2, generated, date_reference=mois_2)
                del generated
                size = os.path.getsize(path_2)
                self.stdout.write(
                    f"Fichiers générés : 2 × {foyers} foyers ({changes}), {os.path.getsize(path_1) / 1024 / 1024:.1f} "
                    f"et {size / 1024 / 1024:.1f} Mio (windows-1252) en {time.perf_counter() - started:.1f} s ; "
                    f"RSS max {rss_mib():.0f} Mio"
                )
                self.stdout.write(f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs")
                first = self._run(departement, path_1, "Mois 1, 1er chargement (tout est nouveau)")
                rerun_1 = self._writes(departement, path_1, "Mois 1, même fichier à nouveau")
                second = self._run(departement, path_2, f"Mois 2 ({changements} foyers changés)")
                rerun_2 = self._writes(departement, path_2, "Mois 2, même fichier à nouveau")
                tracemalloc.start()
                self._run(departement, path_2, "Mois 2 encore (sous tracemalloc)")
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                self.stdout.write(
                    f"Mémoire : pic tracemalloc {peak / 1024 / 1024:.1f} Mio pour un fichier de "
                    f"{size / 1024 / 1024:.1f} Mio ({100 * peak / size:.1f} % de sa taille) ; RSS max du processus "
                    f"{rss_mib():.0f} Mio"
                )
        rate_1, rate_2 = foyers / first.duree, foyers / second.duree
        writes = rerun_1 + rerun_2
        verdict = "OK" if min(rate_1, rate_2) >= TARGET and writes == 0 else "OBJECTIF NON ATTEINT"
        self.stdout.write(
            f"Résultat : {rate_1:.0f} foyers/s au 1er chargement, {rate_2:.0f} foyers/s au mois 2, {writes} "
            f"écriture(s) aux passages répétés (objectif ≥ {TARGET} foyers/s et 0 écriture) : {verdict}"
        )
        # On a machine shared with other work, the wall clock measures the wait for a processor: the CPU used by
        # the process and by its PostgreSQL connection are the comparable figures.
        for label, run in (("1er chargement", first), ("mois 2", second)):
            pg = f"{run.cpu_pg:.1f} s" if run.cpu_pg is not None else "non mesuré"
            self.stdout.write(
                f"En temps CPU, {label} : {foyers / run.cpu:.0f} foyers par seconde de CPU du processus "
                f"({run.cpu:.1f} s), {foyers / max(run.cpu_enfant, 0.001):.0f} par seconde de CPU du processus de "
                f"préparation ({run.cpu_enfant:.1f} s), {foyers / (run.cpu + run.cpu_enfant):.0f} pour les deux "
                f"ensemble ; PostgreSQL {pg}, durée murale {run.duree:.1f} s"
            )

    def _writes(self, departement, path, label):
        before = table_writes()
        row = self._run(departement, path, label)
        after = table_writes()
        writes = sum(after.get(t, 0) - before.get(t, 0) for t in TABLES)
        self.stdout.write(
            f"  écritures dans {', '.join(TABLES)} : {writes} ligne(s) (pg_stat_user_tables) ; personnes créées "
            f"{row.crees}, mises à jour {row.mis_a_jour}"
        )
        return writes

    def _run(self, departement, path, label):
        with open(path, "rb") as handle:
            name = os.path.basename(path)
            row = ImportFlux(departement=departement, nom_fichier=name, taille=os.path.getsize(path))
            row.fichier.save(name, File(handle), save=False)
        row.save()
        pg = backend_cpu()
        child_start = enfants()[0]
        started, cpu = time.perf_counter(), time.process_time()
        flux_run(import_id=row.pk)
        duration, cpu = time.perf_counter() - started, time.process_time() - cpu
        child_cpu, child_rss = enfants()
        child_cpu -= child_start
        pg = backend_cpu() - pg if pg is not None else None
        row.refresh_from_db()
        row.fichier.delete(save=False)
        row.duree, row.cpu, row.cpu_pg, row.cpu_enfant = duration, cpu, pg, child_cpu
        postgres = f"{pg:.1f} s" if pg is not None else "non mesurable (serveur distant)"
        self.stdout.write(
            f"{label} : {row.traites} foyers en {duration:.1f} s, {row.traites / duration:.0f} foyers/s ; CPU du "
            f"processus {cpu:.1f} s, {row.traites / cpu:.0f} foyers par seconde de CPU ; CPU du processus de "
            f"préparation {child_cpu:.1f} s (RSS max {child_rss:.0f} Mio) ; CPU de PostgreSQL (sa connexion) "
            f"{postgres} ; charge de la machine {os.getloadavg()[0]:.1f} — créées "
            f"{row.crees}, mises à jour {row.mis_a_jour}, inchangées {row.inchanges}, foyers rejetés {row.rejetes}, "
            f"ignorés {row.ignores} ; statut {row.get_statut_display()} ; RSS max {rss_mib():.0f} Mio"
        )
        if row.statut != "termine":
            raise CommandError(f"Import en échec : {row.rapport.get('message')}")
        return row


def changer(foyers, nombre, mois, seed):
    """Change `nombre` households of month 1 (spread over the file) into their month 2: a right suspended or
    closed, a new address, a spouse who left the household, no fixed abode. Returns a summary."""
    rng = random.Random(f"bench-flux-mois-2-{seed}")
    kinds = {"droit suspendu": 0, "droit clos": 0, "nouvelle adresse": 0, "conjoint parti": 0, "sans domicile": 0}
    for foyer in rng.sample(foyers, min(nombre, len(foyers))):
        spouse = next((p for p in foyer.personnes if p.role == "CJT"), None)
        kind = rng.choice(list(kinds))
        if kind == "conjoint parti" and spouse is None:
            kind = "nouvelle adresse"
        if kind == "droit suspendu":
            foyer.etat = "4" if foyer.etat != "4" else "2"
            foyer.motif_suspension, foyer.date_suspension = ("01", mois) if foyer.etat == "4" else (None, None)
        elif kind == "droit clos":
            foyer.etat, foyer.motif_cloture, foyer.date_cloture = "6", "PCG", mois
        elif kind == "nouvelle adresse":
            foyer.adresse = (str(rng.randint(181, 400)), *foyer.adresse[1:])
        elif kind == "conjoint parti":
            spouse.fin_rattachement = mois - datetime.timedelta(days=10)
        else:
            foyer.sans_domicile_fixe = not foyer.sans_domicile_fixe
        kinds[kind] += 1
    return ", ".join(f"{kind} {count}" for kind, count in kinds.items())
