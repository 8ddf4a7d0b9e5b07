"""Check the read replica (DATABASE_REPLICA_URL): it is a hot standby of the primary, up to date, and the routed
reads land there while writes stay on the primary.

    python manage.py verifier_replique [--attente 10]

Exit status 0 when every check holds, else 1 with the failed check named.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction

from spie.models import Departement
from spie.replica import REPLICA, lecture_sur_replique, replica_configured


def _one(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


class Command(BaseCommand):
    help = "Vérifie la réplique en lecture : réplication à jour, lectures routées vers elle, écritures refusées."

    def add_arguments(self, parser):
        parser.add_argument("--attente", type=float, default=10.0, help="secondes pour que la réplique rattrape")

    def handle(self, *args, attente, **options):
        if not replica_configured():
            raise CommandError("Aucune réplique : définissez DATABASE_REPLICA_URL.")
        failures = []

        def check(ok, message):
            self.stdout.write(("ok      " if ok else "ÉCHEC   ") + message)
            if not ok:
                failures.append(message)

        check(not _one(DEFAULT_DB_ALIAS, "SELECT pg_is_in_recovery()"), "le serveur principal accepte les écritures")
        check(_one(REPLICA, "SELECT pg_is_in_recovery()"), "la réplique est un serveur en lecture seule (hot standby)")

        cible = _one(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()::text")
        debut = time.monotonic()
        while True:
            rattrape = _one(REPLICA, f"SELECT pg_last_wal_replay_lsn() >= '{cible}'::pg_lsn")
            if rattrape or time.monotonic() - debut > attente:
                break
            time.sleep(0.05)
        delai = (time.monotonic() - debut) * 1000
        check(rattrape, f"la réplique a rejoué le journal du principal ({delai:.0f} ms)")

        with lecture_sur_replique():
            alias = router.db_for_read(Departement)
            lus = Departement.objects.count()
        check(
            alias == REPLICA,
            f"les lectures des rapports, exports et indicateurs vont à « {alias} » ({lus} départements)",
        )
        check(router.db_for_write(Departement) == DEFAULT_DB_ALIAS, "les écritures vont au serveur principal")
        check(router.db_for_read(Departement) == DEFAULT_DB_ALIAS, "les autres lectures restent au serveur principal")

        try:
            with transaction.atomic(using=REPLICA), connections[REPLICA].cursor() as cursor:
                cursor.execute("CREATE TEMPORARY TABLE spie_essai_ecriture (id int)")
            refus = None
        except DatabaseError as error:
            refus = str(error).splitlines()[0]
        check(refus is not None, f"la réplique refuse toute écriture ({refus or 'écriture acceptée'})")

        if failures:
            raise CommandError(f"{len(failures)} vérification(s) en échec : " + " ; ".join(failures))
        self.stdout.write("Réplique en lecture : tout est en ordre.")
