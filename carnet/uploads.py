"""Checking an uploaded document before anything is stored: size, then type read from the content.

The browser's content type and the file name are never trusted: the type is recognised from the first
bytes (and, for office documents, from the zip container's own manifest), and the extension must name
that same type. A refused upload raises `ValidationError` with a message for the person.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

# Overridable by `settings.SPIE_DOCUMENT_MAX_BYTES`.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024

# Office manifests are a few kilobytes: a larger one is not a document we accept (and is never inflated).
_MANIFEST_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class TypeDocument:
    code: str
    libelle: str
    type_mime: str
    extension: str
    extensions: tuple[str, ...]


PDF = TypeDocument("pdf", "PDF", "application/pdf", ".pdf", (".pdf",))
PNG = TypeDocument("png", "image PNG", "image/png", ".png", (".png",))
JPEG = TypeDocument("jpeg", "image JPEG", "image/jpeg", ".jpg", (".jpg", ".jpeg"))
DOCX = TypeDocument(
    "docx",
    "document Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    (".docx",),
)
XLSX = TypeDocument(
    "xlsx",
    "tableur Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsx",
    (".xlsx",),
)
ODT = TypeDocument("odt", "texte OpenDocument", "application/vnd.oasis.opendocument.text", ".odt", (".odt",))

TYPES_ACCEPTES = (PDF, PNG, JPEG, DOCX, XLSX, ODT)
TYPES_PAR_MIME = {t.type_mime: t for t in TYPES_ACCEPTES}
EXTENSIONS_ACCEPTEES = tuple(ext for t in TYPES_ACCEPTES for ext in t.extensions)

# Main part of an OOXML package, as declared in its [Content_Types].xml (macro-enabled variants differ).
_OOXML_MAIN_PARTS = {
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"': DOCX,
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"': XLSX,
}

MESSAGE_TYPE_REFUSE = (
    "Ce type de fichier n'est pas accepté. Formats acceptés : PDF, image PNG ou JPEG, document Word (.docx), "
    "tableur Excel (.xlsx), texte OpenDocument (.odt)."
)


def max_bytes():
    return getattr(settings, "SPIE_DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES)


def taille_lisible(octets):
    if octets >= 1024 * 1024:
        return f"{octets / (1024 * 1024):.0f} Mo".replace(".", ",")
    if octets >= 1024:
        return f"{octets / 1024:.0f} Ko"
    return f"{octets} octets"


def detect_type(fichier):
    """The accepted type of this file, recognised from its content, or None."""
    fichier.seek(0)
    head = fichier.read(8)
    fichier.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            return _office_type(fichier)
        finally:
            fichier.seek(0)
    return None


def _read_small(archive, name):
    info = archive.getinfo(name)
    if info.file_size > _MANIFEST_MAX_BYTES:
        return None
    with archive.open(info) as entry:
        return entry.read(_MANIFEST_MAX_BYTES + 1)


def _office_type(fichier):
    try:
        with zipfile.ZipFile(fichier) as archive:
            names = set(archive.namelist())
            if any(PurePath(name).name.lower() == "vbaproject.bin" for name in names):
                return None  # macros: never accepted, whatever the extension says
            if "mimetype" in names:
                # ODF: the first entry, stored uncompressed, holds the media type.
                mimetype = (_read_small(archive, "mimetype") or b"").strip()
                return ODT if mimetype == ODT.type_mime.encode() else None
            if "[Content_Types].xml" in names:
                manifest = _read_small(archive, "[Content_Types].xml") or b""
                found = {kind for marker, kind in _OOXML_MAIN_PARTS.items() if marker in manifest}
                return found.pop() if len(found) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, RuntimeError):
        return None
    return None


def extension_of(filename):
    return PurePath(filename or "").suffix.lower()


def check_upload(fichier):
    """Validate an uploaded file; return its `TypeDocument`. Nothing is written anywhere."""
    limit = max_bytes()
    if fichier.size > limit:
        raise ValidationError(
            "Le fichier est trop volumineux (%(taille)s) : la taille maximale est de %(max)s.",
            code="trop_volumineux",
            params={"taille": taille_lisible(fichier.size), "max": taille_lisible(limit)},
        )
    if fichier.size == 0:
        raise ValidationError("Le fichier est vide.", code="vide")
    extension = extension_of(fichier.name)
    if extension not in EXTENSIONS_ACCEPTEES:
        raise ValidationError(MESSAGE_TYPE_REFUSE, code="extension_refusee")
    kind = detect_type(fichier)
    if kind is None:
        raise ValidationError(
            "Le contenu de ce fichier n'est pas celui d'un format accepté (%(extension)s annoncé). "
            "Le fichier n'a pas été enregistré.",
            code="contenu_refuse",
            params={"extension": extension},
        )
    if extension not in kind.extensions:
        raise ValidationError(
            "Le contenu du fichier (%(libelle)s) ne correspond pas à son extension (%(extension)s). "
            "Le fichier n'a pas été enregistré.",
            code="extension_discordante",
            params={"libelle": kind.libelle, "extension": extension},
        )
    return kind


def download_filename(nom, type_mime):
    """A safe file name for Content-Disposition: the document's name without path, control or quote characters,
    with the extension of its checked type."""
    kind = TYPES_PAR_MIME.get(type_mime)
    extension = kind.extension if kind else ""
    text = unicodedata.normalize("NFC", nom or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r'[\\/:*?"<>|;]+', " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if extension and text.lower().endswith(extension):
        text = text[: -len(extension)].rstrip(" .")
    return f"{(text or 'document')[:100]}{extension}"


def default_name(filename):
    """The name shown for a document when none is typed: the uploaded file's name without its extension."""
    stem = PurePath(filename or "").stem
    return re.sub(r"[_\s]+", " ", stem).strip()[:200] or "Document"
