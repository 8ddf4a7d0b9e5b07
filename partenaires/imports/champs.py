"""The platform's fields an imported column can feed, per kind of import, and the guess of the mapping."""

from dataclasses import dataclass

from partenaires.models import TypeImport
from spie.text import normalise


@dataclass(frozen=True)
class Champ:
    code: str
    libelle: str
    obligatoire: bool = False
    synonymes: tuple = ()
    aide: str = ""


CHAMPS = {
    TypeImport.BENEFICIAIRES: [
        Champ("nom_usage", "Nom d'usage", True, ("nom", "nom d usage", "nom usage", "nom de famille")),
        Champ("prenoms", "Prénom(s)", True, ("prenom", "prenoms")),
        Champ(
            "date_naissance",
            "Date de naissance",
            True,
            ("date de naissance", "naissance", "date naissance", "ddn", "ne le", "nee le", "ne e le"),
            "JJ/MM/AAAA ou AAAA-MM-JJ.",
        ),
        Champ("civilite", "Civilité", False, ("civilite", "sexe", "genre", "titre"), "M., Mme, Monsieur, Madame…"),
        Champ("nom_naissance", "Nom de naissance", False, ("nom de naissance", "nom naissance", "nom de jeune fille")),
        Champ("lieu_naissance", "Lieu de naissance", False, ("lieu de naissance", "commune de naissance")),
        Champ(
            "nir",
            "NIR (numéro de sécurité sociale)",
            False,
            ("nir", "numero de securite sociale", "nss", "securite sociale", "n securite sociale", "numero ss"),
            "13 ou 15 caractères ; sert uniquement au rapprochement, jamais affiché.",
        ),
        Champ("telephone", "Téléphone", False, ("telephone", "tel", "portable", "mobile", "telephone portable")),
        Champ("courriel", "Courriel", False, ("courriel", "email", "e mail", "mail", "adresse electronique")),
        Champ("adresse", "Adresse", False, ("adresse", "adresse postale", "rue")),
        Champ("complement_adresse", "Complément d'adresse", False, ("complement d adresse", "complement adresse")),
        Champ("code_postal", "Code postal", False, ("code postal", "cp")),
        Champ(
            "code_commune",
            "Code INSEE de la commune",
            False,
            ("code insee", "insee", "code commune", "commune insee", "code insee commune"),
            "5 caractères, par exemple 76540 pour Rouen.",
        ),
        Champ(
            "numero_allocataire",
            "Numéro d'allocataire CAF/MSA",
            False,
            ("numero allocataire", "n allocataire", "matricule", "numero caf", "matricule caf", "num allocataire"),
        ),
        Champ(
            "identifiant_france_travail",
            "Identifiant France Travail",
            False,
            ("identifiant france travail", "id france travail", "identifiant pole emploi", "numero france travail"),
        ),
        Champ(
            "identifiant_departement",
            "Identifiant départemental",
            False,
            ("identifiant departemental", "identifiant departement", "id departement", "numero departemental"),
        ),
        Champ(
            "date_entree_rsa",
            "Date d'entrée au RSA",
            False,
            ("date d entree au rsa", "date entree rsa", "entree rsa", "date d entree rsa"),
            "La personne entre dans la file des nouveaux entrants à orienter.",
        ),
    ],
    TypeImport.PROFESSIONNELS: [
        Champ("courriel", "Courriel", True, ("courriel", "email", "e mail", "mail", "adresse electronique")),
        Champ("prenom", "Prénom", True, ("prenom",)),
        Champ("nom", "Nom", True, ("nom", "nom de famille", "nom d usage")),
        Champ(
            "role",
            "Rôle",
            False,
            ("role", "fonction", "profil"),
            "Référent / professionnel si la colonne est absente ou vide.",
        ),
    ],
}


def champs(type_):
    return CHAMPS[type_]


def deviner(entetes, type_):
    """{field code: header} for the headers that look like a field (name, label or a usual synonym)."""
    normalised = {normalise(header): header for header in reversed(entetes)}
    colonnes = {}
    for champ in champs(type_):
        for candidate in (champ.code.replace("_", " "), normalise(champ.libelle), *champ.synonymes):
            header = normalised.get(normalise(candidate))
            if header is not None and header not in colonnes.values():
                colonnes[champ.code] = header
                break
    return colonnes


def colonnes_proposees(entetes, type_, modele=None):
    """The mapping to propose: the structure's saved one where its columns exist in this file, else a guess."""
    guessed = deviner(entetes, type_)
    saved = {code: header for code, header in ((modele or {}).items()) if header in entetes}
    if not saved:
        return guessed
    return {champ.code: saved[champ.code] for champ in champs(type_) if champ.code in saved}
