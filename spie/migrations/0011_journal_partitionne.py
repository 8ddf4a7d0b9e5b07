"""The access log is partitioned by month (declarative partitioning on created_at).

- `spie_accesslog` becomes a table partitioned by range of `created_at`, one partition per calendar month (UTC),
  named `spie_accesslog_pYYYYMM`, plus a default partition `spie_accesslog_defaut` so that an insert never fails
  when the next month's partition is late. The primary key becomes (id, created_at), as PostgreSQL requires the
  partition key in it; the identity sequence goes on from the old table's highest id.
- `spie_journal_partitions(mois)` creates the partitions of the current month and the `mois` next ones
  (idempotent); `spie_journal_purger(limite)` drops the partitions wholly older than `limite` (constant time),
  deletes the older rows left in the others, returns (partitions dropped, rows deleted), and refuses a limit younger
  than the legal floor (183 days). Both are SECURITY DEFINER:
  the application's role (no DDL, see `configurer_roles`) may call them and nothing else of the kind.
- The append-only triggers (row: no UPDATE, no DELETE younger than the floor; statement: no TRUNCATE) are set on
  the partitioned table; PostgreSQL clones the row trigger onto every partition, present and future, and the
  statement trigger is set on each partition too (a TRUNCATE of one partition does not fire the parent's).

Existing rows are copied in one statement (the log is written in the same transaction, so nothing is lost).
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION spie_journal_partitions(mois integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    debut timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    borne timestamptz;
    nom text;
    creees integer := 0;
BEGIN
    IF mois < 0 OR mois > 24 THEN
        RAISE EXCEPTION 'journal des accès : nombre de mois à préparer hors bornes (0 à 24) : %', mois;
    END IF;
    FOR i IN 0..mois LOOP
        borne := debut + make_interval(months => i);
        nom := 'spie_accesslog_p' || to_char(borne AT TIME ZONE 'UTC', 'YYYYMM');
        IF to_regclass(nom) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF spie_accesslog FOR VALUES FROM (%L) TO (%L)',
                nom, borne, borne + interval '1 month'
            );
            -- TRUNCATE of the partition itself does not fire the parent's statement trigger.
            EXECUTE format(
                'CREATE TRIGGER spie_accesslog_no_truncate BEFORE TRUNCATE ON %I '
                'FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate()', nom
            );
            creees := creees + 1;
        END IF;
    END LOOP;
    RETURN creees;
END;
$$;

CREATE OR REPLACE FUNCTION spie_journal_purger(limite timestamptz, OUT partitions integer, OUT lignes bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    partition record;
BEGIN
    IF limite > now() - interval '183 days' THEN
        RAISE EXCEPTION 'journal des accès : suppression interdite avant la fin de la durée de conservation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    partitions := 0;
    -- Whole months: DROP, in constant time whatever their size (their rows are not counted, which would not be).
    FOR partition IN
        SELECT c.relname AS nom,
               to_date(substr(c.relname, 17), 'YYYYMM')::timestamp AT TIME ZONE 'UTC' + interval '1 month' AS fin
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'spie_accesslog'::regclass AND c.relname ~ '^spie_accesslog_p[0-9]{6}$'
    LOOP
        IF partition.fin <= limite THEN
            EXECUTE format('DROP TABLE %I', partition.nom);
            partitions := partitions + 1;
        END IF;
    END LOOP;
    -- What is left: the month that straddles the limit, and the default partition, row by row.
    DELETE FROM spie_accesslog WHERE created_at < limite;
    GET DIAGNOSTICS lignes = ROW_COUNT;
END;
$$;
"""

FORWARD = (
    """
ALTER TABLE spie_accesslog RENAME TO spie_accesslog_ancien;
ALTER INDEX spie_accesslog_pkey RENAME TO spie_accesslog_ancien_pkey;
ALTER INDEX spie_access_departe_953258_idx RENAME TO spie_accesslog_ancien_dep;
ALTER INDEX spie_access_object__c1b5d9_idx RENAME TO spie_accesslog_ancien_obj;
ALTER INDEX spie_accesslog_created_at_b8a968cb RENAME TO spie_accesslog_ancien_date;
ALTER INDEX spie_accesslog_departement_id_c84fb605 RENAME TO spie_accesslog_ancien_depid;
ALTER INDEX spie_accesslog_structure_id_c0be58af RENAME TO spie_accesslog_ancien_str;
ALTER INDEX spie_accesslog_uids_gin RENAME TO spie_accesslog_ancien_uids;
ALTER INDEX spie_accesslog_user_id_1d0c40d3 RENAME TO spie_accesslog_ancien_user;

CREATE TABLE spie_accesslog (
    LIKE spie_accesslog_ancien INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE spie_accesslog_defaut PARTITION OF spie_accesslog DEFAULT;
CREATE TRIGGER spie_accesslog_no_truncate BEFORE TRUNCATE ON spie_accesslog_defaut
    FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate();

CREATE INDEX spie_access_departe_953258_idx ON spie_accesslog (departement_id, created_at DESC);
CREATE INDEX spie_access_object__c1b5d9_idx ON spie_accesslog (object_type, object_uid);
CREATE INDEX spie_accesslog_created_at_b8a968cb ON spie_accesslog (created_at);
CREATE INDEX spie_accesslog_departement_id_c84fb605 ON spie_accesslog (departement_id);
CREATE INDEX spie_accesslog_structure_id_c0be58af ON spie_accesslog (structure_id);
CREATE INDEX spie_accesslog_uids_gin ON spie_accesslog USING gin (object_uids);
CREATE INDEX spie_accesslog_user_id_1d0c40d3 ON spie_accesslog (user_id);
"""
    + FUNCTIONS
    + """
-- One partition per month that holds rows (the default partition takes none of them), then the months ahead.
DO $$
DECLARE
    mois timestamptz;
BEGIN
    FOR mois IN
        SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        FROM spie_accesslog_ancien
        WHERE created_at < date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF spie_accesslog FOR VALUES FROM (%L) TO (%L)',
            'spie_accesslog_p' || to_char(mois AT TIME ZONE 'UTC', 'YYYYMM'), mois, mois + interval '1 month'
        );
        EXECUTE format(
            'CREATE TRIGGER spie_accesslog_no_truncate BEFORE TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate()',
            'spie_accesslog_p' || to_char(mois AT TIME ZONE 'UTC', 'YYYYMM')
        );
    END LOOP;
END;
$$;
SELECT spie_journal_partitions(3);

INSERT INTO spie_accesslog OVERRIDING SYSTEM VALUE SELECT * FROM spie_accesslog_ancien;
SELECT setval(
    pg_get_serial_sequence('spie_accesslog', 'id'),
    (SELECT coalesce(max(id), 0) + 1 FROM spie_accesslog_ancien),
    false
);
DROP TABLE spie_accesslog_ancien;

CREATE TRIGGER spie_accesslog_append_only
    BEFORE UPDATE OR DELETE ON spie_accesslog
    FOR EACH ROW EXECUTE FUNCTION spie_accesslog_append_only();
CREATE TRIGGER spie_accesslog_no_truncate
    BEFORE TRUNCATE ON spie_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate();
"""
)

BACKWARD = """
DROP FUNCTION IF EXISTS spie_journal_purger(timestamptz);
DROP FUNCTION IF EXISTS spie_journal_partitions(integer);
ALTER TABLE spie_accesslog RENAME TO spie_accesslog_partitionne;
ALTER INDEX spie_access_departe_953258_idx RENAME TO spie_accesslog_part_dep;
ALTER INDEX spie_access_object__c1b5d9_idx RENAME TO spie_accesslog_part_obj;
ALTER INDEX spie_accesslog_created_at_b8a968cb RENAME TO spie_accesslog_part_date;
ALTER INDEX spie_accesslog_departement_id_c84fb605 RENAME TO spie_accesslog_part_depid;
ALTER INDEX spie_accesslog_structure_id_c0be58af RENAME TO spie_accesslog_part_str;
ALTER INDEX spie_accesslog_uids_gin RENAME TO spie_accesslog_part_uids;
ALTER INDEX spie_accesslog_user_id_1d0c40d3 RENAME TO spie_accesslog_part_user;
CREATE TABLE spie_accesslog (
    LIKE spie_accesslog_partitionne INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS
);
INSERT INTO spie_accesslog OVERRIDING SYSTEM VALUE SELECT * FROM spie_accesslog_partitionne;
SELECT setval(
    pg_get_serial_sequence('spie_accesslog', 'id'),
    (SELECT coalesce(max(id), 0) + 1 FROM spie_accesslog_partitionne),
    false
);
DROP TABLE spie_accesslog_partitionne;
ALTER TABLE spie_accesslog ADD PRIMARY KEY (id);
CREATE INDEX spie_access_departe_953258_idx ON spie_accesslog (departement_id, created_at DESC);
CREATE INDEX spie_access_object__c1b5d9_idx ON spie_accesslog (object_type, object_uid);
CREATE INDEX spie_accesslog_created_at_b8a968cb ON spie_accesslog (created_at);
CREATE INDEX spie_accesslog_departement_id_c84fb605 ON spie_accesslog (departement_id);
CREATE INDEX spie_accesslog_structure_id_c0be58af ON spie_accesslog (structure_id);
CREATE INDEX spie_accesslog_uids_gin ON spie_accesslog USING gin (object_uids);
CREATE INDEX spie_accesslog_user_id_1d0c40d3 ON spie_accesslog (user_id);
CREATE TRIGGER spie_accesslog_append_only
    BEFORE UPDATE OR DELETE ON spie_accesslog
    FOR EACH ROW EXECUTE FUNCTION spie_accesslog_append_only();
CREATE TRIGGER spie_accesslog_no_truncate
    BEFORE TRUNCATE ON spie_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION spie_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("spie", "0010_acces_exceptionnel")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
