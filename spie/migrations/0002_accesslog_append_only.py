"""The access log is append-only at the database level.

UPDATE is always refused; DELETE only for rows older than the retention period (365 days), which
the retention purge removes. Whatever the application code does, history cannot be rewritten.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION spie_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'journal des accès : modification interdite (ajout seul)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' AND OLD.created_at > now() - interval '365 days' THEN
        RAISE EXCEPTION 'journal des accès : suppression interdite avant la fin de la durée de conservation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER spie_accesslog_append_only
    BEFORE UPDATE OR DELETE ON spie_accesslog
    FOR EACH ROW EXECUTE FUNCTION spie_accesslog_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS spie_accesslog_append_only ON spie_accesslog;
DROP FUNCTION IF EXISTS spie_accesslog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("spie", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
