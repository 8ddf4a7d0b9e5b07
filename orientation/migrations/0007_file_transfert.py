"""A carnet transferred to another département takes its place in the queue's candidates with it.

The triggers of migration 0005 recompute membership of `orientation_candidatfile` but keep its `departement_id`
(INSERT … ON CONFLICT DO NOTHING): a carnet whose département changes updates its candidate row here, in the
same statement, so that the old département's queue loses the person and the new one's gains them at once.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION orientation_file_carnet_transfere() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orientation_candidatfile SET departement_id = NEW.departement_id WHERE carnet_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER orientation_file_carnet_transfert AFTER UPDATE OF departement_id ON carnet_carnet
    FOR EACH ROW WHEN (OLD.departement_id IS DISTINCT FROM NEW.departement_id)
    EXECUTE FUNCTION orientation_file_carnet_transfere();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS orientation_file_carnet_transfert ON carnet_carnet;
DROP FUNCTION IF EXISTS orientation_file_carnet_transfere();
"""


class Migration(migrations.Migration):
    dependencies = [("orientation", "0006_regles_du_departement"), ("carnet", "0023_transfert")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
