"""Seed the national referentials and make the timeline append-only."""

from django.db import migrations

from carnet.referentiels import charger

TIMELINE_TRIGGER = """
CREATE OR REPLACE FUNCTION carnet_evenement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'historique du parcours : ajout seul' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER carnet_evenement_append_only
    BEFORE UPDATE OR DELETE ON carnet_evenement
    FOR EACH ROW EXECUTE FUNCTION carnet_evenement_append_only();
"""

DROP_TIMELINE_TRIGGER = """
DROP TRIGGER IF EXISTS carnet_evenement_append_only ON carnet_evenement;
DROP FUNCTION IF EXISTS carnet_evenement_append_only();
"""


def seed(apps, schema_editor):
    charger(apps)


class Migration(migrations.Migration):
    dependencies = [("carnet", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunSQL(TIMELINE_TRIGGER, DROP_TIMELINE_TRIGGER),
    ]
