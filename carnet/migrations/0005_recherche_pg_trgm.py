"""pg_trgm for the name search, where the PostgreSQL server provides it.

The embedded PostgreSQL of `tasks.py run` has no contrib extensions: there this migration does nothing and
`carnet.search` keeps using the trigram array. The extension and the index are therefore not part of the
models' state; `carnet.search.uses_pg_trgm` looks for the index once per process.

Not atomic: the index is built CONCURRENTLY, without blocking the writes of a live table. A build that
failed leaves an invalid index, which the search ignores; run the migration again after dropping it.
"""

from django.db import DatabaseError, migrations

INDEX = "beneficiaire_nom_trgm_gin"


def create_extension_and_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            # A trusted extension since PostgreSQL 13: the database owner may create it.
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            # Not allowed here (e.g. a role without CREATE on the database): the array search stays.
            return
        # fastupdate on, as for the trigram array: bulk runs merge the pending list when they end.
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON carnet_beneficiaire "
            "USING gin (nom_recherche gin_trgm_ops) WITH (fastupdate = on)"
        )


def drop_index(apps, schema_editor):
    # The extension stays: other objects may use it, and keeping it costs nothing.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("carnet", "0004_sorties"),
    ]

    operations = [
        migrations.RunPython(create_extension_and_index, drop_index, elidable=False),
    ]
