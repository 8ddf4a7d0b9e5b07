"""The timeline refuses TRUNCATE too: its row trigger does not see a statement that empties the table."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER carnet_evenement_no_truncate
    BEFORE TRUNCATE ON carnet_evenement
    FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate();
"""

BACKWARD = "DROP TRIGGER IF EXISTS carnet_evenement_no_truncate ON carnet_evenement;"


class Migration(migrations.Migration):
    dependencies = [("carnet", "0010_conflits_identite_rattachement"), ("spie", "0009_journal_motif_purge")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
