"""The words of the names, indexed by département: the common-name search ranks in the index.

A search for a very common surname ("Martin": 3,600 people among the 100,000 of a generated département) asked
the trigram index for every name above the first similarity threshold, then fetched and scored thousands of
rows (267 ms at p95, over a second on a loaded machine). Every name holding the searched words as whole words is
a perfect match (word similarity 1), so `carnet.search` first asks this index for them, in the page's order
(name, first names), and stops there when they fill the page.

Two indexes: a GIN on (departement_id, the array of the words of `nom_recherche`), with btree_gin where it exists
(migration 0007), else on the words alone, finds the few people of a rare name; a b-tree in the page's order,
(departement_id, nom_usage, prenoms, id) carrying `nom_recherche`, gives the first 50 of a common one by an
index-only walk that stops at the 50th match (no row of the table read: 26 ms for "Martin" at 100,000 carnets
on a loaded machine, against 90 to 250 ms for the GIN then the rows). The planner picks between the two by the
words' frequency. The b-tree also serves the searches by birth date or CAF number, sorted the same way.
Not atomic: built CONCURRENTLY, without blocking the writes of a live table.
"""

from django.db import migrations

NAME = "beneficiaire_dep_mots_gin"
ORDER = "beneficiaire_dep_ordre_idx"


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
        columns = "departement_id, " if cursor.fetchone() else ""
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON carnet_beneficiaire "
            f"USING gin ({columns}(string_to_array(nom_recherche, ' '))) WITH (fastupdate = on)"
        )
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {ORDER} ON carnet_beneficiaire "
            "(departement_id, nom_usage, prenoms, id) INCLUDE (nom_recherche)"
        )


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {ORDER}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("carnet", "0025_information_et_opposition")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
