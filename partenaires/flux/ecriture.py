"""Creating many bénéficiaires at once (CAF/MSA flux, spreadsheet imports): person, carnet, timeline row.

Rows are written with PostgreSQL COPY (`carnet.generation.Table`), primary keys reserved from their sequences
first so that the carnet and its first timeline row can point to the person in the same pass. COPY bypasses
`Model.save()` and `carnet.services.beneficiaire_create`, so this module writes what they would have: the
encrypted NIR and its keyed hash (`Beneficiaire.set_nir`), the search columns (`carnet.search`), the carnet,
and the CARNET_CREE event. A new carnet has no follow-up group yet: no receiver of the timeline needs to hear
of it (webhooks go to the group), hence no signal is sent.

Call inside the département's scope and a transaction; the caller guarantees that no NIR already exists
(it matched the people first).
"""

import datetime
import uuid

from django.db import connection
from psycopg import sql

from carnet.dev.generation import Table, reserve_ids
from carnet.models import Beneficiaire, Carnet, Evenement, TypeEvenement
from carnet.nir import nir_hash
from carnet.search import name_trigrams, search_text
from partenaires.models import EmpreinteFlux
from spie.crypto import encrypt

# Fields a creation may fill; the others take their defaults (uid, version, dates, search columns below).
CHAMPS = [
    "civilite",
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "lieu_naissance",
    "telephone",
    "courriel",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune_id",
    "organisme_payeur",
    "numero_allocataire",
    "role_foyer",
    "identifiant_france_travail",
    "identifiant_departement",
    "etat_droit_rsa",
    "motif_suspension",
    "motif_cloture",
    "date_cloture",
    "soumis_droits_devoirs",
    "date_entree_rsa",
]
_DEFAULTS = {name: Beneficiaire._meta.get_field(name).get_default() for name in CHAMPS}


def creer_beneficiaires(departement_id, personnes, *, resume, empreintes=None):
    """Create a person, a carnet and a "carnet created" event for each dict of `personnes` (Beneficiaire fields,
    plus `nir`: the clear, normalised NIR or ""). `resume` is the event's text (a string, or a callable of the
    dict). `empreintes`, when given, are the flux fingerprints of the people, in the same order.

    Returns the ids of the created people, in order.
    """
    if not personnes:
        return []
    beneficiaire_ids = reserve_ids(Beneficiaire, len(personnes))
    carnet_ids = reserve_ids(Carnet, len(personnes))
    columns = ["id", "departement_id", *CHAMPS, "nir_chiffre", "nir_hash", "nom_recherche", "trigrammes"]
    beneficiaires = TableTexte(Beneficiaire, " ".join(columns))
    carnets = TableTexte(Carnet, "id departement_id beneficiaire_id")
    evenements = TableTexte(Evenement, "departement_id carnet_id type resume")
    tables = [beneficiaires, carnets, evenements]
    if empreintes is not None:
        tables.append(TableTexte(EmpreinteFlux, "departement_id beneficiaire_id hash"))
    for index, (valeurs, beneficiaire_id, carnet_id) in enumerate(
        zip(personnes, beneficiaire_ids, carnet_ids, strict=True)
    ):
        beneficiaires.add(
            beneficiaire_id,
            departement_id,
            *(valeurs.get(name, _DEFAULTS[name]) for name in CHAMPS),
            *derivees(valeurs),
        )
        carnets.add(carnet_id, departement_id, beneficiaire_id)
        text = resume(valeurs) if callable(resume) else resume
        evenements.add(departement_id, carnet_id, TypeEvenement.CARNET_CREE, text[:255])
        if empreintes is not None:
            tables[3].add(departement_id, beneficiaire_id, empreintes[index])
    raw = connection.connection
    for table in tables:
        table.flush(raw)
    return beneficiaire_ids


def derivees(valeurs):
    """What save() and set_nir() would compute: (encrypted NIR, NIR hash, search text, trigrams literal)."""
    nir = valeurs.get("nir") or ""
    names = (valeurs.get("nom_usage", ""), valeurs.get("nom_naissance", ""), valeurs.get("prenoms", ""))
    return (
        encrypt(nir) if nir else "",
        (valeurs.get("nir_hash") or nir_hash(nir)) if nir else "",
        search_text(*names),
        _array_literal(name_trigrams(*names)),
    )


def _array_literal(grams):
    """The trigram array as PostgreSQL's text literal: COPY parses it, psycopg's Python list dumper (slow at this
    volume) is bypassed. Trigrams are normalised text (letters, digits, spaces): quoting is enough."""
    return "{" + ",".join(f'"{gram}"' for gram in grams) + "}"


class TableTexte(Table):
    """`carnet.generation.Table` that writes COPY's text format itself, a whole table in one write: at tens of
    thousands of rows, psycopg's per-row and per-value adaptation is a large share of an import's time."""

    def flush(self, raw_connection):
        constants = tuple(_copy_text(value) for _, value in self.constants)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, self.columns))
        )
        if self.rows:
            uuid_fields = [f for f in self.callables if f.get_internal_type() == "UUIDField"]
            if len(uuid_fields) != len(self.callables):
                return super().flush(raw_connection)  # a default this writer does not know: the generic path
            lines = []
            for row in self.rows:
                cells = [_copy_text(value) for value in row]
                cells.extend(constants)
                cells.extend(str(uuid.uuid4()) for _ in uuid_fields)
                lines.append("\t".join(cells))
            lines.append("")
            with raw_connection.cursor() as cursor, cursor.copy(statement) as copy:
                copy.write("\n".join(lines).encode())
        count, self.rows = len(self.rows), []
        return count


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes too (aware: isoformat keeps the offset)
        return value.isoformat()
    raise TypeError(f"Valeur non prise en charge pour COPY : {type(value).__name__}")
