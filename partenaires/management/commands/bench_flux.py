"""Measure the CAF/MSA flux import: households per second, memory, writes of a second run of the same file.

    DATABASE_URL=postgresql://…/bench_flux python manage.py bench_flux --foyers 50000 [--departement 76]

Generates a windows-1252 file of `--foyers` new households (valid against the official schema) in a temporary
directory with `partenaires.dev.generation_flux`, then runs the import three times on the same file, as the task
does (deposit in private storage, claim, two streaming passes, batches):

1. first run: every household is new (people and carnets created); timed;
2. second run: nothing changed; timed; the rows written to the carnet tables are counted by PostgreSQL
   (`pg_stat_user_tables`), they must be 0;
3. third run under `tracemalloc`: peak of the Python heap, compared with the file size.

Peak RSS of the process (`resource.getrusage`) is printed after each step. Writes people, carnets and timeline
rows that cannot be removed (the timeline is append-only): use a benchmark database, never real data.
"""

import os
import platform
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
TARGET = 2000


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


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
        parser.add_argument("--departement", default="76", help="Code du département (déjà créé).")
        parser.add_argument("--seed", type=int, default=2026)

    @override_settings(DEBUG=False)
    def handle(self, *args, foyers, departement, seed, **options):
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
            with tempfile.TemporaryDirectory(prefix="bench-flux-") as directory:
                path = os.path.join(directory, "flux.xml")
                started = time.perf_counter()
                generated = generer_foyers(
                    foyers, seed=seed, departement=departement.code, communes=communes, premier=premier
                )
                ecrire_flux(path, generated)
                size = os.path.getsize(path)
                self.stdout.write(
                    f"Fichier généré : {foyers} foyers, {size / 1024 / 1024:.1f} Mio (windows-1252) en "
                    f"{time.perf_counter() - started:.1f} s ; RSS max {rss_mib():.0f} Mio"
                )
                self.stdout.write(f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs")
                first = self._run(departement, path, "1er passage (tout est nouveau)")
                before = table_writes()
                second = self._run(departement, path, "2e passage (même fichier)")
                after = table_writes()
                writes = sum(after.get(t, 0) - before.get(t, 0) for t in TABLES)
                self.stdout.write(
                    f"Écritures du 2e passage dans {', '.join(TABLES)} : {writes} ligne(s) (PostgreSQL) ; "
                    f"personnes créées {second.crees}, mises à jour {second.mis_a_jour}"
                )
                tracemalloc.start()
                self._run(departement, path, "3e passage (sous tracemalloc)")
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                self.stdout.write(
                    f"Mémoire : pic tracemalloc {peak / 1024 / 1024:.1f} Mio pour un fichier de "
                    f"{size / 1024 / 1024:.1f} Mio ({100 * peak / size:.1f} % de sa taille) ; RSS max du processus "
                    f"{rss_mib():.0f} Mio"
                )
        rate = foyers / first.duree
        verdict = "OK" if rate >= TARGET and writes == 0 else "OBJECTIF NON ATTEINT"
        self.stdout.write(
            f"Résultat : {rate:.0f} foyers/s au 1er passage, {foyers / second.duree:.0f} foyers/s au 2e, "
            f"{writes} écriture(s) au 2e (objectif ≥ {TARGET} foyers/s et 0 écriture) : {verdict}"
        )

    def _run(self, departement, path, label):
        with open(path, "rb") as handle:
            row = ImportFlux(departement=departement, nom_fichier="flux.xml", taille=os.path.getsize(path))
            row.fichier.save("flux.xml", File(handle), save=False)
        row.save()
        started, cpu = time.perf_counter(), time.process_time()
        flux_run(import_id=row.pk)
        duration, cpu = time.perf_counter() - started, time.process_time() - cpu
        row.refresh_from_db()
        row.fichier.delete(save=False)
        row.duree = duration
        self.stdout.write(
            f"{label} : {row.traites} foyers en {duration:.1f} s, {row.traites / duration:.0f} foyers/s (CPU du "
            f"processus {cpu:.1f} s ; charge de la machine {os.getloadavg()[0]:.1f}) — créées "
            f"{row.crees}, mises à jour {row.mis_a_jour}, inchangées {row.inchanges}, foyers rejetés {row.rejetes}, "
            f"ignorés {row.ignores} ; statut {row.get_statut_display()} ; RSS max {rss_mib():.0f} Mio"
        )
        if row.statut != "termine":
            raise CommandError(f"Import en échec : {row.rapport.get('message')}")
        return row
