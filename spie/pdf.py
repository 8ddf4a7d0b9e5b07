"""HTML → PDF with WeasyPrint, for every document of the platform (contracts, orientation letters, reports).

The HTML is a Django template rendered server-side. WeasyPrint may only read local files under the
static directory (stylesheets, logos) and `data:` URIs: a document never makes a network request,
whatever ends up in its HTML.
"""

import io
from pathlib import Path
from urllib.request import url2pathname

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher

STATIC_DIR = Path(settings.BASE_DIR) / "static"


class LocalOnlyFetcher(URLFetcher):
    """Refuses every URL except `data:` and files under `static/` (no SSRF, no reading of other files)."""

    def __init__(self, root=STATIC_DIR):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self.root = Path(root).resolve()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError("Ressource hors du dossier des fichiers statiques refusée.")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` with `context` and return the PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))


# --- Documents followed by other PDFs (a court file and its evidence) ------------------------------------------


def pdf_page_count(data: bytes) -> int | None:
    """The number of pages of a PDF received from outside, or None when it cannot be read as one (damaged,
    protected by a password, not a PDF): such a file is listed, never inserted."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return len(reader.pages)
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError):
        return None


def html_to_pdf_with_inserts(html: str, inserts: dict[str, bytes]) -> bytes:
    """Render `html`, then insert after the page holding the element whose id is a key of `inserts` every page of
    that PDF, in the order of the document (`pdf_page_count` must have accepted each one)."""
    from pypdf import PdfReader, PdfWriter

    document = weasyprint.HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher()
    ).render()
    after_page = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor in inserts:
                after_page.setdefault(index, []).append(anchor)
    main = PdfReader(io.BytesIO(document.write_pdf()))
    writer = PdfWriter()
    for index, page in enumerate(main.pages):
        writer.add_page(page)
        for anchor in after_page.get(index, []):
            reader = PdfReader(io.BytesIO(inserts[anchor]), strict=False)
            if reader.is_encrypted:
                reader.decrypt("")
            for inserted in reader.pages:
                writer.add_page(inserted)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
