"""The timeline's one exception to append-only: the anonymisation of a carnet, through one SECURITY DEFINER function.

The trigger lets an UPDATE or DELETE through only when the transaction-local setting `spie.anonymisation` is `on`.
`carnet_evenement_anonymiser(carnet, supprimer)` sets it, blanks (or, for a person never accompanied, deletes) the
events of that one carnet, and sets it back: the application's role has no UPDATE or DELETE on the table
(configurer_roles), so this function is its only way in, and it touches one carnet at a time. The owner could set
the flag by hand; the owner can also drop the trigger, so that adds nothing it could not already do.
Dates are kept to their month (UTC), the summary is emptied, the kinds of events stay for the statistics.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION carnet_evenement_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('spie.anonymisation', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'historique du parcours : ajout seul' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION carnet_evenement_anonymiser(p_carnet bigint, p_supprimer boolean, OUT lignes bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM set_config('spie.anonymisation', 'on', true);
    IF p_supprimer THEN
        DELETE FROM carnet_evenement WHERE carnet_id = p_carnet;
    ELSE
        UPDATE carnet_evenement
           SET resume = '', created_at = date_trunc('month', created_at, 'UTC')
         WHERE carnet_id = p_carnet;
    END IF;
    GET DIAGNOSTICS lignes = ROW_COUNT;
    PERFORM set_config('spie.anonymisation', 'off', true);
END;
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS carnet_evenement_anonymiser(bigint, boolean);
CREATE OR REPLACE FUNCTION carnet_evenement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'historique du parcours : ajout seul' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("carnet", "0020_conservation")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
