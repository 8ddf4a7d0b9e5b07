"""Derive the geography referential of SPIE from the open data of @etalab/decoupage-administratif.

Run by hand, never at run time (stdlib only):

    python scripts/build_geo_data.py /path/to/shared/data/geo

Writes spie/data/geo/{departements,epci,communes}.csv.gz: UTF-8 CSV, sorted by code, gzip with mtime=0 so that
re-running on the same source produces identical bytes. See spie/data/geo/README.md.
"""

import csv
import gzip
import io
import json
import sys
from pathlib import Path

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "spie" / "data" / "geo"


def write_csv_gz(name, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(sorted(rows))
    path = OUTPUT_DIR / name
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(buffer.getvalue().encode("utf-8"))
    print(f"{path.relative_to(OUTPUT_DIR.parent.parent.parent)}: {len(rows)} rows, {path.stat().st_size} bytes")


def main(source_dir):
    source = Path(source_dir)

    def load(name):
        return json.loads((source / name).read_text(encoding="utf-8"))

    departements, epcis, communes = load("departements.json"), load("epci.json"), load("communes.json")
    epci_of_commune = {}
    for epci in epcis:
        for membre in epci["membres"]:
            if epci_of_commune.setdefault(membre["code"], epci["code"]) != epci["code"]:
                raise SystemExit(f"Commune {membre['code']} belongs to several EPCI")

    # Only current communes: arrondissements municipaux (Paris, Lyon, Marseille) and communes déléguées / associées
    # are parts of a current commune, whose postal codes already cover theirs.
    communes = [c for c in communes if c["type"] == "commune-actuelle"]
    if len({c["code"] for c in communes}) != len(communes):
        raise SystemExit("Duplicate INSEE code among current communes")
    departement_codes = {d["code"] for d in departements}
    if missing := {c["departement"] for c in communes} - departement_codes:
        raise SystemExit(f"Unknown départements: {sorted(missing)}")
    if unknown := set(epci_of_commune) - {c["code"] for c in communes}:
        raise SystemExit(f"EPCI members that are not current communes: {sorted(unknown)[:10]}")

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    write_csv_gz(
        "departements.csv.gz",
        ["code", "nom", "region_code"],
        [(d["code"], d["nom"], d.get("region", "")) for d in departements],
    )
    write_csv_gz("epci.csv.gz", ["code", "nom", "type"], [(e["code"], e["nom"], e.get("type", "")) for e in epcis])
    write_csv_gz(
        "communes.csv.gz",
        ["code_insee", "nom", "departement_code", "epci_code", "codes_postaux", "population"],
        [
            (
                c["code"],
                c["nom"],
                c["departement"],
                epci_of_commune.get(c["code"], ""),
                " ".join(sorted(set(c.get("codesPostaux", [])))),
                "" if c.get("population") is None else str(int(c["population"])),
            )
            for c in communes
        ],
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"Usage: python {sys.argv[0]} /path/to/shared/data/geo")
    main(sys.argv[1])
