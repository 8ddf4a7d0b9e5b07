"""Each line of a spreadsheet checked and matched: what importing it would do, or why it cannot be imported.

The same analysis feeds the preview (nothing written) and the run (which applies it), so the run does what the
preview announced, on the database as it is when the run starts.

Bénéficiaires: values checked (dates, NIR key via `carnet.nir.normalise_nir`, commune code in the national
referential, e-mail…), duplicates inside the file refused from their second line, then people matched by
batches by `carnet.services.correspondance.rapprocher_lignes` (NIR, département id, e-mail + first name, phone +
first name; a different NIR on the candidate blocks the match; then identity: name, first name, birth date).

Professionals: e-mail, names and role checked; an active membership or a pending invitation for the same e-mail,
structure and role means "nothing to do".
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models.functions import Lower

from carnet.models import Beneficiaire
from carnet.nir import normalise_nir
from carnet.services.correspondance import REGLES, identite, premier_prenom, rapprocher_lignes
from partenaires.imports.champs import champs
from partenaires.models import TypeImport
from spie.models import Commune, Invitation, Membership, Role
from spie.text import normalise

LOT = 5000
MAX_ERREURS = 2000
CREATION, MISE_A_JOUR, INCHANGEE, ERREUR = "creation", "mise_a_jour", "inchangee", "erreur"
LIBELLES_STATUTS = {
    CREATION: "Création",
    MISE_A_JOUR: "Mise à jour",
    INCHANGEE: "Déjà à jour",
    ERREUR: "Erreur",
}
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d")
_VALIDATE_EMAIL = EmailValidator()
CIVILITES = {
    "m": "m", "mr": "m", "monsieur": "m", "h": "m", "homme": "m", "1": "m",
    "mme": "mme", "madame": "mme", "mlle": "mme", "mademoiselle": "mme", "f": "mme", "femme": "mme", "2": "mme",
}  # fmt: skip
ROLES = {
    "professionnel": Role.PROFESSIONNEL,
    "referent": Role.PROFESSIONNEL,
    "referent professionnel": Role.PROFESSIONNEL,
    "charge d orientation": Role.CHARGE_ORIENTATION,
    "charge orientation": Role.CHARGE_ORIENTATION,
    "valideur": Role.VALIDATEUR_ORIENTATION,
    "valideur des orientations": Role.VALIDATEUR_ORIENTATION,
    "validateur orientation": Role.VALIDATEUR_ORIENTATION,
    "responsable": Role.RESPONSABLE_STRUCTURE,
    "responsable de structure": Role.RESPONSABLE_STRUCTURE,
    "responsable structure": Role.RESPONSABLE_STRUCTURE,
}
MISE_A_JOUR_CHAMPS = [
    "civilite",
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "lieu_naissance",
    "telephone",
    "courriel",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune_id",
    "numero_allocataire",
    "identifiant_france_travail",
    "identifiant_departement",
    "date_entree_rsa",
]
LONGUEURS = {
    "nom_usage": 150,
    "nom_naissance": 150,
    "prenoms": 200,
    "lieu_naissance": 150,
    "adresse": 255,
    "complement_adresse": 255,
    "numero_allocataire": 15,
    "identifiant_france_travail": 20,
    "identifiant_departement": 50,
}


@dataclass
class Ligne:
    ligne: int
    statut: str = CREATION
    erreurs: list = field(default_factory=list)  # [(field label, message)]
    valeurs: dict = field(default_factory=dict)  # cleaned values (model fields; `nir` in clear, never reported)
    beneficiaire_id: int | None = None
    regle: str = ""
    changements: list = field(default_factory=list)

    def erreur(self, libelle, message):
        self.statut = ERREUR
        self.erreurs.append((libelle, message))

    @property
    def libelle(self):
        """A name to recognise the line in the preview (never the NIR)."""
        v = self.valeurs
        if "prenoms" in v or "nom_usage" in v:
            return f"{v.get('prenoms', '')} {v.get('nom_usage', '')}".strip()
        return f"{v.get('first_name', '')} {v.get('last_name', '')} <{v.get('email', '')}>".strip()


@dataclass
class Analyse:
    lignes: list
    compteurs: dict

    def resume(self, *, exemples=50):
        """What the preview and the report keep: counts, every error (capped), the first lines' outcome."""
        erreurs = [
            {"ligne": ligne.ligne, "champ": libelle, "motif": message}
            for ligne in self.lignes
            for libelle, message in ligne.erreurs
        ]
        return {
            "compteurs": self.compteurs,
            "erreurs": erreurs[:MAX_ERREURS],
            "erreurs_non_detaillees": max(0, len(erreurs) - MAX_ERREURS),
            "exemples": [
                {
                    "ligne": ligne.ligne,
                    "statut": ligne.statut,
                    "libelle": ligne.libelle,
                    "regle": REGLES.get(ligne.regle, ""),
                    "changements": ligne.changements,
                }
                for ligne in self.lignes[:exemples]
            ],
        }


def analyser(tableau, colonnes, type_, *, structure):
    """Analyse every line of `tableau` with the mapping `colonnes` ({field code: header})."""
    index = {code: tableau.entetes.index(header) for code, header in colonnes.items() if header in tableau.entetes}
    lignes = []
    for numero, cells in tableau.lignes:
        raw = {code: (cells[i] if i < len(cells) else "").strip() for code, i in index.items()}
        lignes.append((Ligne(ligne=numero), raw))
    if type_ == TypeImport.BENEFICIAIRES:
        result = [_beneficiaire(ligne, raw) for ligne, raw in lignes]
        _check_communes(result)
        _check_duplicates(result, BENEFICIAIRE_KEYS)
        for start in range(0, len(result), LOT):
            _match_beneficiaires([ligne for ligne in result[start : start + LOT] if ligne.statut != ERREUR])
        _check_same_person(result)
    else:
        result = [_professionnel(ligne, raw) for ligne, raw in lignes]
        _check_duplicates(result, PROFESSIONNEL_KEYS)
        _match_professionnels(result, structure)
    compteurs = {CREATION: 0, MISE_A_JOUR: 0, INCHANGEE: 0, ERREUR: 0}
    for ligne in result:
        compteurs[ligne.statut] += 1
    return Analyse(result, compteurs)


# --- Values ------------------------------------------------------------------------------------------------------


def parse_date(text):
    text = text.strip()
    if not text:
        return None
    # "2024-03-01 00:00:00" (a spreadsheet date written as text) counts as its day.
    text = re.sub(r"[ T]00:00(:00)?$", "", text)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _date(ligne, libelle, text, *, past=True):
    try:
        day = parse_date(text)
    except ValueError:
        ligne.erreur(libelle, "date invalide (JJ/MM/AAAA attendu).")
        return None
    if day is not None and (day.year < 1900 or (past and day > datetime.date.today())):
        ligne.erreur(libelle, "date impossible (avant 1900 ou dans le futur).")
        return None
    return day


def _label(type_, code):
    return next(champ.libelle for champ in champs(type_) if champ.code == code)


def _beneficiaire(ligne, raw):
    label = lambda code: _label(TypeImport.BENEFICIAIRES, code)  # noqa: E731
    v = ligne.valeurs
    for champ in champs(TypeImport.BENEFICIAIRES):
        if champ.obligatoire and not raw.get(champ.code):
            ligne.erreur(champ.libelle, "valeur obligatoire manquante.")
    for code, maximum in LONGUEURS.items():
        if len(raw.get(code, "")) > maximum:
            ligne.erreur(label(code), f"{maximum} caractères au plus.")
    for code in ("nom_usage", "prenoms", "nom_naissance", "lieu_naissance", "adresse", "complement_adresse"):
        if raw.get(code):
            v[code] = " ".join(raw[code].split())[: LONGUEURS[code]]
    for code in ("numero_allocataire", "identifiant_france_travail", "identifiant_departement"):
        if raw.get(code):
            v[code] = raw[code][: LONGUEURS[code]]
    if raw.get("date_naissance"):
        v["date_naissance"] = _date(ligne, label("date_naissance"), raw["date_naissance"])
    if raw.get("date_entree_rsa"):
        v["date_entree_rsa"] = _date(ligne, label("date_entree_rsa"), raw["date_entree_rsa"], past=False)
    if raw.get("civilite"):
        civilite = CIVILITES.get(normalise(raw["civilite"]).replace(" ", ""))
        if civilite is None:
            ligne.erreur(label("civilite"), "valeur inconnue (M. ou Mme attendu).")
        v["civilite"] = civilite or ""
    if raw.get("nir"):
        try:
            v["nir"] = normalise_nir(raw["nir"])
        except ValidationError as error:
            ligne.erreur(label("nir"), error.messages[0])
    if raw.get("courriel"):
        email = raw["courriel"].lower()
        try:
            _VALIDATE_EMAIL(email)
            v["courriel"] = email
        except ValidationError:
            ligne.erreur(label("courriel"), "adresse électronique invalide.")
    if raw.get("telephone"):
        phone = re.sub(r"[ .\-()/]", "", raw["telephone"])
        if phone.isdigit() and len(phone) == 9:
            phone = "0" + phone  # a spreadsheet drops the leading zero of "06…"
        if not re.fullmatch(r"\+?\d{6,15}", phone):
            ligne.erreur(label("telephone"), "numéro de téléphone invalide.")
        v["telephone"] = phone[:20]
    if raw.get("code_postal"):
        code = raw["code_postal"].replace(" ", "")
        code = code.zfill(5) if code.isdigit() and len(code) == 4 else code
        if not re.fullmatch(r"\d{5}", code):
            ligne.erreur(label("code_postal"), "code postal invalide (5 chiffres).")
        v["code_postal"] = code[:5]
    if raw.get("code_commune"):
        code = raw["code_commune"].replace(" ", "").upper()
        v["commune_id"] = code.zfill(5) if code.isdigit() and len(code) == 4 else code
    return ligne


def _check_communes(lignes):
    codes = {ligne.valeurs["commune_id"] for ligne in lignes if ligne.valeurs.get("commune_id")}
    known = set(Commune.objects.filter(code_insee__in=codes).values_list("code_insee", flat=True)) if codes else set()
    for ligne in lignes:
        code = ligne.valeurs.get("commune_id")
        if code and code not in known:
            ligne.erreur(_label(TypeImport.BENEFICIAIRES, "code_commune"), f"commune inconnue (code INSEE {code}).")


# (description, key of a line's values or None): a second line with the same key is a duplicate.
BENEFICIAIRE_KEYS = [
    ("même NIR", lambda v: v.get("nir") or None),
    ("même identifiant départemental", lambda v: v.get("identifiant_departement") or None),
    (
        "même courriel et prénom",
        lambda v: (v["courriel"], premier_prenom(v.get("prenoms"))) if v.get("courriel") else None,
    ),
    (
        "même téléphone et prénom",
        lambda v: (v["telephone"], premier_prenom(v.get("prenoms"))) if v.get("telephone") else None,
    ),
    ("mêmes nom, prénom et date de naissance", identite),
]
PROFESSIONNEL_KEYS = [("même courriel et rôle", lambda v: (v["email"], v.get("role")) if v.get("email") else None)]


def _check_duplicates(lignes, keys):
    seen = [{} for _ in keys]
    for ligne in lignes:
        if ligne.statut == ERREUR:
            continue  # a line that will not be imported does not make the next one a duplicate
        for (description, key), first in zip(keys, seen, strict=True):
            try:
                value = key(ligne.valeurs)
            except KeyError:
                value = None
            if value is None:
                continue
            if value in first:
                ligne.erreur("Ligne entière", f"doublon de la ligne {first[value]} ({description}).")
                break
            first[value] = ligne.ligne


# --- Matching bénéficiaires (carnet.services.correspondance, by batches) -------------------------------------------


def _match_beneficiaires(lignes):
    if not lignes:
        return
    for ligne, correspondance in zip(lignes, rapprocher_lignes([ligne.valeurs for ligne in lignes]), strict=True):
        if correspondance.conflit:
            ligne.erreur(
                "NIR (numéro de sécurité sociale)",
                f"la personne trouvée par {REGLES[correspondance.regle]} a un autre NIR : "
                "rapprochement à faire à la main.",
            )
        elif correspondance.beneficiaire is not None:
            ligne.beneficiaire_id, ligne.regle = correspondance.beneficiaire.pk, correspondance.regle
    # The people matched are read in full, once.
    matched = [ligne for ligne in lignes if ligne.beneficiaire_id is not None]
    full = Beneficiaire.objects.in_bulk([ligne.beneficiaire_id for ligne in matched])
    for ligne in matched:
        found, v = full[ligne.beneficiaire_id], ligne.valeurs
        ligne.changements = [
            name for name in MISE_A_JOUR_CHAMPS if v.get(name) not in (None, "") and getattr(found, name) != v[name]
        ]
        if v.get("nir") and not found.nir_hash:
            ligne.changements.append("nir")
        ligne.statut = MISE_A_JOUR if ligne.changements else INCHANGEE


def _check_same_person(lignes):
    """Two lines of the file that match the same person (by different rules) cannot both be applied."""
    first = {}
    for ligne in lignes:
        if ligne.beneficiaire_id is None or ligne.statut == ERREUR:
            continue
        if ligne.beneficiaire_id in first:
            ligne.erreur(
                "Ligne entière", f"correspond à la même personne que la ligne {first[ligne.beneficiaire_id]}."
            )
        else:
            first[ligne.beneficiaire_id] = ligne.ligne


# --- Professionals --------------------------------------------------------------------------------------------------


def _professionnel(ligne, raw):
    label = lambda code: _label(TypeImport.PROFESSIONNELS, code)  # noqa: E731
    v = ligne.valeurs
    for champ in champs(TypeImport.PROFESSIONNELS):
        if champ.obligatoire and not raw.get(champ.code):
            ligne.erreur(champ.libelle, "valeur obligatoire manquante.")
    if raw.get("courriel"):
        email = raw["courriel"].strip().lower()
        try:
            _VALIDATE_EMAIL(email)
            v["email"] = email
        except ValidationError:
            ligne.erreur(label("courriel"), "adresse électronique invalide.")
    for code, target in (("prenom", "first_name"), ("nom", "last_name")):
        if raw.get(code):
            if len(raw[code]) > 150:
                ligne.erreur(label(code), "150 caractères au plus.")
            v[target] = " ".join(raw[code].split())[:150]
    v["role"] = Role.PROFESSIONNEL
    if raw.get("role"):
        key = normalise(raw["role"])
        role = ROLES.get(key) or next((r for r in Role if normalise(r.label) == key or r.value == raw["role"]), None)
        if role == Role.ADMIN_DEPARTEMENT:
            ligne.erreur(
                label("role"), "le rôle d'administrateur ne s'attribue pas par import : invitez-le à la main."
            )
        elif role is None:
            ligne.erreur(label("role"), "rôle inconnu (professionnel, chargé d'orientation, valideur, responsable).")
        else:
            v["role"] = role
    return ligne


def _match_professionnels(lignes, structure):
    emails = {ligne.valeurs["email"] for ligne in lignes if ligne.valeurs.get("email") and ligne.statut != ERREUR}
    if not emails:
        return
    members = set(
        Membership.objects.filter(structure=structure, is_active=True, user__email__in=emails).values_list(
            "user__email", "role"
        )
    )
    pending = set(
        Invitation.objects.en_attente()
        .annotate(_email=Lower("email"))
        .filter(structure=structure, _email__in=emails)
        .values_list("_email", "role")
    )
    for ligne in lignes:
        if ligne.statut == ERREUR:
            continue
        key = (ligne.valeurs["email"], ligne.valeurs["role"])
        if key in members:
            ligne.statut, ligne.regle = INCHANGEE, "membre"
            ligne.changements = ["déjà membre de la structure avec ce rôle"]
        elif key in pending:
            ligne.statut, ligne.regle = INCHANGEE, "invitation"
            ligne.changements = ["invitation déjà en attente"]
        else:
            ligne.statut = CREATION
