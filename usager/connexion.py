"""Finding who is knocking: a FranceConnect identity or a one-time link arrives before any département scope
exists, so the lookups here are cross-tenant by nature (allow-listed in tests/security/test_tenancy.py).

Matching on the identity pivot (family name, first names, birth date, birth place, sex) against every carnet:
exactly one bénéficiaire must match, else no access. E-mail addresses are never used to match.
"""

import datetime

from carnet.models import Beneficiaire, Civilite
from spie.models import Commune
from spie.text import normalise
from usager.models import CompteUsager, LienAcces, hash_secret

GENRES = {"female": Civilite.MADAME, "male": Civilite.MONSIEUR}
PIVOT_SESSION_KEY = "usager_franceconnect"


def pivot_depuis_claims(sub, claims) -> dict:
    """The identity pivot kept in the session between the FranceConnect return and the linking."""
    return {
        "sub": sub,
        "family_name": claims.get("family_name") or "",
        "given_name": claims.get("given_name") or "",
        "birthdate": claims.get("birthdate") or "",
        "gender": claims.get("gender") or "",
        "birthplace": claims.get("birthplace") or "",
    }


def compte_franceconnect(sub):
    """The account already linked to this FranceConnect subject, whatever its département."""
    return (
        CompteUsager.unscoped_objects.select_related("beneficiaire").filter(franceconnect_sub=sub, actif=True).first()
    )


def _lieu_correspond(lieu_carnet, code_insee):
    if not lieu_carnet or not code_insee:
        return True  # not recorded on one side (born abroad: FranceConnect gives no commune)
    if lieu_carnet.strip().upper() == code_insee.upper():
        return True
    commune = Commune.objects.filter(code_insee=code_insee).first()
    return commune is not None and normalise(commune.nom) == normalise(lieu_carnet)


def _prenoms_correspondent(prenoms_carnet, given_name):
    recorded, declared = normalise(prenoms_carnet).split(), normalise(given_name).split()
    # The carnet may hold fewer first names than the civil registry, in the same order.
    return bool(recorded) and declared[: len(recorded)] == recorded


def beneficiaires_correspondants(pivot) -> list:
    """Every bénéficiaire, in any département, who matches the whole pivot."""
    try:
        date = datetime.date.fromisoformat(pivot["birthdate"])
    except (TypeError, ValueError):
        return []
    nom = normalise(pivot["family_name"])
    if not nom or not pivot["given_name"]:
        return []
    civilite = GENRES.get(pivot["gender"])
    found = []
    for beneficiaire in Beneficiaire.unscoped_objects.filter(date_naissance=date).select_related("carnet"):
        if nom not in {normalise(beneficiaire.nom_naissance), normalise(beneficiaire.nom_usage)} - {""}:
            continue
        if not _prenoms_correspondent(beneficiaire.prenoms, pivot["given_name"]):
            continue
        if beneficiaire.civilite and civilite and beneficiaire.civilite != civilite:
            continue
        if not _lieu_correspond(beneficiaire.lieu_naissance, pivot["birthplace"]):
            continue
        found.append(beneficiaire)
    return found


def lien_par_jeton(token):
    """The one-time link of this token (any département), or None."""
    return (
        LienAcces.unscoped_objects.select_related("beneficiaire").filter(token_hash=hash_secret(token or "")).first()
    )
