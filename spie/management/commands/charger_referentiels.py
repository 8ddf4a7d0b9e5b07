"""Load the national geography referential (départements, EPCI, communes) from spie/data/geo/*.csv.gz.

Idempotent: rows are upserted on their code, so re-running after a data update refreshes names, EPCI membership,
postal codes and populations. Rows absent from the files are left in place (other tables may point to them).
"""

import csv
import gzip
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from spie.models.geo import Commune, Epci, RefDepartement
from spie.text import normalise

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
BATCH_SIZE = 2000


def read_rows(name):
    with gzip.open(DATA_DIR / name, mode="rt", encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def upsert(model, objects):
    model.objects.bulk_create(
        objects,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=[model._meta.pk.name],
        update_fields=[field.name for field in model._meta.concrete_fields if not field.primary_key],
    )
    return len(objects)


# The column list mirrors spie.models.geo.Commune (the tests compare a loaded commune field by field).
UPSERT_COMMUNES = """
INSERT INTO {table} (code_insee, nom, nom_normalise, departement_id, epci_id, codes_postaux, population)
SELECT code_insee, nom, nom_normalise, departement_id, epci_id, string_to_array(codes_postaux, ' '), population
FROM UNNEST(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::text[], %s::integer[])
    AS t (code_insee, nom, nom_normalise, departement_id, epci_id, codes_postaux, population)
ON CONFLICT (code_insee) DO UPDATE SET
    nom = EXCLUDED.nom, nom_normalise = EXCLUDED.nom_normalise, departement_id = EXCLUDED.departement_id,
    epci_id = EXCLUDED.epci_id, codes_postaux = EXCLUDED.codes_postaux, population = EXCLUDED.population
WHERE ({table}.nom, {table}.nom_normalise, {table}.departement_id, {table}.epci_id, {table}.codes_postaux,
       {table}.population)
    IS DISTINCT FROM (EXCLUDED.nom, EXCLUDED.nom_normalise, EXCLUDED.departement_id, EXCLUDED.epci_id,
                      EXCLUDED.codes_postaux, EXCLUDED.population)
"""


def upsert_communes(rows):
    """Upsert the communes in one INSERT … SELECT FROM UNNEST(…) ON CONFLICT statement; unchanged rows are not written.

    bulk_create(update_conflicts=True) takes ~6 s for 35,000 communes: Django only switches to UNNEST when no field
    is an ArrayField, so it binds 245,000 parameters. One array per column takes ~1 s; the postal codes travel as
    space-separated text and string_to_array() rebuilds the array.
    """
    columns = [
        [r["code_insee"] for r in rows],
        [r["nom"] for r in rows],
        [normalise(r["nom"]) for r in rows],
        [r["departement_code"] for r in rows],
        [r["epci_code"] or None for r in rows],
        [r["codes_postaux"] for r in rows],
        [int(r["population"]) if r["population"] else None for r in rows],
    ]
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_COMMUNES.format(table=connection.ops.quote_name(Commune._meta.db_table)), columns)
    return len(rows)


def french_number(number):
    return f"{number:,}".replace(",", " ")


class Command(BaseCommand):
    help = "Charge le référentiel géographique national (départements, EPCI, communes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--si-vide",
            action="store_true",
            help="Ne rien faire si des communes sont déjà chargées (appelé à chaque démarrage).",
        )

    def handle(self, *args, si_vide=False, **options):
        if si_vide and Commune.objects.exists():
            if options["verbosity"] >= 2:
                self.stdout.write("Référentiel géographique déjà chargé : rien à faire.")
            return
        departements = [RefDepartement(**row) for row in read_rows("departements.csv.gz")]
        epcis = [Epci(**row) for row in read_rows("epci.csv.gz")]
        communes = list(read_rows("communes.csv.gz"))
        with transaction.atomic():
            counts = upsert(RefDepartement, departements), upsert(Epci, epcis), upsert_communes(communes)
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    "Référentiel géographique : {} départements, {} EPCI, {} communes chargés.".format(
                        *map(french_number, counts)
                    )
                )
            )
