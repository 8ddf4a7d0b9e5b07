"""Give the application's database role what it needs, and nothing that could rewrite history.

Two roles: the **owner** runs the migrations (it owns every table, so DDL, triggers and the partitions of the
access log are its own); the **application** role runs the web server and the workers. Run as the owner after
every `migrate` (docker-compose's `migrate` service does):

    python manage.py configurer_roles --application spie_app

The application role may read and write the tables, but on the append-only tables (the access log and its
partitions, the carnet's timeline) only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE. It owns nothing, so it can
neither alter nor drop a table or a trigger, and PostgreSQL 15 gives no one CREATE on the `public` schema. The
access log's monthly partitions and its purge, and the anonymisation of a carnet's timeline, go through
SECURITY DEFINER functions it may execute.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

APPEND_ONLY_TABLES = ("spie_accesslog", "carnet_evenement")
FUNCTIONS = (
    "spie_journal_partitions(integer)",
    "spie_journal_purger(timestamptz)",
    "carnet_evenement_anonymiser(bigint, boolean)",
    "carnet_evenement_transferer(bigint, bigint)",
)


def append_only_relations(cursor):
    """The append-only tables and every partition of them (present ones; later ones get no grant at all)."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) "
        "UNION SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent::regclass::text = ANY(%s)",
        [list(APPEND_ONLY_TABLES), list(APPEND_ONLY_TABLES)],
    )
    return sorted(row[0] for row in cursor.fetchall())


def configurer(role, *, creer=False):
    """Grant `role` the application's rights on the current database; returns the append-only relations."""
    role_id = sql.Identifier(role)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            if not creer:
                raise CommandError(
                    f"Le rôle « {role} » n'existe pas : créez-le (CREATE ROLE … LOGIN PASSWORD …) ou relancez avec "
                    "--creer pour un rôle sans connexion."
                )
            cursor.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role_id))
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if owner == role:
            raise CommandError("Le rôle de l'application doit être distinct du propriétaire des tables.")
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role_id),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_id),
            sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(role_id),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role_id),
            sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(role_id),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role_id),
        ]
        relations = append_only_relations(cursor)
        for relation in relations:
            statements.append(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(relation), role_id)
            )
        for function in FUNCTIONS:
            statements.append(sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(sql.SQL(function), role_id))
        for statement in statements:
            cursor.execute(statement)
    return relations


class Command(BaseCommand):
    help = "Donne au rôle de l'application ses droits sur la base (lecture, écriture ; journaux en ajout seul)."

    def add_arguments(self, parser):
        parser.add_argument("--application", required=True, help="rôle PostgreSQL de l'application (ex. spie_app)")
        parser.add_argument("--creer", action="store_true", help="crée le rôle (sans connexion) s'il n'existe pas")

    def handle(self, *args, application, creer, **options):
        relations = configurer(application, creer=creer)
        self.stdout.write(
            f"Rôle « {application} » : lecture et écriture des tables ; ajout seul sur {len(relations)} tables "
            f"({', '.join(relations)}) ; aucune DDL."
        )
