"""Streaming read of a CAF/MSA flux file, with flat memory whatever its size.

`lxml.etree.iterparse` hands over each `InfosFoyerRSA` when its end tag is read; once used, the element is
cleared and the already-read siblings are deleted, so the tree never holds more than one household (plus
the small `IdentificationFlux` block). Each household is validated against the global `InfosFoyerRSA`
declaration of the official schema (an element can be validated as if it were a document's root): a
household that fails is rejected with its position and the reason, the others go on.

The file as a whole is refused (`FluxRefuse`, with a French message) when it is not XML, is not a flux
(wrong root), declares an encoding that its bytes contradict, or is not well-formed anywhere in it. The last
check needs the whole file: `controler()` makes a first streaming pass before anything is written.

Parsing never resolves entities nor reaches the network (uploaded files are untrusted).
"""

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).resolve().parent / "schemas" / "vrsb0801.xsd"
RACINE = "Racine"
IDENTIFICATION = "IdentificationFlux"
FOYER = "InfosFoyerRSA"
TRANSMISSION = "TransmissionFlux"
TAILLE_ENTETE = 64 * 1024
MAX_ERREURS_PAR_FOYER = 3

# Declared encodings accepted (lower case), and the Python codec that reads each one.
ENCODAGES = {
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "iso-8859-1": "latin-1",
    "iso-8859-15": "iso8859_15",
    "latin1": "latin-1",
    "utf-8": "utf-8",
    "utf8": "utf-8",
}
MONO_OCTET = {"cp1252", "latin-1", "iso8859_15"}
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.IGNORECASE)
PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": False, "remove_comments": True}


class FluxRefuse(Exception):
    """The file as a whole cannot be imported; the message is shown to the user as is."""


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _open(source):
    """A binary handle on `source` (a path or an open binary file, rewound) and whether we must close it."""
    if hasattr(source, "read"):
        source.seek(0)
        return source, False
    return open(source, "rb"), True


# --- The file as a whole ------------------------------------------------------------------------------------


def verifier_entete(source) -> str:
    """Cheap checks on the first bytes (upload forms, the API, the run): XML, declared encoding, root element.

    Returns the Python codec of the file. Raises FluxRefuse.
    """
    handle, close = _open(source)
    try:
        head = handle.read(TAILLE_ENTETE)
    finally:
        if close:
            handle.close()
        else:
            handle.seek(0)
    if not head.strip():
        raise FluxRefuse("Le fichier est vide.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FluxRefuse("Le fichier est encodé en UTF-16 : le flux CAF/MSA est attendu en windows-1252 (ou UTF-8).")
    if not head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"<"):
        raise FluxRefuse(
            "Ce fichier n'est pas un fichier XML : déposez le flux « bénéficiaires RSA » de la CAF ou de la MSA."
        )
    declared = _DECLARATION.match(head.lstrip(codecs.BOM_UTF8))
    name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    codec = ENCODAGES.get(name)
    if codec is None:
        raise FluxRefuse(
            f"Le fichier déclare l'encodage « {name} », qui n'est pas accepté : le flux CAF/MSA est en windows-1252."
        )
    _check_encoding(head, name, codec)
    _check_root(head)
    return codec


def _check_encoding(head, name, codec):
    non_ascii = any(byte > 0x7F for byte in head)
    if not non_ascii:
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the head is not an error
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    if codec in MONO_OCTET and utf8:
        raise FluxRefuse(
            f"Le fichier déclare l'encodage « {name} » mais son contenu est en UTF-8 : les accents seraient altérés. "
            "Déposez le fichier tel que transmis par la CAF ou la MSA, ou corrigez la déclaration d'encodage."
        )
    if codec == "utf-8" and not utf8:
        raise FluxRefuse(
            "Le fichier contient des caractères qui ne sont pas en UTF-8 (il est probablement en windows-1252) sans "
            'le déclarer : la première ligne doit être <?xml version="1.0" encoding="windows-1252"?>.'
        )


def _check_root(head):
    parser = etree.XMLPullParser(events=("start",), **PARSER_OPTIONS)
    root = None
    try:
        parser.feed(head)
        for _, element in parser.read_events():
            root = element
            break
    except etree.XMLSyntaxError as exc:
        if root is None:
            raise FluxRefuse(f"Ce fichier n'est pas un fichier XML lisible : {traduire_erreur_syntaxe(exc)}") from exc
    if root is None:
        raise FluxRefuse("Ce fichier n'est pas un fichier XML lisible : aucun élément trouvé au début du fichier.")
    if root.tag != RACINE:
        tag = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise FluxRefuse(
            f"Ce fichier XML n'est pas un flux « bénéficiaires RSA » : son élément racine est <{tag}> au lieu de "
            f"<{RACINE}>."
        )


def traduire_erreur_syntaxe(exc) -> str:
    """A French reason for a parse error, with its position; never the file's content."""
    message = str(getattr(exc, "msg", "") or exc)
    line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else None)
    where = f" (ligne {line})" if line else ""
    lowered = message.lower()
    if "encoding" in lowered or "utf-8" in lowered or "bytes:" in lowered:
        return (
            f"des octets ne correspondent pas à l'encodage déclaré{where}. Le flux est attendu en windows-1252, "
            'avec la déclaration <?xml version="1.0" encoding="windows-1252"?>.'
        )
    if "premature end" in lowered or "end of data" in lowered or "eof" in lowered:
        return f"le fichier s'arrête au milieu d'un élément{where} : il est incomplet (transfert interrompu ?)."
    if "document is empty" in lowered or "start tag expected" in lowered:
        return "le fichier ne contient pas d'élément XML."
    if "entityref" in lowered or "no name" in lowered:
        return (
            f"un caractère « & » n'est pas échappé{where} : dans un fichier XML, il doit être écrit « &amp; ». "
            "Demandez un fichier corrigé à l'organisme."
        )
    if "entity" in lowered or "doctype" in lowered:
        return f"les entités et déclarations DOCTYPE ne sont pas acceptées{where}."
    return f"le XML est mal formé{where} (balise non fermée, caractère interdit…)."


@dataclass
class Controle:
    total: int = 0
    date_reference: str = ""
    annonces: int | None = None  # households announced by TransmissionFlux
    avertissements: list = field(default_factory=list)
    # IDEPARTE of the households → position of the first household carrying it (the file's département).
    departements: dict = field(default_factory=dict)
    organisme: str = ""  # FONORG and NUMORG of the first household ("CAF 761"): the sender of the file


def code_departement(value):
    """IDEPARTE ("076", "02A", "971") and a département's code ("76", "2A") in one comparable form."""
    return (value or "").strip().upper().zfill(3)


def verifier_departement(controle, departement_code):
    """Every household of the file belongs to the uploader's département (IDEPARTE): else the file is refused as a
    whole, before any write (an Eure file uploaded with a Seine-Maritime token must not create anyone)."""
    attendu = code_departement(departement_code)
    autres = {code: position for code, position in controle.departements.items() if code_departement(code) != attendu}
    if autres:
        code, position = min(autres.items(), key=lambda item: item[1])
        raise FluxRefuse(
            f"Ce fichier est destiné à un autre département : l'élément IDEPARTE vaut « {code} » (foyer n° "
            f"{position}) alors que le dépôt est fait pour le département {departement_code}. Aucun foyer n'a été "
            "importé : vérifiez que le fichier et le compte (ou le jeton d'API) sont ceux du même département."
        )


def controler(source) -> Controle:
    """First pass: the whole file is well-formed, is a flux, and how many households it holds.

    Nothing is written before this pass succeeds: a file damaged in its middle is refused as a whole.
    """
    verifier_entete(source)
    _check_end(source)
    handle, close = _open(source)
    result = Controle()
    identification = doctype_checked = False
    try:
        context = etree.iterparse(handle, events=("end",), tag=(IDENTIFICATION, FOYER, TRANSMISSION), **PARSER_OPTIONS)
        for _, element in context:
            if not doctype_checked:
                doctype_checked = True
                if element.getroottree().docinfo.doctype:
                    raise FluxRefuse(
                        "Le fichier contient une déclaration DOCTYPE, que le flux CAF/MSA n'a pas : il est refusé "
                        "(les entités qu'elle pourrait déclarer ne sont jamais interprétées)."
                    )
            if element.tag == FOYER:
                result.total += 1
                code = (element.findtext("IdentificationRSA/Partenaire/IDEPARTE") or "").strip()
                result.departements.setdefault(code, result.total)
                if not result.organisme:
                    organisme = element.find("IdentificationRSA/Organisme")
                    if organisme is not None:
                        result.organisme = _espaces_simples(organisme.findtext("FONORG"), organisme.findtext("NUMORG"))
            elif element.tag == IDENTIFICATION:
                identification = True
                if element.getparent() is None or element.getparent().tag != RACINE:
                    raise FluxRefuse("Le bloc IdentificationFlux doit être placé directement sous <Racine>.")
                if not schema().validate(element):
                    raise FluxRefuse(
                        "Le bloc IdentificationFlux n'est pas conforme au schéma du flux : "
                        + "; ".join(traduire_erreurs_schema(schema().error_log))
                    )
                result.date_reference = element.findtext("DTREF") or ""
            elif element.tag == TRANSMISSION:
                text = (element.findtext("NBTOTDOSRSATRANSM") or "").strip()
                if not text.isdigit():
                    raise FluxRefuse(
                        "Le bloc TransmissionFlux n'indique pas le nombre de foyers transmis (élément "
                        "NBTOTDOSRSATRANSM absent ou non numérique) : le fichier ne peut pas être contrôlé."
                    )
                result.annonces = int(text)
            _release(element)
    except etree.XMLSyntaxError as exc:
        raise FluxRefuse(f"Le fichier n'est pas un XML valide : {traduire_erreur_syntaxe(exc)}") from exc
    finally:
        if close:
            handle.close()
    if not identification:
        raise FluxRefuse("Le bloc IdentificationFlux, obligatoire en tête du flux, est absent.")
    if result.annonces is None:
        raise FluxRefuse(
            "Le bloc TransmissionFlux, obligatoire en fin de flux, est absent : sans lui, rien ne garantit que le "
            "fichier est complet. Demandez à la CAF ou à la MSA le fichier tel qu'il a été produit."
        )
    if result.annonces != result.total:
        raise FluxRefuse(
            f"Le fichier annonce {result.annonces} foyers (TransmissionFlux, élément NBTOTDOSRSATRANSM) mais en "
            f"contient {result.total} : il est incomplet ou a été modifié. Aucun foyer n'a été importé."
        )
    return result


def _espaces_simples(*parts):
    return " ".join(" ".join((p or "").split()) for p in parts if p and p.strip())


def _check_end(source):
    """A file cut during its transfer is the usual damage: say so plainly rather than as a parse error."""
    handle, close = _open(source)
    try:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - 256))
        tail = handle.read().rstrip(b" \t\r\n\x00")
    finally:
        if close:
            handle.close()
        else:
            handle.seek(0)
    if not tail.endswith(f"</{RACINE}>".encode()):
        raise FluxRefuse(
            f"Le fichier s'arrête avant sa fin (la balise </{RACINE}> finale manque) : il est incomplet, le "
            "transfert a probablement été interrompu. Demandez un nouvel envoi du fichier."
        )


def _release(element):
    """Free a handled element and everything read before it: the tree stays one household deep."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# --- Schema errors in French, without the values (they may be a NIR or a name) ---------------------------------

# libxml2 writes "Element 'NOM': [facet 'maxLength'] The value has a length of '40'; this exceeds…".
_SCHEMA_ERROR = re.compile(r"^Element '(?P<element>[^']+)': (?:\[facet '(?P<facet>\w+)'\] )?(?P<message>.*)$", re.S)
_DATE = re.compile(r"'(\d{4})-(\d{2})-(\d{2})' is not a valid value of the atomic type 'xs:date'")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<names>[^)]*) \)")
_TYPES = {
    "date": "date attendue au format AAAA-MM-JJ",
    "time": "heure attendue au format HH:MM:SS",
    "integer": "nombre entier attendu",
    "decimal": "nombre décimal attendu",
    "boolean": "booléen attendu : 0, 1, true ou false",
}


def _schema_message(text):
    match = _SCHEMA_ERROR.match(text.strip())
    if not match:
        return "non conforme au schéma du flux"
    element, facet, message = match["element"], match["facet"], match["message"]
    expected = _EXPECTED.search(message)
    names = expected["names"].replace(", ", ", ") if expected else ""
    if "Missing child element" in message:
        return f"il manque l'élément {names} dans {element}" if names else f"{element} est incomplet"
    if "not expected" in message:
        return f"élément {element} inattendu" + (f" (attendu : {names})" if names else "")
    if facet == "maxLength":
        maximum = re.search(r"maximum length of '(\d+)'", message)
        return f"{element} : valeur trop longue" + (f" ({maximum[1]} caractères au plus)" if maximum else "")
    if facet == "totalDigits":
        maximum = re.search(r"\('(\d+)'\)", message)
        return f"{element} : trop de chiffres" + (f" ({maximum[1]} au plus)" if maximum else "")
    if facet == "fractionDigits":
        maximum = re.search(r"\('(\d+)'\)", message)
        return f"{element} : trop de décimales" + (f" ({maximum[1]} au plus)" if maximum else "")
    if facet == "enumeration":
        return f"{element} : valeur hors de la liste des codes admis"
    if facet == "pattern":
        return f"{element} : valeur qui ne respecte pas le format attendu"
    if facet:
        return f"{element} : valeur non conforme (contrainte {facet})"
    impossible = _DATE.search(message)
    if impossible and 1 <= int(impossible[2]) <= 12:
        return f"{element} : date impossible (ce jour n'existe pas dans le calendrier)"
    type_match = re.search(r"atomic type 'xs:(\w+)'", message)
    if type_match:
        expected_type = _TYPES.get(type_match[1], f"type {type_match[1]} attendu")
        return f"{element} : valeur invalide ({expected_type})"
    if "local atomic type" in message:
        return f"{element} : valeur invalide"
    if "Character content" in message:
        return f"{element} : texte inattendu"
    return f"{element} : non conforme au schéma du flux"


def traduire_erreurs_schema(error_log, limit=MAX_ERREURS_PAR_FOYER):
    messages = []
    for error in error_log:
        text = _schema_message(error.message)
        if error.line:
            text = f"ligne {error.line} : {text}"
        if text not in messages:
            messages.append(text)
    # "[facet …] …" is followed by "… is not a valid value of the local atomic type" for the same element.
    messages = [m for m in messages if not (m.endswith(": valeur invalide") and _has_facet_twin(m, messages))]
    extra = len(messages) - limit
    return messages[:limit] + ([f"et {extra} autre(s) erreur(s)"] if extra > 0 else [])


def _has_facet_twin(message, messages):
    prefix = message.removesuffix(": valeur invalide")
    return any(other != message and other.startswith(prefix) for other in messages)


# --- Households ------------------------------------------------------------------------------------------------


@dataclass
class PersonneLue:
    role: str  # ROLEPERS of the RSA prestation (DEM, CJT, ENF…)
    identification: dict  # tag → text of the Identification block
    droits_devoirs: str | None  # TOPPERSDRODEVORSA
    fin_rattachement: str = ""  # DFRATDOS: the person left the household on that date


@dataclass
class FoyerLu:
    position: int  # rank of the household in the file, from 1
    ligne: int | None
    matricule: str = ""
    erreur: str = ""
    organisme: str = ""
    date_demande: str = ""
    numero_demande: str = ""
    etat: str = ""
    suspension: tuple | None = None  # (motif, date) of the payment (SuspensionVersement)
    suspension_droit: tuple | None = None  # (motif, date) of the right (SuspensionDroit)
    cloture: tuple | None = None  # (motif, date)
    adresse: dict | None = None
    sans_domicile_fixe: str = ""  # TOPSANSDOMFIXE ("1"/"true": no fixed abode)
    personnes: list = field(default_factory=list)
    avertissements: list = field(default_factory=list)  # what was dropped from a household kept (French)


def _leaves(element):
    return {child.tag: (child.text or "").strip() for child in element}


def _latest(blocks, motif, date):
    """The most recent (motif, date) of repeated blocks, by their date."""
    best = None
    for block in blocks:
        values = _leaves(block)
        current = (values.get(motif, ""), values.get(date, ""))
        if best is None or current[1] > best[1]:
            best = current
    return best


def _text(element):
    return (element.text or "").strip()


def extraire(element, position) -> FoyerLu:
    """The fields the platform uses, read from a household already validated against the schema.

    Validation guarantees the order of the mandatory children of a sequence, so they are read by position
    (tens of thousands of households: every lookup counts).
    """
    foyer = FoyerLu(position=position, ligne=element.sourceline)
    for block in element:
        tag = block.tag
        if tag == "Personne":
            foyer.personnes.append(_personne(block))
        elif tag == "IdentificationRSA":
            organisme, demande = block[0], block[2]  # Organisme, Partenaire, DemandeRSA…
            foyer.organisme, foyer.matricule = _text(organisme[0]), _text(organisme[2])  # FONORG, NUMORG, MATRICULE
            foyer.date_demande, foyer.numero_demande = _text(demande[0]), _text(demande[1])  # DTDEMRSA, NUMDEMRSA
        elif tag == "DonneesAdministratives":
            foyer.adresse = _adresse(block)
        elif tag == "PrestationRSA":
            situation = block[0]  # SituationDossierRSA, DetailDroitRSA
            foyer.etat = _text(situation[0][0])  # EtatDossierRSA/ETATDOSRSA
            foyer.sans_domicile_fixe = _text(block[1][0][0])  # DetailDroitRSA/TroncCommunDroitRSA/TOPSANSDOMFIXE
            if len(situation) > 1:  # suspensions, closure: rare blocks
                foyer.suspension = _latest(situation.iterfind("SuspensionVersement"), "MOTISUSVERSRSA", "DDSUSVERSRSA")
                foyer.suspension_droit = _latest(situation.iterfind("SuspensionDroit"), "MOTISUSDRORSA", "DDSUSDRORSA")
                foyer.cloture = _latest(situation.iterfind("FinDroit"), "MOTICLORSA", "DTCLORSA") or _latest(
                    situation.iterfind("FinDroitMoisAnterieur"), "MOTICLORSA", "DTCLORSA"
                )
    return foyer


ROLES_LUS = {"DEM", "CJT"}  # the other members (children…) only need their role


def _personne(block):
    identification, role, droits_devoirs, first_role = block[0], "", None, ""
    dossier = block[1]  # DossierCAF: TOPRESPDOS, DDRATDOS, DFRATDOS?, NUMDEMRSAPRECE?
    fin = _text(dossier[2]) if len(dossier) > 2 and dossier[2].tag == "DFRATDOS" else ""
    for part in block:
        tag = part.tag
        if tag == "Prestations":
            natpf, rolepers = _text(part[0]), _text(part[1]).upper()  # NATPREST, ROLEPERS, TOPCHAPERS
            first_role = first_role or rolepers
            if natpf.upper() == "RSA":
                role = rolepers
        elif tag == "MontantCalculDroitRSAPersonne":
            droits_devoirs = _text(part[0])  # TOPPERSDRODEVORSA
    role = role or first_role
    leaves = _leaves(identification) if role in ROLES_LUS else {}
    return PersonneLue(role=role, identification=leaves, droits_devoirs=droits_devoirs, fin_rattachement=fin)


def _adresse(block):
    """The current address: the lowest rank (RGADR) with a detailed French address.

    DonneesAdministratives is SituationFamille then 1 to 3 Adresse; an Adresse is TroncCommunAdresse (RGADR
    first), then AdresseDetailleeFrance or AdresseHorsFrance, both optional.
    """
    best, best_rank = None, None
    for adresse in block[1:]:
        if len(adresse) < 2 or adresse[1].tag != "AdresseDetailleeFrance":
            continue
        rank_text = _text(adresse[0][0])
        rank = int(rank_text) if rank_text.lstrip("-").isdigit() else 99
        if best_rank is None or rank < best_rank:
            best, best_rank = adresse[1], rank
    return _leaves(best) if best is not None else None


def lire_foyers(source):
    """Every household of the file, in order: a `FoyerLu`, with `erreur` set when it fails the schema.

    Call `controler()` first: this pass assumes a well-formed file.
    """
    xsd = schema()
    handle, close = _open(source)
    try:
        position = 0
        for _, element in etree.iterparse(handle, events=("end",), tag=FOYER, **PARSER_OPTIONS):
            position += 1
            try:
                valid = xsd.validate(element)
            except etree.XMLSchemaValidateError:
                valid = None  # libxml2 gives up on some contents (an entity reference…): the household is rejected
            if valid:
                yield extraire(element, position)
            else:
                matricule = (element.findtext("IdentificationRSA/Organisme/MATRICULE") or "").strip()
                yield FoyerLu(
                    position=position,
                    ligne=element.sourceline,
                    matricule=matricule if matricule.isdigit() and len(matricule) <= 15 else "",
                    erreur="Non conforme au schéma du flux : "
                    + (
                        " ; ".join(traduire_erreurs_schema(xsd.error_log))
                        if valid is False
                        else "contenu que le validateur ne peut pas lire (entité, caractère de contrôle…)."
                    ),
                )
            _release(element)
    finally:
        if close:
            handle.close()
