"""HTML → PDF with WeasyPrint, for every document of the platform (contracts, orientation letters, reports).

The HTML is a Django template rendered server-side. WeasyPrint may only read local files under the
static directory (stylesheets, logos) and `data:` URIs: a document never makes a network request,
whatever ends up in its HTML.
"""

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
