"""The access log: reason code, uids listed by a page, a retention floor of 183 days, and no TRUNCATE.

The row trigger now refuses DELETE of rows younger than 183 days (the legal floor; the daily purge deletes what
is older than SPIE_ACCESS_LOG_RETENTION_DAYS); a statement trigger refuses TRUNCATE, which row triggers do not
see.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION spie_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'journal des accès : modification interdite (ajout seul)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' AND OLD.created_at > now() - interval '183 days' THEN
        RAISE EXCEPTION 'journal des accès : suppression interdite avant la fin de la durée de conservation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION spie_refuse_truncate() RETURNS trigger AS $$
BEGIN
    -- Only a session that says so on purpose may empty the table: the test suite's flush between transactional
    -- tests (tests/conftest.py). The application never sets it.
    IF current_setting('spie.vidage_autorise', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% : TRUNCATE interdit (ajout seul)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER spie_accesslog_no_truncate
    BEFORE TRUNCATE ON spie_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS spie_accesslog_no_truncate ON spie_accesslog;
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
"""


class Migration(migrations.Migration):
    dependencies = [("spie", "0008_debut_file_orientation")]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="motif",
            field=models.CharField(
                blank=True,
                choices=[
                    ("urgence", "Situation d'urgence concernant la personne"),
                    ("remplacement", "Remplacement du référent absent"),
                    ("orientation", "Instruction ou décision d'orientation"),
                    ("demande_personne", "À la demande de la personne"),
                    ("recours", "Recours, réclamation ou contentieux"),
                    ("controle", "Contrôle de la qualité du suivi demandé par la hiérarchie"),
                ],
                db_default="",
                max_length=20,
                verbose_name="motif",
            ),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="object_uids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.UUIDField(), blank=True, db_default=[], default=list, size=None, verbose_name="objets affichés"
            ),
        ),
        migrations.AddIndex(
            model_name="accesslog",
            index=django.contrib.postgres.indexes.GinIndex(fields=["object_uids"], name="spie_accesslog_uids_gin"),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
