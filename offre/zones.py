"""Geography of the offer: `zone_eligibilite` codes, and the "zone keys" the search matches on.

A service stores its zone as data·inclusion codes (INSEE commune, département, EPCI SIREN, country code or
"france") and, precomputed, as keys: `commune:76540`, `epci:200023414`, `dep:76`, `france`. A commune
searched for has the keys of its commune, its EPCI, its département and `france`: a service matches when
both sets overlap (`&&`, GIN index), and the key that matched gives the "most local first" order.
"""

import re

from spie.models import Commune, Epci, RefDepartement

FRANCE = "france"
CODE_PAYS_FRANCE = "99100"

COMMUNE, EPCI, DEPARTEMENT, PAYS = "commune", "epci", "dep", "pays"

# Rank of a match: the most local zone first.
NIVEAUX = {COMMUNE: 0, EPCI: 1, DEPARTEMENT: 2, FRANCE: 3}
NIVEAU_LIBELLES = {0: "Commune", 1: "Intercommunalité", 2: "Département", 3: "France entière"}

_EPCI = re.compile(r"\d{9}")
_PAYS = re.compile(r"99[0-5]\d{2}")
_COMMUNE = re.compile(r"(\d{2}|2[AB])\d{3}")
_DEPARTEMENT = re.compile(r"\d{2}|2[AB]|97\d")


def classify(code):
    """The kind of a zone code, or None when it is none of them."""
    code = (code or "").strip()
    if code.lower() == FRANCE:
        return FRANCE
    if _EPCI.fullmatch(code):
        return EPCI
    if _PAYS.fullmatch(code):
        return PAYS
    if _COMMUNE.fullmatch(code.upper()):
        return COMMUNE
    if _DEPARTEMENT.fullmatch(code.upper()):
        return DEPARTEMENT
    return None


def normalise_code(code):
    code = (code or "").strip()
    return FRANCE if code.lower() == FRANCE else code.upper()


def zone_keys(codes):
    """Keys of a service's zone, sorted and without duplicates."""
    keys = set()
    for code in codes or []:
        code = normalise_code(code)
        kind = classify(code)
        if kind == FRANCE or code == CODE_PAYS_FRANCE:
            keys.add(FRANCE)
        elif kind in (COMMUNE, EPCI, DEPARTEMENT, PAYS):
            keys.add(f"{kind}:{code}")
    return sorted(keys)


def commune_keys(commune):
    """Keys of a searched commune, from the most local to the widest: (kind, key) pairs."""
    keys = [(COMMUNE, f"{COMMUNE}:{commune.code_insee}")]
    if commune.epci_id:
        keys.append((EPCI, f"{EPCI}:{commune.epci_id}"))
    keys.append((DEPARTEMENT, f"{DEPARTEMENT}:{commune.departement_id}"))
    keys.append((FRANCE, FRANCE))
    return keys


def unknown_codes(codes):
    """Codes of a zone that the national referential does not know (or that are no zone code at all)."""
    by_kind = {}
    for code in codes or []:
        code = normalise_code(code)
        by_kind.setdefault(classify(code), set()).add(code)
    unknown = set(by_kind.pop(None, set()))
    checks = {
        COMMUNE: (Commune.objects, "code_insee"),
        EPCI: (Epci.objects, "code"),
        DEPARTEMENT: (RefDepartement.objects, "code"),
    }
    for kind, (manager, field) in checks.items():
        wanted = by_kind.get(kind)
        if wanted:
            found = set(manager.filter(**{f"{field}__in": wanted}).values_list(field, flat=True))
            unknown |= wanted - found
    return sorted(unknown)


def describe(codes):
    """Human labels of zone codes, in their order: "Rouen (76540)", "Seine-Maritime (76)", "France entière"."""
    codes = [normalise_code(code) for code in codes or []]
    kinds = {code: classify(code) for code in codes}
    communes = dict(
        Commune.objects.filter(code_insee__in=[c for c, k in kinds.items() if k == COMMUNE]).values_list(
            "code_insee", "nom"
        )
    )
    epcis = dict(Epci.objects.filter(code__in=[c for c, k in kinds.items() if k == EPCI]).values_list("code", "nom"))
    deps = dict(
        RefDepartement.objects.filter(code__in=[c for c, k in kinds.items() if k == DEPARTEMENT]).values_list(
            "code", "nom"
        )
    )
    names = {**communes, **epcis, **deps}
    result = []
    for code in codes:
        if kinds[code] == FRANCE or code == CODE_PAYS_FRANCE:
            result.append("France entière")
        elif code in names:
            result.append(f"{names[code]} ({code})")
        else:
            result.append(code)
    return result
