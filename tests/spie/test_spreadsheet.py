"""The one CSV writer (`spie.spreadsheet`): formula-injection guard, separator, BOM, line ends."""

import csv
import decimal
import io

import pytest

from spie.spreadsheet import csv_bytes, csv_text, safe_cell


@pytest.mark.parametrize(
    "text",
    ["=1+1", '=HYPERLINK("https://exemple.fr";"x")', "+33 6 12", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"],
)
def test_a_text_a_spreadsheet_would_run_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Dupont", "", "1=1", "a@b.fr", " =1", "Léa"])
def test_ordinary_text_is_left_as_is(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-3, 2.5, decimal.Decimal("-1.5"), "-12", "-1,5", "-0.25", 0])
def test_numbers_are_left_as_is(value):
    assert safe_cell(value) == value


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_default_file_is_utf8_with_bom_semicolons_and_crlf():
    content = csv_bytes([["nom", "motif"], ["Éloïse", "=1+1"], [3, None], ["a;b", 'dit "non"']])
    assert content == (b'\xef\xbb\xbfnom;motif\r\n\xc3\x89lo\xc3\xafse;\'=1+1\r\n3;\r\n"a;b";"dit ""non"""\r\n')


def test_the_file_reads_back_with_the_csv_module():
    rows = [["ligne", "détail"], [1, "nom d'usage, prénoms"], [2, "ligne\nsur deux"]]
    read = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8-sig")), delimiter=";"))
    assert read == [["ligne", "détail"], ["1", "nom d'usage, prénoms"], ["2", "ligne\nsur deux"]]


def test_exchange_file_without_guard_keeps_values_exactly():
    content = csv_bytes(
        [["id", "description"], ["s1", "- premier point"]], delimiter=",", encoding="utf-8", formula_guard=False
    )
    assert content == b"id,description\r\ns1,- premier point\r\n"


def test_text_can_be_encoded_by_the_caller():
    assert csv_text([["Nom", "Prénom"]]).encode("cp1252") == "Nom;Prénom\r\n".encode("cp1252")
