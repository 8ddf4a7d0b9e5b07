"""The name search's GIN indexes take new entries in their pending list (fastupdate on).

With fastupdate off every new person cost an immediate merge into both trigram indexes: the first pass of a
CAF/MSA flux of 50,000 households ran at 1,660 per second. Bulk runs now end by merging the pending list in
one pass (`carnet.search.merge_pending_entries`), so searches still read merged indexes. An ALTER, not a
rebuild: the indexes stay as they are on a live table.
"""

import django.contrib.postgres.indexes
from django.db import migrations

INDEXES = ("beneficiaire_trigrammes_gin", "beneficiaire_nom_trgm_gin")  # the second one only with pg_trgm


class Migration(migrations.Migration):
    dependencies = [
        ("carnet", "0005_recherche_pg_trgm"),
        ("spie", "0004_structure_data_inclusion"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[f"ALTER INDEX IF EXISTS {name} SET (fastupdate = on)" for name in INDEXES],
                    reverse_sql=[f"ALTER INDEX IF EXISTS {name} SET (fastupdate = off)" for name in INDEXES],
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="beneficiaire", name="beneficiaire_trigrammes_gin"),
                migrations.AddIndex(
                    model_name="beneficiaire",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fastupdate=True, fields=["trigrammes"], name="beneficiaire_trigrammes_gin"
                    ),
                ),
            ],
        )
    ]
