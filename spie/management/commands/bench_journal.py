"""What the monthly partitions of the access log cost and save (README figures).

    python manage.py bench_journal --lignes 20000 --mois 10000,100000,400000

1. Insert cost: the same single-row INSERT (as `log_access` does) into the partitioned log and into a plain table
   of the same columns and indexes, alternated by blocks so that both see the same load; p50/p95 per insert.
2. Purge of an old month: a month of N rows is removed by dropping its partition (`spie_journal_purger`) — time
   independent of N — against a row-by-row DELETE of the same rows from the plain table.

Everything runs in one transaction rolled back at the end: the database is left as it was.
"""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

INSERT = (
    "INSERT INTO {table} (action, canal, object_type, object_uid, details, object_uids, motif, departement_id) "
    "VALUES ('consultation', 'web', 'carnet.carnet', gen_random_uuid(), '{{}}', '{{}}', '', 1)"
)
FILL = (
    "INSERT INTO {table} (created_at, action, canal, object_type, object_uid, details, object_uids, motif) "
    "SELECT %s::timestamptz + (n %% 27) * interval '1 day', 'consultation', 'web', 'carnet.carnet', "
    "gen_random_uuid(), '{{}}', '{{}}', '' FROM generate_series(1, %s) n"
)


class _Rollback(Exception):
    pass


def _ms(values):
    values = sorted(values)
    return statistics.median(values) * 1000, values[int(len(values) * 0.95) - 1] * 1000


class Command(BaseCommand):
    help = "Coût d'écriture et de purge du journal des accès partitionné par mois, comparé à une table simple."

    def add_arguments(self, parser):
        parser.add_argument("--lignes", type=int, default=20000, help="insertions mesurées par table")
        parser.add_argument("--mois", default="10000,100000,400000", help="tailles des mois anciens à purger")

    def handle(self, *args, lignes, mois, **options):
        tailles = [int(t) for t in mois.split(",")]
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL spie.vidage_autorise = 'off'")
                cursor.execute(
                    # A real table (logged, like the journal), dropped with the transaction's rollback.
                    "CREATE TABLE journal_simple "
                    "(LIKE spie_accesslog INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
                )
                self._insertions(cursor, lignes)
                self._purges(cursor, tailles)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write("Transaction annulée : la base est inchangée.")

    def _insertions(self, cursor, lignes):
        durees = {"spie_accesslog": [], "journal_simple": []}
        bloc = 500
        for _ in range(max(1, lignes // bloc)):
            for table, mesures in durees.items():
                sql = INSERT.format(table=table)
                for _ in range(bloc):
                    debut = time.perf_counter()
                    cursor.execute(sql)
                    mesures.append(time.perf_counter() - debut)
        self.stdout.write(f"Insertion d'une ligne ({len(durees['journal_simple'])} par table, en alternance) :")
        for table, libelle in (("spie_accesslog", "journal partitionné"), ("journal_simple", "table simple")):
            p50, p95 = _ms(durees[table])
            self.stdout.write(f"  {libelle:<22} p50 {p50:.3f} ms   p95 {p95:.3f} ms")

    def _purges(self, cursor, tailles):
        self.stdout.write("Purge d'un mois ancien :")
        for rang, taille in enumerate(tailles):
            annee, mois = 2000 + rang, 1
            debut_mois = f"{annee}-{mois:02d}-01 00:00+00"
            fin_mois = f"{annee}-{mois + 1:02d}-01 00:00+00"
            cursor.execute(
                f"CREATE TABLE spie_accesslog_p{annee}{mois:02d} PARTITION OF spie_accesslog "
                "FOR VALUES FROM (%s) TO (%s)",
                [debut_mois, fin_mois],
            )
            cursor.execute(FILL.format(table="spie_accesslog"), [debut_mois, taille])
            cursor.execute(FILL.format(table="journal_simple"), [debut_mois, taille])
            cursor.execute("ANALYZE journal_simple")

            debut = time.perf_counter()
            cursor.execute("SELECT partitions FROM spie_journal_purger(%s)", [fin_mois])
            purge = time.perf_counter() - debut
            retirees = cursor.fetchone()[0]
            debut = time.perf_counter()
            cursor.execute("DELETE FROM journal_simple WHERE created_at < %s", [fin_mois])
            suppression = time.perf_counter() - debut
            self.stdout.write(
                f"  {taille:>9} lignes : {retirees} partition supprimée en {purge * 1000:8.1f} ms ; "
                f"DELETE ligne à ligne dans la table simple : {suppression * 1000:8.1f} ms"
            )
