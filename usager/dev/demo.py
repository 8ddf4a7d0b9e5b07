"""Demo access to the person's space: two demo persons of Seine-Maritime have an account (development only).

They come in as a real person would: with FranceConnect (in development, an identity with their name, first
names, birth date and sex is found in their carnet), or with a one-time link that
`python manage.py lien_usager_demo` prints; the code then goes to their demo e-mail address (the console in
development). Idempotent: an account is found by its bénéficiaire.
"""

import datetime

from carnet.models import Beneficiaire
from usager.models import CompteUsager

# (nom, prénoms, naissance, sexe for FranceConnect): a person of carnet.dev.demo with a référent, a plan and a
# contract, and a person of orientation.dev.demo convoked to her orientation interview (a letter to acknowledge).
PERSONNES = [
    ("Lefèvre", "Hélène Marie", (1986, 3, 14), "female"),
    ("Martin", "Sophie", (1995, 5, 3), "female"),
]


def beneficiaires(departement):
    found = []
    for nom, _prenoms, naissance, _sexe in PERSONNES:
        naissance = datetime.date(*naissance)
        beneficiaire = (
            Beneficiaire.objects.filter(departement=departement, nom_usage=nom, date_naissance=naissance)
            .select_related("carnet")
            .first()
        )
        if beneficiaire is not None:
            found.append(beneficiaire)
    return found


def load(departement) -> str:
    """Open the accounts (inside the département's scope)."""
    if departement.code != "76":
        return ""
    created = 0
    for beneficiaire in beneficiaires(departement):
        _, was_created = CompteUsager.objects.get_or_create(
            beneficiaire=beneficiaire, defaults={"departement": departement}
        )
        created += was_created
    return f"{departement.nom} : {created} espace(s) personnel(s) de démonstration ouvert(s)."


def acces_table() -> str:
    lines = ["", "  Espaces personnels de démonstration (Seine-Maritime, personne accompagnée) :"]
    for nom, prenoms, naissance, sexe in PERSONNES:
        lines.append(
            f"    {prenoms} {nom.upper()}, née le {datetime.date(*naissance):%d/%m/%Y} ({sexe}) — "
            "FranceConnect avec cette identité, ou lien : python manage.py lien_usager_demo " + nom.lower()
        )
    lines.append("    Le code de confirmation est envoyé à l'adresse du carnet (la console en développement).")
    return "\n".join(lines)
