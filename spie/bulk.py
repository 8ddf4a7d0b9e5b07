"""Writing many rows at once with PostgreSQL COPY (machinery; what to write is each app's business).

- `reserve_ids`: primary keys taken from their sequence first, so that rows pointing to each other (a person,
  their carnet, its first timeline row) are built in Python in one pass and then streamed table by table;
- `Table`: COPY rows into a model's table, every column not given at its default (psycopg adapts each value);
- `TableTexte`: the same, writing COPY's text format itself in one write (tens of thousands of rows: psycopg's
  per-value adaptation is then a large share of the time).

COPY bypasses `Model.save()`: the app that owns the table fills what save() would have (for bénéficiaires:
`carnet.services.bulk`). Call inside a transaction; the apps' tenant scope does not apply to COPY, so the
caller writes `departement_id` itself.
"""

import datetime
import uuid

from django.db import connection, models
from django.utils import timezone
from psycopg import sql


class Table:
    """COPY rows into a model's table: the given columns, plus every other column at its default.

    A column added later with a default (or nullable) is filled automatically; a new required column
    without a default makes the writer fail at start rather than in the middle of a run.
    """

    def __init__(self, model, columns):
        self.model, self.columns, self.rows = model, columns.split(), []
        self.constants, self.callables = [], []
        for model_field in model._meta.concrete_fields:
            name = model_field.attname
            if name in self.columns or model_field.primary_key or model_field.db_default is not models.NOT_PROVIDED:
                continue
            if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
                self.constants.append((name, timezone.now()))
            elif model_field.has_default() and callable(model_field.default):
                self.callables.append(model_field)  # uuid4, dict…: one value per row
            elif (default := model_field.get_default()) is not None or model_field.null:
                # What Django itself would insert: the default, "" for text, NULL when nullable.
                self.constants.append((name, model_field.get_db_prep_save(default, connection)))
            else:
                raise RuntimeError(f"{model._meta.label}.{model_field.name} : colonne obligatoire non générée.")
        self.columns += [name for name, _ in self.constants] + [f.attname for f in self.callables]

    def add(self, *values):
        self.rows.append(values)

    def _statement(self):
        return sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, self.columns))
        )

    def flush(self, raw_connection):
        """Write the rows gathered so far; returns their number."""
        constants = tuple(value for _, value in self.constants)
        if self.rows:
            with raw_connection.cursor() as cursor, cursor.copy(self._statement()) as copy:
                for row in self.rows:
                    extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.callables)
                    copy.write_row(row + constants + extra)
        count, self.rows = len(self.rows), []
        return count


class TableTexte(Table):
    """`Table` that writes COPY's text format itself, a whole table in one write."""

    def flush(self, raw_connection):
        if self.rows:
            uuid_fields = [f for f in self.callables if f.get_internal_type() == "UUIDField"]
            if len(uuid_fields) != len(self.callables):
                return super().flush(raw_connection)  # a default this writer does not know: the generic path
            constants = tuple(copy_text(value) for _, value in self.constants)
            lines = []
            for row in self.rows:
                cells = [copy_text(value) for value in row]
                cells.extend(constants)
                cells.extend(str(uuid.uuid4()) for _ in uuid_fields)
                lines.append("\t".join(cells))
            lines.append("")
            with raw_connection.cursor() as cursor, cursor.copy(self._statement()) as copy:
                copy.write("\n".join(lines).encode())
        count, self.rows = len(self.rows), []
        return count


def reserve_ids(model, count):
    """Take `count` values from the primary key's sequence (safe alongside concurrent inserts)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def raw_connection():
    """The psycopg connection under Django's (COPY is not in Django's cursor API)."""
    connection.ensure_connection()
    return connection.connection


def array_literal(values):
    """A text array as PostgreSQL's literal, for `TableTexte` (psycopg's list dumper is slow at volume). The values
    must need no escaping beyond double quotes around each (normalised text: letters, digits, spaces)."""
    return "{" + ",".join(f'"{value}"' for value in values) + "}"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_FORMATS = {
    str: lambda value: value.translate(_ESCAPES),
    type(None): lambda value: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    uuid.UUID: str,
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
}


def copy_text(value):
    """One value in COPY's text format."""
    format_ = _FORMATS.get(type(value))  # the usual exact types first: hundreds of thousands of values per import
    if format_ is not None:
        return format_(value)
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
