"""Geography referential: derived files, loading command, commune search."""

import csv
import gzip
from io import StringIO

import pytest
from django.core.management import call_command

from spie.management.commands.charger_referentiels import DATA_DIR
from spie.models.geo import Commune, Epci, RefDepartement
from spie.text import normalise


@pytest.fixture
def referentiel(db):
    """Load the whole referential (a couple of seconds) and return the command output."""
    stdout = StringIO()
    call_command("charger_referentiels", stdout=stdout)
    return stdout.getvalue()


def counts():
    return RefDepartement.objects.count(), Epci.objects.count(), Commune.objects.count()


@pytest.mark.parametrize(
    ("name", "header", "minimum_rows"),
    [
        ("departements.csv.gz", ["code", "nom", "region_code"], 101),
        ("epci.csv.gz", ["code", "nom", "type"], 1200),
        (
            "communes.csv.gz",
            ["code_insee", "nom", "departement_code", "epci_code", "codes_postaux", "population"],
            34000,
        ),
    ],
)
def test_fichiers_colonnes(name, header, minimum_rows):
    with gzip.open(DATA_DIR / name, mode="rt", encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        assert next(reader) == header
        rows = list(reader)
    assert len(rows) >= minimum_rows
    assert all(len(row) == len(header) for row in rows)
    codes = [row[0] for row in rows]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)


def test_fichier_communes_rouen():
    with gzip.open(DATA_DIR / "communes.csv.gz", mode="rt", encoding="utf-8", newline="") as file:
        rouen = next(row for row in csv.DictReader(file) if row["code_insee"] == "76540")
    assert rouen == {
        "code_insee": "76540",
        "nom": "Rouen",
        "departement_code": "76",
        "epci_code": "200023414",
        "codes_postaux": "76000 76100",
        "population": rouen["population"],
    }
    assert int(rouen["population"]) > 100_000


def test_chargement_seine_maritime(referentiel):
    assert "Référentiel géographique : 109 départements, 1 255 EPCI, 34 969 communes chargés." in referentiel
    seine_maritime = RefDepartement.objects.get(code="76")
    assert str(seine_maritime) == "Seine-Maritime (76)"
    assert seine_maritime.region_code == "28"
    assert seine_maritime.communes.count() > 700

    rouen = Commune.objects.select_related("departement", "epci").get(code_insee="76540")
    assert str(rouen) == "Rouen (76540)"
    assert rouen.nom_normalise == "rouen"
    assert rouen.departement == seine_maritime
    assert "76000" in rouen.codes_postaux
    assert rouen.population > 100_000
    assert rouen.epci.nom == "Métropole Rouen Normandie"
    assert rouen.epci.type == "METRO"
    assert rouen.epci.communes.filter(code_insee="76575").exists()  # Saint-Étienne-du-Rouvray

    assert Commune.objects.get(code_insee="2A004").departement_id == "2A"  # Ajaccio
    assert Commune.objects.get(code_insee="29155").epci is None  # Ouessant, in no EPCI
    assert not Commune.objects.filter(code_insee="75101").exists()  # arrondissement municipal, not a commune


def test_rechargement_idempotent(referentiel):
    before = counts()
    rouen = Commune.objects.values().get(code_insee="76540")
    Commune.objects.filter(code_insee="76540").update(nom="Ancien nom", codes_postaux=[], epci=None)

    call_command("charger_referentiels", stdout=StringIO())

    assert counts() == before
    assert Commune.objects.values().get(code_insee="76540") == rouen


def test_si_vide(db):
    call_command("charger_referentiels", "--si-vide", stdout=StringIO())
    before = counts()
    assert before[2] > 34000
    Commune.objects.filter(code_insee="76540").update(nom="Ancien nom")

    stdout = StringIO()
    call_command("charger_referentiels", "--si-vide", stdout=stdout)

    assert stdout.getvalue() == ""
    assert counts() == before
    assert Commune.objects.get(code_insee="76540").nom == "Ancien nom"


def test_recherche(referentiel):
    # (what a user types, INSEE code of the expected first result): one test, the referential loads in ~1 s.
    cases = [
        ("rouen", "76540"),
        ("ROUEN ", "76540"),
        ("76000", "76540"),  # postal code
        ("760", "76540"),  # postal code prefix, most populated first
        ("76 100", "76540"),
        ("saint etienne du rouvray", "76575"),
        ("Saint-Étienne-du-Rouvray", "76575"),
        ("Saint-Étienne", "42218"),  # exact name before Saint-Étienne-du-Rouvray & co
        ("etienne", "42218"),  # a word of the name
        ("2A004", "2A004"),  # Corsican INSEE code
        ("2a00", "2A004"),
    ]
    for term, first in cases:
        results = [commune.code_insee for commune in Commune.objects.search(term)[:10]]
        assert results[:1] == [first], f"search({term!r}) → {results}"
    # An INSEE code that is also a postal code: the postal code wins, the commune still comes.
    assert "76540" in Commune.objects.search("76540").values_list("code_insee", flat=True)


def test_recherche_rangs(referentiel):
    # Every result contains the term; names starting with it come before names merely containing it.
    names = [commune.nom_normalise for commune in Commune.objects.search("saint etienne")]
    assert names[0] == "saint etienne"
    assert len(names) > 20
    assert all("saint etienne" in name for name in names)
    starts = [name.startswith("saint etienne") for name in names]
    assert starts == sorted(starts, reverse=True)
    # Paris has every 75xxx postal code.
    assert [commune.code_insee for commune in Commune.objects.search("75011")] == ["75056"]
    # Within a rank, the most populated commune comes first.
    populations = [c.population for c in Commune.objects.search("76000")]
    assert populations[0] == max(populations)


@pytest.mark.parametrize("term", ["", "   ", "-", None, "zzzzzz", "99999"])
def test_recherche_sans_resultat(db, term):
    assert not Commune.objects.search(term).exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saint-Étienne-du-Rouvray", "saint etienne du rouvray"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("  Œuilly  ", "oeuilly"),
        ("Faa’a", "faa a"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_save_met_a_jour_nom_normalise(referentiel):
    rouen = Commune.objects.get(code_insee="76540")
    rouen.nom = "Rouen-Ville Élargie"
    rouen.save(update_fields=["nom"])
    assert Commune.objects.get(code_insee="76540").nom_normalise == "rouen ville elargie"
