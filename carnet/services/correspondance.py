"""Identifying a person inside a département: the one home of the matching rules (DOMAIN.md).

NIR first; then the département's internal id, then e-mail + first name, then phone + first name; a candidate
who already carries another NIR is never merged (`nir_en_conflit`). Each entry point serves one caller, with the
rules that caller's data can feed:

- `beneficiaire_match`: one person (web form, API), one query per rule;
- `allocataire_verifier`: one person created or edited (web form, API): the CAF/MSA number + role they would carry
  is checked against the person already known under it (same rule as the flux's);
- `rapprocher_lignes`: a batch of a spreadsheet import, a few queries per batch whatever its size; after the
  identifiers, the identity (usage name, first name, birth date);
- `candidats_allocataires` and `IndexAllocataires`: a batch of the CAF/MSA flux, which brings NIR and CAF/MSA
  number + role in the household: the people already known are read in two queries, then matched in memory
  (people created earlier in the same batch included).

A CAF/MSA number + role is not an identity: a number is reused when a household changes (a new spouse, a
number given again). Such a match is only taken when the identity confirms it (`identite_confirmee`: birth or
usage name, first name and birth date, accents and case ignored); otherwise, or when the NIRs differ, it is a
conflict (`CONFLIT_IDENTITE`, `CONFLIT_NIR`) that a person resolves (`carnet.services.conflits`), never a
merge. One exception: a temporary NIA (first digit 7 or 8) replaced by the definitive NIR for the same
identity is the same person (`Correspondance.remplace_nia`).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Lower

from carnet.models import Beneficiaire
from carnet.nir import nir_hash
from spie.crypto import decrypt
from spie.text import normalise

REGLES = {
    "nir": "NIR",
    "identifiant_departement": "identifiant départemental",
    "courriel": "courriel et prénom",
    "telephone": "téléphone et prénom",
    "identite": "nom, prénom et date de naissance",
    "allocataire": "numéro d'allocataire et rôle dans le foyer",
}
CONFLIT_NIR = "Un NIR différent est déjà enregistré pour cette personne."
CONFLIT_IDENTITE = (
    "La personne déjà connue avec ce numéro d'allocataire et ce rôle a une autre identité (nom, prénom ou date de "
    "naissance)."
)


@dataclass
class Correspondance:
    """The person found (a Beneficiaire, or the caller's light row), by which rule; `conflit` when the candidate
    found by `regle` carries another NIR (then `beneficiaire` is None for `beneficiaire_match`, the candidate for
    the batch entry points, which report it in their own words)."""

    beneficiaire: object | None
    regle: str = ""
    conflit: str = ""
    remplace_nia: bool = False  # the candidate's temporary NIA is to be replaced by the NIR received


def nir_en_conflit(connu_hash, digest):
    """A candidate found by another rule carries a NIR different from the one given: no merge."""
    return bool(digest and connu_hash and connu_hash != digest)


def premier_prenom(prenoms):
    """The first of the first names, as the rules compare it (accents and case ignored)."""
    return normalise((prenoms or "").split(" ")[0])


def identite(valeurs):
    """(usage name, first name, birth date), normalised, or None when one is missing."""
    if valeurs.get("nom_usage") and valeurs.get("prenoms") and valeurs.get("date_naissance"):
        return (normalise(valeurs["nom_usage"]), premier_prenom(valeurs["prenoms"]), valeurs["date_naissance"])
    return None


def _noms(nom_usage, nom_naissance):
    return {normalise(nom) for nom in (nom_usage, nom_naissance) if nom and nom.strip()}


def identite_confirmee(connu, recu):
    """The identity received confirms the known person: same birth date, same first name, and the birth or usage
    name of one is the birth or usage name of the other (a marriage changes the usage name only). Accents and case
    are ignored. `connu` has the attributes, `recu` the keys, nom_usage, nom_naissance, prenoms, date_naissance."""
    if not recu.get("date_naissance") or connu.date_naissance != recu["date_naissance"]:
        return False
    if not premier_prenom(connu.prenoms) or premier_prenom(connu.prenoms) != premier_prenom(recu.get("prenoms")):
        return False
    return bool(_noms(connu.nom_usage, connu.nom_naissance) & _noms(recu.get("nom_usage"), recu.get("nom_naissance")))


def est_nia(nir):
    """A temporary identification number (NIA), given while the definitive NIR is being attributed."""
    return bool(nir) and nir[0] in "78"


# --- One person -----------------------------------------------------------------------------------------------------


def beneficiaire_match(*, departement, nir="", identifiant_departement="", courriel="", telephone="", prenom=""):
    """NIR, then the département's id, then e-mail + first name, then phone + first name; a different NIR on the
    candidate blocks the match (`Correspondance(None, regle, conflit=...)`)."""
    queryset = Beneficiaire.objects.filter(departement=departement)
    digest = nir_hash(nir) if nir else ""
    if nir:
        found = queryset.filter(nir_hash=digest).first()
        if found:
            return Correspondance(found, "nir")
    first = (prenom or "").strip().split(" ")[0]
    candidates = []
    if identifiant_departement:
        candidates.append(("identifiant_departement", Q(identifiant_departement=identifiant_departement)))
    if courriel and first:
        candidates.append(("courriel", Q(courriel__iexact=courriel, prenoms__istartswith=first)))
    if telephone and first:
        candidates.append(("telephone", Q(telephone=telephone, prenoms__istartswith=first)))
    for regle, condition in candidates:
        found = queryset.filter(condition).first()
        if found:
            if nir_en_conflit(found.nir_hash, digest):
                return Correspondance(None, regle, conflit=CONFLIT_NIR)
            return Correspondance(found, regle)
    return Correspondance(None)


def allocataire_verifier(*, valeurs, nir="", digest="", exclure=None):
    """The person already known under the CAF/MSA number and role of `valeurs` (a dict of Beneficiaire fields: the
    person about to be created, or edited, then `exclure` is their pk). `Correspondance(None)` when nobody (or no
    number and role); the candidate with `regle="allocataire"` when the identity confirms it is the same person
    (a duplicate to avoid); with `conflit` set when the identity or the NIR (`nir` clear, or its hash `digest`)
    differs: another person, never merged."""
    numero, role = (valeurs.get("numero_allocataire") or "").strip(), valeurs.get("role_foyer") or ""
    if not numero or not role:
        return Correspondance(None)
    candidates = Beneficiaire.objects.filter(numero_allocataire=numero, role_foyer=role).order_by("pk")
    if exclure is not None:
        candidates = candidates.exclude(pk=exclure)
    candidate = candidates.first()
    if candidate is None:
        return Correspondance(None)
    if not identite_confirmee(candidate, valeurs):
        return Correspondance(candidate, "allocataire", conflit=CONFLIT_IDENTITE)
    if nir_en_conflit(candidate.nir_hash, nir_hash(nir) if nir else digest):
        return Correspondance(candidate, "allocataire", conflit=CONFLIT_NIR)
    return Correspondance(candidate, "allocataire")


# --- A batch of a spreadsheet import --------------------------------------------------------------------------------

# Candidates are read light (a few columns); the caller reads the people it keeps in full, once.
LIGHT = (
    "pk",
    "nir_hash",
    "prenoms",
    "nom_usage",
    "date_naissance",
    "identifiant_departement",
    "courriel",
    "telephone",
)


def rapprocher_lignes(personnes):
    """Match a batch of dicts (checked values: `nir` clear and normalised, `courriel` in lower case…) with the
    people of the current département. Returns one Correspondance per dict, in order: the candidate as a light
    row (`LIGHT` columns) or None; `conflit` set when the candidate carries another NIR.

    An identifier rule that finds someone decides (a NIR conflict there is not retried by identity); the identity
    is tried only when no identifier found anyone."""
    people = Beneficiaire.objects.order_by("nom_usage", "prenoms", "pk")
    hashes = {v["nir"]: nir_hash(v["nir"]) for v in personnes if v.get("nir")}
    ids = {v["identifiant_departement"] for v in personnes if v.get("identifiant_departement")}
    emails = {v["courriel"] for v in personnes if v.get("courriel")}
    phones = {v["telephone"] for v in personnes if v.get("telephone")}
    by_nir = {}
    if hashes:
        found = people.filter(nir_hash__in=hashes.values()).exclude(nir_hash="").values_list(*LIGHT, named=True)
        by_nir = {b.nir_hash: b for b in found}
    by_id, by_email, by_phone = defaultdict(list), defaultdict(list), defaultdict(list)
    if ids:
        for b in people.filter(identifiant_departement__in=ids).values_list(*LIGHT, named=True):
            by_id[b.identifiant_departement].append(b)
    if emails or phones:
        # Neither column is indexed: one scan for both.
        contact = Q(telephone__in=phones) | Q(_courriel__in=emails)
        for b in people.annotate(_courriel=Lower("courriel")).filter(contact).values_list(*LIGHT, named=True):
            if b.courriel.lower() in emails:
                by_email[b.courriel.lower()].append(b)
            if b.telephone in phones:
                by_phone[b.telephone].append(b)
    results, unmatched = [None] * len(personnes), []
    for position, v in enumerate(personnes):
        digest = hashes.get(v.get("nir"))
        if digest and digest in by_nir:
            results[position] = Correspondance(by_nir[digest], "nir")
            continue
        first = (v.get("prenoms") or "").split(" ")[0].lower()
        candidates = [("identifiant_departement", by_id.get(v.get("identifiant_departement"), []))]
        if first:
            candidates += [
                ("courriel", [b for b in by_email.get(v.get("courriel"), []) if b.prenoms.lower().startswith(first)]),
                (
                    "telephone",
                    [b for b in by_phone.get(v.get("telephone"), []) if b.prenoms.lower().startswith(first)],
                ),
            ]
        rule, found = next(((rule, matches[0]) for rule, matches in candidates if matches), ("", None))
        if found is None:
            unmatched.append(position)
        else:
            results[position] = _candidat(found, rule, digest)
    # Last rule, for those no identifier matched: same usage name, first name and birth date.
    births = {personnes[p]["date_naissance"] for p in unmatched if personnes[p].get("date_naissance")}
    by_identity = defaultdict(list)
    if births:
        for b in people.filter(date_naissance__in=births).values_list(*LIGHT, named=True):
            by_identity[(normalise(b.nom_usage), premier_prenom(b.prenoms), b.date_naissance)].append(b)
    for position in unmatched:
        v = personnes[position]
        matches = by_identity.get(identite(v), [])
        results[position] = (
            _candidat(matches[0], "identite", hashes.get(v.get("nir"))) if matches else Correspondance(None)
        )
    return results


def _candidat(found, regle, digest):
    return Correspondance(found, regle, conflit=CONFLIT_NIR if nir_en_conflit(found.nir_hash, digest) else "")


# --- A batch of the CAF/MSA flux ------------------------------------------------------------------------------------

COLONNES_ALLOCATAIRES = (
    "pk",
    "nir_hash",
    "numero_allocataire",
    "role_foyer",
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "nir_chiffre",
)


def candidats_allocataires(nir_hashes, numeros, *, colonnes=()):
    """The people of the current département who may be those of a flux batch: same NIR (hash) or same CAF/MSA
    number. Rows of `COLONNES_ALLOCATAIRES` + `colonnes`, sorted, each person once.

    Two queries rather than one with OR: each uses its index (the NIR one is partial: nir_hash <> '')."""
    columns = (*COLONNES_ALLOCATAIRES, *colonnes)
    people = Beneficiaire.objects.order_by()
    hashes = set(nir_hashes)
    rows = list(people.filter(nir_hash__in=hashes).exclude(nir_hash="").values_list(*columns)) if hashes else []
    seen = {row[0] for row in rows}
    rows += [
        row for row in people.filter(numero_allocataire__in=set(numeros)).values_list(*columns) if row[0] not in seen
    ]
    return sorted(rows)


class IndexAllocataires:
    """People by NIR hash and by (CAF/MSA number, role in the household), in memory, for one flux batch. Entries
    are any object with the attributes of `COLONNES_ALLOCATAIRES` but pk."""

    def __init__(self):
        self.by_nir, self.by_numero = {}, {}

    def ajouter(self, connu, *, remplacer=True):
        """Index a person; `remplacer=False` keeps the person already indexed under a key (the first read wins),
        `True` makes the new one win (a person created later in the batch)."""
        if connu.nir_hash and (remplacer or connu.nir_hash not in self.by_nir):
            self.by_nir[connu.nir_hash] = connu
        key = (connu.numero_allocataire, connu.role_foyer)
        if remplacer or key not in self.by_numero:
            self.by_numero[key] = connu

    def trouver(self, *, nir_hash, numero_allocataire, role_foyer, identite, nir=""):
        """NIR first, then CAF/MSA number + role confirmed by the identity (`identite`: a dict of the received
        nom_usage, nom_naissance, prenoms, date_naissance; `nir`: the clear NIR received). A candidate of the
        second rule whose identity differs, or who carries another NIR (but a NIA replaced by the NIR of the same
        identity), is returned with `conflit` set: the caller must not merge."""
        found = self.by_nir.get(nir_hash) if nir_hash else None
        if found is not None:
            return Correspondance(found, "nir")
        candidate = self.by_numero.get((numero_allocataire, role_foyer))
        if candidate is None:
            return Correspondance(None)
        if not identite_confirmee(candidate, identite):
            return Correspondance(candidate, "allocataire", conflit=CONFLIT_IDENTITE)
        if nir_en_conflit(candidate.nir_hash, nir_hash):
            if nir and not est_nia(nir) and est_nia(_clair(candidate)):
                return Correspondance(candidate, "allocataire", remplace_nia=True)
            return Correspondance(candidate, "allocataire", conflit=CONFLIT_NIR)
        return Correspondance(candidate, "allocataire")


def _clair(connu):
    """The clear NIR of a candidate (read only in the rare case of two NIRs for one identity)."""
    chiffre = getattr(connu, "nir_chiffre", "")
    return decrypt(chiffre) if chiffre else ""
