"""Reading data·inclusion files into records: JSON (as the national API and open data publish them), CSV (one
file per kind) and XLSX (one sheet per kind).

A file that cannot be read as a whole (not JSON, no schema columns, not a workbook...) raises
`FichierInvalide` with a message for the user; a broken record is not the reader's business: it is
handed on as is and reported by the import with its position.
"""

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass

from offre.schema import SERVICE_FIELDS, SERVICE_LIST_FIELDS, STRUCTURE_FIELDS, STRUCTURE_LIST_FIELDS
from spie.text import normalise

STRUCTURE, SERVICE = "structure", "service"
LIBELLES = {STRUCTURE: "structure", SERVICE: "service"}
LIST_FIELDS = frozenset(SERVICE_LIST_FIELDS + STRUCTURE_LIST_FIELDS)
FLOAT_FIELDS = frozenset({"longitude", "latitude", "volume_horaire_hebdomadaire"})
# Codes that a spreadsheet turns into numbers ("08000" → 8000): width to restore.
CODE_WIDTHS = {"code_postal": 5, "code_insee": 5, "siret": 14}
MAX_TAILLE = 20 * 1024 * 1024


class FichierInvalide(Exception):
    """The file as a whole cannot be imported; the message is shown as is."""


@dataclass
class Enregistrement:
    type: str  # STRUCTURE or SERVICE
    numero: int  # position among the records of its kind in the file, from 1
    ligne: int | None  # line of a CSV file / row of a sheet (the header is line 1)
    data: object  # the record (a dict, unless the file holds something else at this place)

    @property
    def identifiant(self):
        return str(self.data.get("id") or "") if isinstance(self.data, dict) else ""


def kind_of(record):
    """A service names its structure (`structure_id`); a structure does not."""
    return SERVICE if isinstance(record, dict) and "structure_id" in record else STRUCTURE


# --- JSON ----------------------------------------------------------------------------------------------


def read_json(content: bytes):
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FichierInvalide("Le fichier JSON doit être encodé en UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise FichierInvalide(
            f"Le fichier n'est pas un JSON valide (ligne {exc.lineno}, colonne {exc.colno} : {exc.msg})."
        ) from exc
    if isinstance(data, dict) and ("structures" in data or "services" in data):
        groups = [(STRUCTURE, data.get("structures") or []), (SERVICE, data.get("services") or [])]
        if not all(isinstance(items, list) for _, items in groups):
            raise FichierInvalide("Les clés « structures » et « services » du fichier JSON doivent être des listes.")
        return _numbered([(kind, item) for kind, items in groups for item in items])
    if isinstance(data, dict) and isinstance(data.get("items"), list):  # a page of the national API
        data = data["items"]
    if not isinstance(data, list):
        raise FichierInvalide(
            "Le fichier JSON doit contenir une liste de structures et de services (ou un objet avec les listes "
            "« structures » et « services »)."
        )
    return _numbered([(kind_of(item), item) for item in data])


def _numbered(items):
    counters = {STRUCTURE: 0, SERVICE: 0}
    records = []
    for kind, item in items:
        counters[kind] += 1
        records.append(Enregistrement(kind, counters[kind], None, item))
    return records


# --- Tabular files (CSV, XLSX) --------------------------------------------------------------------------


def _header_kind(header, source):
    columns = {h for h in header if h}
    if "structure_id" in columns:
        kind, fields = SERVICE, SERVICE_FIELDS
    else:
        kind, fields = STRUCTURE, STRUCTURE_FIELDS
    if not {"id", "nom"} <= columns or not columns & set(fields) - {"id", "nom"}:
        raise FichierInvalide(
            f"{source} n'a pas les colonnes du schéma data·inclusion : il faut au moins « id », « source », « nom » "
            "(et « structure_id » pour les services) sur la première ligne."
        )
    return kind


def _column(name):
    """A header cell as a schema field name: "Structure ID" → "structure_id"."""
    return normalise(str(name)).replace(" ", "_") if name is not None else ""


def split_list(value):
    """A list cell: JSON array, PostgreSQL-like {a,b}, or values separated by commas, semicolons or pipes."""
    if isinstance(value, list):
        return value
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [str(item) for item in parsed]
        text = text.strip("[]")
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return [part.strip().strip("\"'") for part in re.split(r"[,;|]", text) if part.strip().strip("\"'")]


def _cell(name, value):
    """A cell as the schema reads it; None when empty (the column is then left out of the record)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if name in FLOAT_FIELDS or name == "nombre_semaines":
            return value
        if name in CODE_WIDTHS and float(value).is_integer():
            return str(int(value)).zfill(CODE_WIDTHS[name])
        return str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    if not text:
        return None
    if name in LIST_FIELDS:
        return split_list(text)
    if name in FLOAT_FIELDS:
        return text.replace(",", ".")
    return text


def _row_record(header, row):
    record = {}
    for name, value in zip(header, row, strict=False):
        if not name:
            continue
        cell = _cell(name, value)
        if cell is not None:
            record[name] = cell
    return record


def _decode(content: bytes, source):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FichierInvalide(f"{source} : encodage illisible (UTF-8 attendu).")


def read_csv(content: bytes, source="Le fichier CSV"):
    text = _decode(content, source)
    if not text.strip():
        raise FichierInvalide(f"{source} est vide.")
    first_line = text.splitlines()[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FichierInvalide(f"{source} n'est pas un CSV lisible : {exc}.") from exc
    header = [_column(h) for h in rows[0]]
    kind = _header_kind(header, source)
    records, numero = [], 0
    for index, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        numero += 1
        records.append(Enregistrement(kind, numero, index, _row_record(header, row)))
    return records


def read_xlsx(content: bytes, source="Le classeur"):
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise FichierInvalide(f"{source} n'est pas un fichier Excel (XLSX) lisible.") from exc
    records, seen = [], set()
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, None)
            if not first or not any(first):
                continue
            header = [_column(h) for h in first]
            if "id" not in header:
                continue
            kind = _header_kind(header, f"La feuille « {sheet.title} »")
            if kind in seen:
                raise FichierInvalide(f"{source} contient deux feuilles de {LIBELLES[kind]}s : gardez-en une.")
            seen.add(kind)
            numero = 0
            for index, row in enumerate(rows, start=2):
                if not row or not any(v not in (None, "") for v in row):
                    continue
                numero += 1
                records.append(Enregistrement(kind, numero, index, _row_record(header, row)))
    finally:
        workbook.close()
    if not seen:
        raise FichierInvalide(
            f"{source} n'a aucune feuille au schéma data·inclusion (une feuille « structures » et une feuille "
            "« services », avec les noms des champs sur la première ligne)."
        )
    return records


def read_files(format, files):
    """Records of every file of an import (`files`: (display name, bytes)), structures first."""
    from offre.models import FormatImport

    records = []
    kinds = set()
    for name, content in files:
        if len(content) > MAX_TAILLE:
            raise FichierInvalide(f"« {name} » dépasse la taille maximale de {MAX_TAILLE // (1024 * 1024)} Mo.")
        if format == FormatImport.JSON:
            part = read_json(content)
        elif format == FormatImport.CSV:
            part = read_csv(content, f"« {name} »")
            kind = part[0].type if part else None
            if kind is not None and kind in kinds:
                raise FichierInvalide(
                    "Les deux fichiers CSV sont du même type : un pour les structures, un pour les services."
                )
            kinds.add(kind)
        else:
            part = read_xlsx(content, f"« {name} »")
        records.extend(part)
    if not records:
        raise FichierInvalide("Le fichier ne contient aucun enregistrement.")
    return sorted(records, key=lambda r: (r.type != STRUCTURE,))


def format_of(filename):
    """The import format of a file name, or None."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"json": "json", "csv": "csv", "xlsx": "xlsx"}.get(extension)
