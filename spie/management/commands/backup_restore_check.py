"""The restore drill: restore the latest backup into a scratch cluster, check it, print the report."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spie import backup


class Command(BaseCommand):
    help = (
        "Restaure la dernière sauvegarde dans une instance PostgreSQL temporaire et vérifie son intégrité "
        "(lignes par département, journaux en ajout seul, fichier de chaque document). Code de sortie 1 si un "
        "contrôle échoue."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", default=settings.SPIE_BACKUP_DIR, help="Répertoire des sauvegardes.")
        parser.add_argument("--wal-archive", help="Archive des WAL à rejouer après la copie de base.")
        parser.add_argument("--keep", action="store_true", help="Garder l'instance restaurée (diagnostic).")

    def handle(self, *args, source, wal_archive, keep, **options):
        if not source:
            raise CommandError("Indiquez --source ou SPIE_BACKUP_DIR.")
        try:
            report = backup.restore_check(source=source, wal_archive=wal_archive, keep=keep)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("La sauvegarde restaurée n'est pas intègre : " + " ; ".join(report.problems))
