"""Take a backup: pg_basebackup of the PostgreSQL cluster plus the private files (spie/backup.py)."""

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spie import backup


class Command(BaseCommand):
    help = "Sauvegarde : copie physique de PostgreSQL (pg_basebackup) et fichiers privés, dans SPIE_BACKUP_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--dest", default=settings.SPIE_BACKUP_DIR, help="Répertoire des sauvegardes.")
        parser.add_argument("--database-url", help="Serveur à sauvegarder (par défaut : DATABASE_URL).")

    def handle(self, *args, dest, database_url, **options):
        if not dest:
            raise CommandError("Indiquez --dest ou SPIE_BACKUP_DIR.")
        db = dj_database_url.parse(database_url) if database_url else settings.DATABASES["default"]
        try:
            directory = backup.backup_create(
                dest=dest,
                host=db.get("HOST") or "127.0.0.1",
                port=db.get("PORT") or 5432,
                user=db.get("USER") or "postgres",
                password=db.get("PASSWORD") or None,
                dbname=db["NAME"],
                private_root=settings.STORAGES["default"]["OPTIONS"]["location"],
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Sauvegarde écrite : {directory}")
