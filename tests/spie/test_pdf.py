"""The one HTML → PDF path (`spie.pdf`): local stylesheets only, never the network nor files outside static/."""

import io

import pypdf
import pytest

from spie import pdf


def test_fetcher_refuses_the_network_and_files_outside_static():
    fetcher = pdf.LocalOnlyFetcher()
    for refused in ("http://127.0.0.1:9/x.css", "https://exemple.fr/logo.png", "file:///etc/hostname"):
        with pytest.raises(ValueError):
            fetcher.fetch(refused)
    escape = (pdf.STATIC_DIR / ".." / "manage.py").as_uri()
    with pytest.raises(ValueError):
        fetcher.fetch(escape)


def test_fetcher_reads_a_stylesheet_under_static():
    response = pdf.LocalOnlyFetcher().fetch((pdf.STATIC_DIR / "spie" / "spie.css").as_uri())
    assert b".spie-" in response.read()
    response.close()


def test_html_to_pdf_renders_the_text_and_ignores_remote_resources():
    html = (
        '<html><head><link rel="stylesheet" href="spie/spie.css">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/distant.css"></head>'
        '<body><h1>Convocation</h1><img src="file:///etc/hostname"><p>Rendez-vous le 9 décembre</p></body></html>'
    )
    content = pdf.html_to_pdf(html)
    assert content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "Convocation" in text and "Rendez-vous le 9 décembre" in text
