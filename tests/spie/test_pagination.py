"""The one DSFR pagination partial (`templates/includes/_pagination.html`)."""

import re

from django.core.paginator import Page, Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def render(url, page):
    return render_to_string("includes/_pagination.html", {"page": page}, request=RequestFactory().get(url))


def links(html):
    return re.findall(r'href="([^"]*)"', html)


def test_links_change_only_the_page_and_keep_the_filters():
    page = Paginator(range(60), 20).get_page(2)
    html = render("/liste?q=dupont&statut=a_valider&page=2", page)
    assert links(html) == ["?q=dupont&amp;statut=a_valider&amp;page=1", "?q=dupont&amp;statut=a_valider&amp;page=3"]
    assert 'aria-current="page">Page 2 sur 3<' in html
    assert 'class="fr-pagination" aria-label="Pagination"' in html


def test_first_page_has_no_previous_link():
    html = render("/liste?filtre=sans_rdv", Paginator(range(30), 20).get_page(1))
    assert links(html) == ["?filtre=sans_rdv&amp;page=2"]
    assert "Page précédente" not in html and "Page suivante" in html


def test_last_page_has_no_next_link():
    html = render("/liste", Paginator(range(30), 20).get_page(2))
    assert links(html) == ["?page=1"]
    assert "Page suivante" not in html


def test_nothing_when_everything_fits_on_one_page():
    assert render("/liste", Paginator(range(20), 20).get_page(1)).strip() == ""


def test_a_page_built_over_a_count_as_the_offer_search_does():
    page = Page(["service"] * 10, 3, Paginator(range(45), 10))
    html = render("/offre/recherche?commune=76540&page=3", page)
    assert links(html) == ["?commune=76540&amp;page=2", "?commune=76540&amp;page=4"]
    assert "Page 3 sur 5" in html
