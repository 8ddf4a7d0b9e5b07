"""Reading a CSV or XLSX file into a header and numbered rows of text cells.

CSV: UTF-8 (with or without BOM) or windows-1252, detected; separator `;`, `,` or tab, detected on the header
line. XLSX: the first sheet with content, read with openpyxl in read-only mode; numbers that are codes (a
postal code, a phone number) are given back as Excel shows them when the mapping says so (`as_text`).

A file that cannot be read as a whole raises `FichierIllisible` with a French message.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from zipfile import BadZipFile

TAILLE_MAX = 20 * 1024 * 1024
MAX_LIGNES = 100_000
FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)"}


class FichierIllisible(Exception):
    """The file cannot be read; the message is shown as is."""


@dataclass
class Tableau:
    entetes: list  # column headers, as written in the file (deduplicated: "Nom", "Nom (2)")
    lignes: list  # (line number in the file, [cell, …]) for each non-empty row after the header
    lecture: dict  # how the file was read: format, encoding, separator


def format_de(nom):
    extension = nom.rsplit(".", 1)[-1].lower() if "." in (nom or "") else ""
    return extension if extension in FORMATS else None


def lire(contenu: bytes, nom: str) -> Tableau:
    if len(contenu) > TAILLE_MAX:
        raise FichierIllisible(f"Le fichier dépasse la taille maximale de {TAILLE_MAX // (1024 * 1024)} Mo.")
    format_ = format_de(nom)
    if format_ == "csv":
        return lire_csv(contenu)
    if format_ == "xlsx":
        return lire_xlsx(contenu)
    raise FichierIllisible("Format non pris en charge : déposez un fichier CSV (.csv) ou Excel (.xlsx).")


def _decode(contenu):
    if contenu.startswith(b"\xef\xbb\xbf"):
        return contenu[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return contenu.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return contenu.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise FichierIllisible("Encodage illisible : enregistrez le fichier en UTF-8 ou en windows-1252.") from exc


def _unique_headers(raw):
    seen, headers = {}, []
    for index, value in enumerate(raw, start=1):
        name = " ".join(str(value or "").split()) or f"Colonne {index}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        headers.append(name if count == 1 else f"{name} ({count})")
    return headers


def lire_csv(contenu: bytes) -> Tableau:
    try:
        text, encodage = _decode(contenu)
    except UnicodeDecodeError as exc:
        raise FichierIllisible("Le fichier commence par une marque UTF-8 mais n'est pas en UTF-8.") from exc
    if not text.strip():
        raise FichierIllisible("Le fichier est vide.")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    separateur = max([";", ",", "\t"], key=first_line.count)
    if first_line.count(separateur) == 0:
        separateur = ";"
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=separateur)
        entetes, lignes = None, []
        for numero, row in enumerate(rows, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if entetes is None:
                entetes = _unique_headers(row)
                continue
            lignes.append((numero, [cell.strip() for cell in row]))
            if len(lignes) > MAX_LIGNES:
                raise FichierIllisible(f"Le fichier dépasse {MAX_LIGNES} lignes : découpez-le.")
    except csv.Error as exc:
        raise FichierIllisible(f"Le fichier n'est pas un CSV lisible ({exc}).") from exc
    if entetes is None:
        raise FichierIllisible("Le fichier est vide.")
    libelle = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}[separateur]
    return Tableau(entetes, lignes, {"format": "csv", "encodage": encodage, "separateur": libelle})


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def lire_xlsx(contenu: bytes) -> Tableau:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise FichierIllisible("Le fichier n'est pas un classeur Excel (XLSX) lisible.") from exc
    try:
        for sheet in workbook.worksheets:
            entetes, lignes = None, []
            for numero, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell(value) for value in row]
                if not any(cells):
                    continue
                if entetes is None:
                    entetes = _unique_headers(cells)
                    continue
                lignes.append((numero, cells))
                if len(lignes) > MAX_LIGNES:
                    raise FichierIllisible(f"Le classeur dépasse {MAX_LIGNES} lignes : découpez-le.")
            if entetes is not None:
                return Tableau(entetes, lignes, {"format": "xlsx", "feuille": sheet.title})
    finally:
        workbook.close()
    raise FichierIllisible("Le classeur ne contient aucune feuille remplie.")
