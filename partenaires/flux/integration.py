"""Households of the flux → bénéficiaires, one batch at a time.

Only the applicant (ROLEPERS DEM) and the spouse (CJT) become bénéficiaires with a carnet; children and other
members do not. A person is found, inside the département, by NIR first, then by CAF/MSA number and role in
the household confirmed by the identity (`carnet.services.correspondance`, the rules the flux can feed); a person
found by number and role whose identity or NIR differs is never merged: the household is set aside and the conflict
recorded for an administrator to resolve (`carnet.services.conflits`); the rest of the file goes on. The writes go
through `carnet.services.bulk`; this module decides what to write (the flux's mapping and policy).

Speed (the flux of a large département is tens of thousands of households): each batch costs two queries to
find the people already known, whatever its size, then bulk writes. `EmpreinteFlux` keeps, per person, a hash
of the flux data last applied: an unchanged record writes nothing at all, so re-running the same file writes
nothing. Unknown households whose right is refused or closed are not created (nobody to orient).

What the flux overwrites on a known person: the RSA right (state, suspension, closure, "droits et devoirs",
entry date), the CAF/MSA number, role and the address. Names and birth date are the département's once the
person exists (they are only filled when blank); the NIR is added when the person had none.
"""

import datetime
import hashlib
import operator
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError

from carnet.models import Beneficiaire, EtatDroitRsa, OrganismePayeur, RoleFoyer, TypeEvenement
from carnet.nir import nir_hash, normalise_nir
from carnet.services.bulk import (
    Modification,
    beneficiaire_apply,
    beneficiaires_create,
    beneficiaires_update,
    carnets_create_missing,
)
from carnet.services.cloture import carnets_rouvrir_nouvelle_entree, est_nouvelle_entree_rsa
from carnet.services.conflits import conflits_signaler
from carnet.services.correspondance import IndexAllocataires, candidats_allocataires
from partenaires.models import EmpreinteFlux
from spie.bulk import TableTexte, raw_connection

# Bump when the mapping below changes: every person is then re-applied once.
VERSION_CORRESPONDANCE = "3"
ROLES = {"DEM": RoleFoyer.DEMANDEUR, "CJT": RoleFoyer.CONJOINT}
LIBELLES_ROLES = {"DEM": "demandeur", "CJT": "conjoint"}
ETATS = {choice.value for choice in EtatDroitRsa}
# An unknown household is created when its right is pending or open (it has someone to orient).
ETATS_A_CREER = {
    EtatDroitRsa.DEMANDE_EN_ATTENTE,
    EtatDroitRsa.OUVERT_VERSABLE,
    EtatDroitRsa.OUVERT_SUSPENDU,
    EtatDroitRsa.OUVERT_VERSEMENT_SUSPENDU,
}
SUSPENDUS = {EtatDroitRsa.OUVERT_SUSPENDU, EtatDroitRsa.OUVERT_VERSEMENT_SUSPENDU}
CHAMPS_DROITS = [
    "etat_droit_rsa",
    "motif_suspension",
    "motif_cloture",
    "date_cloture",
    "soumis_droits_devoirs",
    "date_entree_rsa",
]
CHAMPS_ADMINISTRATIFS = [
    "organisme_payeur",
    "numero_allocataire",
    "role_foyer",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune_id",
    "sans_domicile_fixe",
    "date_fin_rattachement",
]
# Overwritten by the flux when it brings a new value.
CHAMPS_FLUX = CHAMPS_DROITS + CHAMPS_ADMINISTRATIFS
# Filled from the flux only when blank.
CHAMPS_SI_VIDES = ["civilite", "nom_naissance", "lieu_naissance"]
CHAMPS_IDENTITE = ["civilite", "nom_usage", "nom_naissance", "prenoms", "date_naissance", "lieu_naissance"]
LIBELLES_CHAMPS = {
    "organisme_payeur": "organisme payeur",
    "numero_allocataire": "numéro d'allocataire",
    "role_foyer": "rôle dans le foyer",
    "adresse": "adresse",
    "complement_adresse": "adresse",
    "code_postal": "adresse",
    "commune_id": "adresse",
    "civilite": "civilité",
    "nom_naissance": "nom de naissance",
    "lieu_naissance": "lieu de naissance",
    "sans_domicile_fixe": "sans domicile fixe",
    "nir": "NIR",
    "date_fin_rattachement": "rattachement au foyer",
}
VRAI = {"1", "true"}


class Rejet(Exception):
    """The household cannot be applied; the message (French, without personal data) goes to the report."""


class Conflit(Rejet):
    """A person of the household matches a known person by number and role only: set aside, recorded."""

    def __init__(self, message, cible, connu, motif):
        super().__init__(message)
        self.cible, self.connu, self.motif = cible, connu, motif


@dataclass
class Cible:
    """One person of a household, as the platform will store them."""

    role: str  # DEM or CJT
    rang: int  # rank of the person in the household, from 1
    valeurs: dict
    nir: str
    nir_hash: str
    hash: str = ""


@dataclass
class Compteurs:
    crees: int = 0
    mis_a_jour: int = 0
    inchanges: int = 0
    rejetes: int = 0
    ignores: int = 0
    traites: int = 0
    rouverts: int = 0  # closed carnets reopened by a new RSA entry (each in the carnet's timeline)


PARTICULES = {"de", "du", "des", "la", "le", "les", "sur", "sous", "lès", "lez", "en", "et", "aux", "au"}


@lru_cache(maxsize=65_536)
def _titre(value):
    """CAF names come in capitals: "JEAN-PIERRE" → "Jean-Pierre", "SAINT-ÉTIENNE-DU-ROUVRAY" →
    "Saint-Étienne-du-Rouvray" (particles in lower case but the first word); mixed case is kept as sent."""
    value = " ".join((value or "").split())
    if not value.isupper():
        return value
    words = re.split(r"([ -])", value.title())
    return (
        "".join(word.lower() if index and word.lower() in PARTICULES else word for index, word in enumerate(words))
        .replace("D'", "d'")
        .replace("L'", "l'")
        if len(words) > 1
        else value.title()
    )


def _date(text):
    return datetime.date.fromisoformat(text[:10]) if text else None


def _espaces(*parts):
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip())


def nir_valide(value):
    """`carnet.nir.normalise_nir`, with a fast path for the usual 15 digits (tens of thousands per file)."""
    if len(value) == 15 and value.isascii() and value.isdigit() and int(value[13:]) == 97 - int(value[:13]) % 97:
        return value
    return normalise_nir(value)


def cibles_du_foyer(foyer) -> list[Cible]:
    """The applicant and spouse of a household. Raises Rejet."""
    if not foyer.matricule.isdigit():
        raise Rejet("MATRICULE absent ou invalide.")
    if foyer.etat not in ETATS:
        raise Rejet("État du droit (ETATDOSRSA) inconnu : 0 à 6 attendu.")
    numero = str(int(foyer.matricule))
    if len(numero) > 15:
        raise Rejet("MATRICULE trop long.")
    demandeurs = [p for p in foyer.personnes if p.role == "DEM"]
    if not demandeurs:
        raise Rejet("Aucun demandeur (ROLEPERS DEM) dans le foyer.")
    if len(demandeurs) > 1 or sum(1 for p in foyer.personnes if p.role == "CJT") > 1:
        raise Rejet("Plusieurs demandeurs ou plusieurs conjoints dans le foyer.")
    # State 3 is the right suspended (SuspensionDroit), state 4 the payment suspended (SuspensionVersement).
    if foyer.etat == EtatDroitRsa.OUVERT_SUSPENDU:
        suspension = foyer.suspension_droit or foyer.suspension or ("", "")
    elif foyer.etat in SUSPENDUS:
        suspension = foyer.suspension or foyer.suspension_droit or ("", "")
    else:
        suspension = ("", "")
    cloture = foyer.cloture or ("", "")
    adresse = foyer.adresse or {}
    code_postal = adresse.get("CODEPOS", "")
    commune = adresse.get("NUMCOM", "").upper()
    communs = {
        "organisme_payeur": "msa" if foyer.organisme.upper().startswith("MSA") else "caf",
        "numero_allocataire": numero,
        "etat_droit_rsa": foyer.etat,
        "motif_suspension": suspension[0][:100],
        "motif_cloture": cloture[0][:100],
        "date_cloture": _date(cloture[1]),
        "date_entree_rsa": _date(foyer.date_demande),
        "adresse": _espaces(adresse.get("NUMVOIE", ""), adresse.get("LIBTYPEVOIE", ""), adresse.get("NOMVOIE", ""))[
            :255
        ],
        "complement_adresse": _espaces(
            adresse.get("COMPLIDEADR", ""), adresse.get("COMPLADR", ""), adresse.get("LIEUDIST", "")
        )[:255],
        "code_postal": code_postal.zfill(5) if code_postal.isdigit() else "",
        "sans_domicile_fixe": foyer.sans_domicile_fixe.lower() in VRAI,
        # As sent; codes missing from the national referential are set aside in the batch (`Communes`).
        "commune_id": commune or None,
    }
    cibles = []
    for rang, personne in enumerate(foyer.personnes, start=1):
        if personne.role not in ROLES:
            continue
        who = f"{LIBELLES_ROLES[personne.role]} (personne n° {rang} du foyer)"
        ident = personne.identification
        nom, prenom = _titre(ident.get("NOM")), _titre(ident.get("PRENOM"))
        if not nom:
            raise Rejet(f"Nom (NOM) vide pour le {who} : la personne ne peut pas être identifiée.")
        if not prenom:
            foyer.avertissements.append(f"prénom (PRENOM) vide pour le {who} : personne importée sans prénom.")
        nir = ""
        if ident.get("NIR"):
            try:
                nir = nir_valide(ident["NIR"])
            except ValidationError:
                foyer.avertissements.append(
                    f"NIR invalide (clé ou format) pour le {who} : NIR ignoré, personne importée sans NIR."
                )
        sexe, qualite = ident.get("SEXE", ""), ident.get("QUAL", "").upper()
        civilite = "m" if sexe == "1" or qualite == "MR" else "mme" if sexe == "2" or qualite in ("MME", "MLE") else ""
        valeurs = {
            "civilite": civilite,
            "nom_usage": nom[:150],
            "nom_naissance": _titre(ident.get("NOMNAI"))[:150],
            "prenoms": _espaces(prenom, _titre(ident.get("PRENOM2")), _titre(ident.get("PRENOM3")))[:200],
            "date_naissance": _date(ident.get("DTNAI")),
            "lieu_naissance": _titre(ident.get("NOMCOMNAI"))[:150],
            "role_foyer": ROLES[personne.role],
            "soumis_droits_devoirs": (personne.droits_devoirs or "").lower() in VRAI,
            "date_fin_rattachement": _date(personne.fin_rattachement),
            **communs,
        }
        cible = Cible(role=personne.role, rang=rang, valeurs=valeurs, nir=nir, nir_hash=nir_hash(nir) if nir else "")
        cible.hash = _empreinte(cible)
        cibles.append(cible)
    return cibles


_CHAMPS_EMPREINTE = tuple(CHAMPS_IDENTITE + CHAMPS_FLUX)
# `cibles_du_foyer` fills every one of these fields: one C call reads them all (tens of thousands of people).
_valeurs_empreinte = operator.itemgetter(*_CHAMPS_EMPREINTE)


def _empreinte(cible):
    """Hash of everything the flux says of the person (repr of str, bool, None and dates is stable)."""
    data = (VERSION_CORRESPONDANCE, cible.nir, *_valeurs_empreinte(cible.valeurs))
    return hashlib.sha256(repr(data).encode()).hexdigest()


@dataclass
class Integration:
    """Applies batches of households for one département (inside its scope and a transaction per batch)."""

    departement_id: int
    communes: "Communes"
    compteurs: Compteurs = field(default_factory=Compteurs)
    rejets: list = field(default_factory=list)
    avertissements: list = field(default_factory=list)  # per household, "Foyer n° X (ligne Y) : …"
    max_rejets: int = 5000
    rejets_non_detailles: int = 0
    # First position of each MATRICULE and NIR in the file: a later copy is reported, never applied (the first
    # one wins whatever the batch boundaries, so that re-importing the file writes nothing).
    matricules: dict = field(default_factory=dict)
    nirs: dict = field(default_factory=dict)
    # Every MATRICULE of the file, households rejected or set aside included (`absents`).
    vus: set = field(default_factory=set)

    def rejeter(self, foyer, motif):
        self.compteurs.rejetes += 1
        if len(self.rejets) < self.max_rejets:
            self.rejets.append(
                {"position": foyer.position, "ligne": foyer.ligne, "matricule": foyer.matricule, "motif": motif}
            )
        else:
            self.rejets_non_detailles += 1

    def decider(self, prepares):
        """Match a batch of households (each as `preparer()` gave it) and decide what to write: `ecrire()` on the
        result writes it. Call inside a transaction."""
        self.compteurs.traites += len(prepares)
        valid = []
        for foyer, cibles, motif in prepares:
            if foyer.matricule.isdigit():
                self.vus.add(str(int(foyer.matricule)))
            motif = motif or self._doublon(foyer, cibles)
            if motif:
                self.rejeter(foyer, motif)
            else:
                valid.append((foyer, cibles))
                for avertissement in foyer.avertissements:
                    if len(self.avertissements) < self.max_rejets:
                        self.avertissements.append(
                            f"Foyer n° {foyer.position} (ligne {foyer.ligne}) : {avertissement}"
                        )
        self.communes.resoudre(cible.valeurs for _, cibles in valid for cible in cibles)
        lot = _Lot(self, [cible for _, cibles in valid for cible in cibles])
        for foyer, cibles in valid:
            try:
                lot.foyer(foyer, cibles)
            except Conflit as conflit:
                self.rejeter(foyer, str(conflit))
                lot.conflit(foyer, conflit)
            except Rejet as rejet:
                self.rejeter(foyer, str(rejet))
        return lot

    def absents(self, organisme):
        """People whose right is pending or open according to the flux, still attached to their household, whose
        household is missing from this file of `organisme` (FONORG NUMORG). The flux sends every dossier not
        radiated each month, and a closed dossier once, then no more (documentation of InfosFoyerRSA in the
        schema): a closed dossier absent is expected; an open one is not, and is not closed on a guess. Returns
        their CAF/MSA numbers, sorted."""
        payeur = OrganismePayeur.MSA if organisme.upper().startswith("MSA") else OrganismePayeur.CAF
        numeros = (
            Beneficiaire.objects.filter(
                organisme_payeur=payeur, etat_droit_rsa__in=ETATS_A_CREER, date_fin_rattachement=None
            )
            .exclude(numero_allocataire="")
            .values_list("numero_allocataire", flat=True)
            .distinct()
        )
        return sorted((n for n in numeros.iterator(chunk_size=10_000) if n not in self.vus), key=lambda n: (len(n), n))

    def _doublon(self, foyer, cibles):
        numero = cibles[0].valeurs["numero_allocataire"]
        premier = self.matricules.setdefault(numero, foyer.position)
        if premier != foyer.position:
            return (
                f"Foyer en double : le MATRICULE {numero} figure déjà au foyer n° {premier} du fichier ; seul le "
                "premier est appliqué."
            )
        for cible in cibles:
            if cible.nir_hash:
                autre = self.nirs.setdefault(cible.nir_hash, foyer.position)
                if autre != foyer.position:
                    return (
                        f"Personne en double : le {LIBELLES_ROLES[cible.role]} (personne n° {cible.rang} du foyer) "
                        f"figure déjà au foyer n° {autre} du fichier (même NIR) ; seul le premier foyer est appliqué."
                    )
        return ""


def preparer(foyer):
    """(household, its people, rejection reason or ""): everything that needs no database."""
    if foyer.erreur:
        return foyer, [], foyer.erreur
    try:
        return foyer, cibles_du_foyer(foyer), ""
    except Rejet as rejet:
        return foyer, [], str(rejet)


@dataclass
class _Connu:
    """A person already in the database, as far as matching needs (the full row is read only to update it)."""

    pk: int | None
    nir_hash: str
    numero_allocataire: str
    role_foyer: str
    nom_usage: str
    nom_naissance: str
    prenoms: str
    date_naissance: datetime.date | None
    nir_chiffre: str
    hash: str | None
    nouveau: dict | None = None  # the pending row of a person created in this batch


class _Lot:
    """The writes of one batch, gathered then done in bulk."""

    def __init__(self, integration, cibles):
        self.integration = integration
        self.compteurs = integration.compteurs
        self.index = IndexAllocataires()
        rows = candidats_allocataires(
            (c.nir_hash for c in cibles if c.nir_hash),
            (c.valeurs["numero_allocataire"] for c in cibles),
            colonnes=("empreinte_flux__hash",),
        )
        for row in rows:
            self.index.ajouter(_Connu(*row), remplacer=False)
        self.nouveaux = []  # _Connu of the people to create, their row in `nouveau`
        self.a_modifier = {}  # pk → Cible: known people whose flux data changed
        self.nia_remplaces = set()  # pk of known people whose temporary NIA the flux's NIR replaces
        self.conflits = []  # dicts for carnet.services.conflits.conflits_signaler

    def _find(self, cible):
        correspondance = self.index.trouver(
            nir_hash=cible.nir_hash,
            numero_allocataire=cible.valeurs["numero_allocataire"],
            role_foyer=ROLES[cible.role],
            identite=cible.valeurs,
            nir=cible.nir,
        )
        if correspondance.conflit:
            raise Conflit(
                f"Conflit d'identité à résoudre pour le {LIBELLES_ROLES[cible.role]} (personne n° {cible.rang} du "
                f"foyer) : {correspondance.conflit} Le foyer est mis de côté ; un administrateur doit indiquer s'il "
                "s'agit de la même personne (page « Conflits d'identité »).",
                cible,
                correspondance.beneficiaire,
                correspondance.conflit,
            )
        if correspondance.remplace_nia:
            self.nia_remplaces.add(correspondance.beneficiaire.pk)
        return correspondance.beneficiaire

    def conflit(self, foyer, conflit):
        if conflit.connu.pk is None:  # a person created earlier in this very file: reported, nothing to record
            return
        self.conflits.append(
            {
                "beneficiaire_id": conflit.connu.pk,
                "motif": conflit.motif,
                "origine": f"Flux CAF/MSA, foyer n° {foyer.position}",
                "position": foyer.position,
                "numero_allocataire": conflit.cible.valeurs["numero_allocataire"],
                "role_foyer": ROLES[conflit.cible.role],
                "recu": conflit.cible.valeurs,
                "nir": conflit.cible.nir,
            }
        )

    def foyer(self, foyer, cibles):
        matches = [(cible, self._find(cible)) for cible in cibles]
        known = [connu for _, connu in matches if connu is not None]
        if len({id(connu) for connu in known}) < len(known):
            raise Rejet("Deux personnes du foyer correspondent à la même fiche.")
        if not known and foyer.etat not in ETATS_A_CREER:
            self.compteurs.ignores += 1
            return
        for cible, connu in matches:
            if connu is None:
                # A person who already left the household (DFRATDOS) is not created: nobody to orient.
                if foyer.etat in ETATS_A_CREER and cible.valeurs["date_fin_rattachement"] is None:
                    self._create(cible)
            elif connu.nouveau is not None:
                # Twice in the same batch: the later household wins, the person is still one creation.
                connu.nouveau.update({name: cible.valeurs[name] for name in CHAMPS_FLUX})
                connu.hash = cible.hash
            elif connu.hash == cible.hash:
                self.compteurs.inchanges += 1
            else:
                self.a_modifier[connu.pk] = cible
                connu.hash = cible.hash

    def _create(self, cible):
        valeurs = dict(cible.valeurs, nir=cible.nir, nir_hash=cible.nir_hash)
        connu = _Connu(
            None,
            cible.nir_hash,
            valeurs["numero_allocataire"],
            valeurs["role_foyer"],
            valeurs["nom_usage"],
            valeurs["nom_naissance"],
            valeurs["prenoms"],
            valeurs["date_naissance"],
            "",
            cible.hash,
            valeurs,
        )
        self.index.ajouter(connu)
        self.nouveaux.append(connu)
        self.compteurs.crees += 1

    def ecrire(self):
        self._write_new()
        if self.a_modifier:
            self._write_changes()
        if self.conflits:
            conflits_signaler(self.integration.departement_id, self.conflits)

    # --- New people: COPY (carnet.services.bulk), then their fingerprints --------------------------------------

    def _write_new(self):
        if not self.nouveaux:
            return
        departement_id = self.integration.departement_id
        ids = beneficiaires_create(
            departement_id,
            [connu.nouveau for connu in self.nouveaux],
            resume=lambda v: f"Carnet de bord ouvert (flux {OrganismePayeur(v['organisme_payeur']).label})",
        )
        empreintes = TableTexte(EmpreinteFlux, "departement_id beneficiaire_id hash")
        for beneficiaire_id, connu in zip(ids, self.nouveaux, strict=True):
            empreintes.add(departement_id, beneficiaire_id, connu.hash)
        empreintes.flush(raw_connection())

    # --- Known people whose flux data changed: read in full, compared, bulk updated -----------------------------

    def _write_changes(self):
        departement_id = self.integration.departement_id
        people = list(
            Beneficiaire.objects.select_related("carnet").filter(pk__in=list(self.a_modifier)).order_by("pk")
        )
        modifications = []
        nouvelles_entrees = []  # closed carnets of people whose RSA right opens again: reopened after the update
        for beneficiaire in people:
            cible = self.a_modifier[beneficiaire.pk]
            avant_entree, avant_etat = beneficiaire.date_entree_rsa, beneficiaire.etat_droit_rsa
            changed = beneficiaire_apply(beneficiaire, cible.valeurs, CHAMPS_FLUX)
            vides = [n for n in CHAMPS_SI_VIDES if not getattr(beneficiaire, n) and cible.valeurs[n]]
            changed += beneficiaire_apply(beneficiaire, cible.valeurs, vides)
            if cible.nir and (not beneficiaire.nir_hash or beneficiaire.pk in self.nia_remplaces):
                changed += beneficiaire_apply(beneficiaire, {"nir": cible.nir}, ["nir"])
            if not changed:
                # Same data under another fingerprint (first time in the flux, new mapping version): no write.
                self.compteurs.inchanges += 1
                continue
            self.compteurs.mis_a_jour += 1
            carnet = getattr(beneficiaire, "carnet", None)
            if (
                carnet is not None
                and carnet.cloture_le is not None
                and est_nouvelle_entree_rsa(
                    avant_entree=avant_entree, avant_etat=avant_etat, beneficiaire=beneficiaire
                )
            ):
                nouvelles_entrees.append(beneficiaire.pk)
            modification = Modification(beneficiaire, changed)
            if any(name in CHAMPS_DROITS for name in changed):
                modification.evenements.append((TypeEvenement.DROITS, _resume_droits(beneficiaire)))
            if "date_fin_rattachement" in changed:
                modification.evenements.append((TypeEvenement.RATTACHEMENT, _resume_rattachement(beneficiaire)))
            autres = sorted(
                {LIBELLES_CHAMPS[name] for name in changed if name not in CHAMPS_DROITS + ["date_fin_rattachement"]}
            )
            if autres:
                resume = f"Mis à jour par le flux CAF/MSA : {', '.join(autres)}"
                modification.evenements.append((TypeEvenement.BENEFICIAIRE_MODIFIE, resume))
            modifications.append(modification)
        carnets_create_missing(departement_id, people)
        beneficiaires_update(modifications)
        if nouvelles_entrees:
            self.compteurs.rouverts += carnets_rouvrir_nouvelle_entree(
                departement_id=departement_id, beneficiaire_ids=nouvelles_entrees
            )
        EmpreinteFlux.objects.bulk_create(
            [
                EmpreinteFlux(departement_id=departement_id, beneficiaire_id=pk, hash=cible.hash)
                for pk, cible in self.a_modifier.items()
            ],
            update_conflicts=True,
            unique_fields=["beneficiaire"],
            update_fields=["hash", "updated_at"],
        )


def _resume_rattachement(b):
    if b.date_fin_rattachement:
        return (
            f"Ne fait plus partie du foyer CAF/MSA n° {b.numero_allocataire} depuis le "
            f"{b.date_fin_rattachement:%d/%m/%Y} (flux {b.get_organisme_payeur_display()})"
        )
    return f"De nouveau rattaché au foyer CAF/MSA n° {b.numero_allocataire} (flux {b.get_organisme_payeur_display()})"


def _resume_droits(b):
    parts = [f"Droits RSA (flux {b.get_organisme_payeur_display()}) : {b.get_etat_droit_rsa_display().lower()}"]
    if b.motif_suspension:
        parts.append(f"motif de suspension {b.motif_suspension}")
    if b.motif_cloture or b.date_cloture:
        cloture = "clôture" + (f" le {b.date_cloture:%d/%m/%Y}" if b.date_cloture else "")
        parts.append(cloture + (f", motif {b.motif_cloture}" if b.motif_cloture else ""))
    parts.append("soumis aux droits et devoirs" if b.soumis_droits_devoirs else "non soumis aux droits et devoirs")
    return " ; ".join(parts)


class Communes:
    """INSEE codes of the addresses, checked against the national referential: the département's communes are
    read once; a code from elsewhere costs one query per batch, then is remembered either way."""

    def __init__(self, departement_code):
        from spie.models import Commune

        self.model = Commune
        self.connues = set(
            Commune.objects.filter(departement_id=departement_code).values_list("code_insee", flat=True)
        )
        self.inconnues = set()

    def resoudre(self, valeurs):
        valeurs = list(valeurs)
        nouveaux = {v["commune_id"] for v in valeurs if v["commune_id"]} - self.connues - self.inconnues
        if nouveaux:
            found = set(self.model.objects.filter(code_insee__in=nouveaux).values_list("code_insee", flat=True))
            self.connues |= found
            self.inconnues |= nouveaux - found
        for v in valeurs:
            if v["commune_id"] and v["commune_id"] not in self.connues:
                v["commune_id"] = None
