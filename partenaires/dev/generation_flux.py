"""Generated CAF/MSA "bénéficiaires RSA" files, valid against the official schema (tests and benchmarks).

The generator follows `schemas/vrsb0801.xsd` element by element (order, cardinalities, types), writes
windows-1252 as the CAF and MSA do, and streams: a file of any size is written with flat memory.

`generer_foyers()` yields `FoyerFlux` objects; tests change them (a new right state, a bad date, a missing
element: set a field to `None` and the element is left out) and write them with `ecrire_flux()`.
Nothing here touches the database.
"""

import datetime
import io
from dataclasses import dataclass, field
from random import Random
from xml.sax.saxutils import escape

from stdnum.fr import nir as stdnum_nir

from carnet.dev.generation import FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, SURNAMES

ENCODAGE = "windows-1252"

# A few communes of Seine-Maritime (INSEE code, postal code, name): the default département of the generator.
COMMUNES_76 = (
    ("76540", "76000", "Rouen"),
    ("76351", "76600", "Le Havre"),
    ("76217", "76200", "Dieppe"),
    ("76231", "76500", "Elbeuf"),
    ("76259", "76400", "Fécamp"),
    ("76575", "76800", "Saint-Étienne-du-Rouvray"),
    ("76681", "76300", "Sotteville-lès-Rouen"),
    ("76322", "76120", "Le Grand-Quevilly"),
    ("76498", "76140", "Le Petit-Quevilly"),
    ("76157", "76380", "Canteleu"),
)
VOIES = (
    ("RUE", "DE LA RÉPUBLIQUE"),
    ("RUE", "JEANNE D'ARC"),
    ("AV", "DU GÉNÉRAL DE GAULLE"),
    ("RUE", "VICTOR HUGO"),
    ("PL", "DE L'ÉGLISE"),
    ("BD", "DE L'YSER"),
    ("RUE", "DES ÉCOLES"),
    ("ALL", "DES TILLEULS"),
    ("RUE", "FRANÇOIS MITTERRAND"),
    ("CHE", "DU HALAGE"),
)
# (ETATDOSRSA, weight): most rights are open and payable.
ETATS = (("2", 80), ("0", 5), ("3", 4), ("4", 5), ("5", 4), ("6", 2))
MOTIFS_SUSPENSION = ("01", "02", "05", "06", "09", "35", "44", "70")
MOTIFS_CLOTURE = ("PCG", "ECH", "EFF", "MUT", "RGD", "RFD")


@dataclass
class PersonneFlux:
    role: str  # ROLEPERS: DEM, CJT, ENF
    nom: str | None
    prenom: str | None
    date_naissance: datetime.date | str | None
    sexe: str  # 1: man, 2: woman
    nir: str | None = None  # 15 characters, or None (the element is optional)
    nom_naissance: str | None = None
    prenom2: str | None = None
    commune_naissance: str = "ROUEN"
    droits_devoirs: bool | None = True  # TOPPERSDRODEVORSA; None: no MontantCalculDroitRSAPersonne block
    fin_rattachement: datetime.date | None = None  # DFRATDOS: the person left the household

    @property
    def qualite(self):
        return "MR" if self.sexe == "1" else "MME"


@dataclass
class FoyerFlux:
    matricule: str
    numero_demande: str
    date_demande: datetime.date | str
    personnes: list
    organisme: str = "CAF"
    numero_organisme: str = "761"
    etat: str = "2"
    motif_suspension: str | None = None
    date_suspension: datetime.date | None = None
    motif_cloture: str | None = None
    date_cloture: datetime.date | None = None
    adresse: tuple = ("12", "RUE", "DE LA RÉPUBLIQUE", "76540", "76000", "ROUEN")
    situation_famille: str = "CEL"
    sans_domicile_fixe: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def demandeur(self):
        return next((p for p in self.personnes if p.role == "DEM"), None)


def nir_pour(sexe, date_naissance, departement, index):
    """A valid NIR (with its key), unique for each `index` below 989,010 within a (sex, birth month)."""
    commune = 1 + (index // 999) % 990
    ordre = 1 + index % 999
    base = f"{sexe}{date_naissance:%y%m}{departement[:2]}{commune:03d}{ordre:03d}"
    return base + stdnum_nir.calc_check_digits(base)


def _weighted(rng, pairs):
    total = sum(weight for _, weight in pairs)
    pick = rng.random() * total
    for value, weight in pairs:
        pick -= weight
        if pick < 0:
            return value
    return pairs[-1][0]


def generer_foyers(nombre, *, seed=2026, departement="76", communes=COMMUNES_76, premier=0, aujourd_hui=None):
    """`nombre` households, the same for the same arguments. `premier` shifts matricules and NIRs so that two
    generated populations never share a person."""
    rng = Random(f"flux-{seed}-{departement}")
    today = aujourd_hui or datetime.date.today()
    personne_index = premier * 3
    for index in range(premier, premier + nombre):
        nom = rng.choice(SURNAMES).upper()
        date_demande = today - datetime.timedelta(
            days=rng.randint(0, 60) if rng.random() < 0.1 else rng.randint(61, 3 * 365)
        )
        couple = rng.random() < 0.3
        personnes = []
        sexe_dem = "2" if rng.random() < 0.55 else "1"
        roles = [("DEM", sexe_dem)] + ([("CJT", "1" if sexe_dem == "2" else "2")] if couple else [])
        for role, sexe in roles:
            naissance = today - datetime.timedelta(days=rng.randint(19 * 365, 64 * 365))
            prenom = rng.choice(FEMALE_FIRST_NAMES if sexe == "2" else MALE_FIRST_NAMES)
            personnes.append(
                PersonneFlux(
                    role=role,
                    nom=nom,
                    nom_naissance=nom if sexe == "1" or rng.random() < 0.6 else rng.choice(SURNAMES).upper(),
                    prenom=prenom.upper(),
                    date_naissance=naissance,
                    sexe=sexe,
                    nir=nir_pour(sexe, naissance, departement, personne_index),
                    droits_devoirs=rng.random() < 0.9,
                )
            )
            personne_index += 1
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            naissance = today - datetime.timedelta(days=rng.randint(100, 17 * 365))
            sexe = rng.choice("12")
            prenom = rng.choice(FEMALE_FIRST_NAMES if sexe == "2" else MALE_FIRST_NAMES)
            personnes.append(
                PersonneFlux(
                    role="ENF", nom=nom, prenom=prenom.upper(), date_naissance=naissance, sexe=sexe, nir=None,
                    droits_devoirs=None,
                )
            )  # fmt: skip
        etat = _weighted(rng, ETATS)
        code_insee, code_postal, commune = rng.choice(communes)
        type_voie, nom_voie = rng.choice(VOIES)
        foyer = FoyerFlux(
            matricule=str(1_000_000 + index),
            numero_demande=f"{departement[:2]}{index:09d}",
            date_demande=date_demande,
            personnes=personnes,
            organisme="MSA" if rng.random() < 0.04 else "CAF",
            etat=etat,
            adresse=(str(rng.randint(1, 180)), type_voie, nom_voie, code_insee, code_postal, commune.upper()),
            situation_famille="MAR" if couple else rng.choice(("CEL", "DIV", "SEP")),
        )
        if etat in ("3", "4"):
            foyer.motif_suspension = rng.choice(MOTIFS_SUSPENSION)
            foyer.date_suspension = today - datetime.timedelta(days=rng.randint(1, 200))
        if etat in ("5", "6"):
            foyer.motif_cloture = rng.choice(MOTIFS_CLOTURE)
            foyer.date_cloture = today - datetime.timedelta(days=rng.randint(1, 200))
        yield foyer


# --- Writing ------------------------------------------------------------------------------------------------


def _text(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return escape(str(value))


def _el(name, value):
    """One simple element; None leaves it out (how tests build a household missing a mandatory element)."""
    return "" if value is None else f"<{name}>{_text(value)}</{name}>"


def personne_xml(p: PersonneFlux, foyer: FoyerFlux):
    natpf = "RSA"
    parts = [
        "<Personne><Identification>",
        _el("QUAL", p.qualite),
        _el("NOM", p.nom),
        _el("NOMNAI", p.nom_naissance if p.nom_naissance is not None else p.nom),
        _el("PRENOM", p.prenom),
        _el("PRENOM2", p.prenom2),
        _el("NOMCOMNAI", p.commune_naissance),
        _el("DTNAI", p.date_naissance),
        _el("NIR", p.nir),
        _el("TOPVALIEC", True if p.nir else None),
        _el("SEXE", p.sexe),
        "</Identification><DossierCAF>",
        _el("TOPRESPDOS", p.role == "DEM"),
        _el("DDRATDOS", foyer.date_demande),
        _el("DFRATDOS", p.fin_rattachement),
        "</DossierCAF>",
        f"<Prestations><NATPREST>{natpf}</NATPREST><ROLEPERS>{p.role}</ROLEPERS>"
        f"<TOPCHAPERS>{'1' if p.role == 'ENF' else '0'}</TOPCHAPERS></Prestations>",
        f"<Prestations><NATPREST>PFA</NATPREST><ROLEPERS>{p.role}</ROLEPERS>"
        f"<TOPCHAPERS>{'1' if p.role == 'ENF' else '0'}</TOPCHAPERS></Prestations>",
    ]
    if p.droits_devoirs is not None:
        parts.append(
            f"<MontantCalculDroitRSAPersonne>{_el('TOPPERSDRODEVORSA', p.droits_devoirs)}"
            "</MontantCalculDroitRSAPersonne>"
        )
    parts.append("</Personne>")
    return "".join(parts)


def foyer_xml(foyer: FoyerFlux):
    numvoie, type_voie, nom_voie, code_insee, code_postal, commune = foyer.adresse
    situation = [_el("ETATDOSRSA", foyer.etat)]
    suspension = ""
    if foyer.motif_suspension:
        suspension = (
            f"<SuspensionVersement>{_el('MOTISUSVERSRSA', foyer.motif_suspension)}"
            f"{_el('DDSUSVERSRSA', foyer.date_suspension)}</SuspensionVersement>"
        )
    cloture = ""
    if foyer.motif_cloture:
        cloture = f"<FinDroit>{_el('MOTICLORSA', foyer.motif_cloture)}{_el('DTCLORSA', foyer.date_cloture)}</FinDroit>"
    enfants = sum(1 for p in foyer.personnes if p.role == "ENF")
    return "".join(
        [
            "<InfosFoyerRSA><IdentificationRSA><Organisme>",
            _el("FONORG", foyer.organisme),
            _el("NUMORG", foyer.numero_organisme),
            _el("MATRICULE", foyer.matricule),
            "</Organisme><Partenaire><TYPEPARTE>CG</TYPEPARTE><IDEPARTE>",
            escape(foyer.numero_demande[:2].rjust(3, "0")),
            "</IDEPARTE></Partenaire><DemandeRSA>",
            _el("DTDEMRSA", foyer.date_demande),
            _el("NUMDEMRSA", foyer.numero_demande),
            "</DemandeRSA></IdentificationRSA>",
            *(personne_xml(p, foyer) for p in foyer.personnes),
            "<DonneesAdministratives><SituationFamille>",
            _el("SITFAM", foyer.situation_famille),
            _el("DDSITFAM", foyer.date_demande),
            "</SituationFamille><Adresse><TroncCommunAdresse><RGADR>1</RGADR><PAYS>FRA</PAYS><TYPEADR>D</TYPEADR>"
            "<ETATADR>CO</ETATADR></TroncCommunAdresse><AdresseDetailleeFrance><COMPLIDEADR></COMPLIDEADR>"
            "<COMPLADR></COMPLADR>",
            _el("NUMVOIE", numvoie),
            _el("LIBTYPEVOIE", type_voie),
            _el("NOMVOIE", nom_voie),
            "<LIEUDIST></LIEUDIST>",
            _el("NUMCOM", code_insee),
            _el("CODEPOS", code_postal),
            _el("NOMCOM", commune),
            "</AdresseDetailleeFrance></Adresse></DonneesAdministratives>",
            "<PrestationRSA><SituationDossierRSA><EtatDossierRSA>",
            *situation,
            "</EtatDossierRSA>",
            suspension,
            cloture,
            "</SituationDossierRSA><DetailDroitRSA><TroncCommunDroitRSA>",
            _el("TOPSANSDOMFIXE", foyer.sans_domicile_fixe),
            _el("NBENFAUTCHA", enfants),
            "<ORIDEMRSA>RSA</ORIDEMRSA>",
            _el("DTORIDEMRSA", foyer.date_demande),
            _el("TOPFOYDRODEVORSA", any(p.droits_devoirs for p in foyer.personnes)),
            "</TroncCommunDroitRSA></DetailDroitRSA></PrestationRSA></InfosFoyerRSA>\n",
        ]
    )


def ecrire_flux(destination, foyers, *, date_reference=None, encodage=ENCODAGE, racine="Racine"):
    """Write a flux file to `destination` (a path or a binary file object); returns the number of households.

    Characters that the encoding cannot hold become character references, as the XML standard allows.
    """
    date_reference = date_reference or datetime.date.today()
    if isinstance(destination, str | bytes) or hasattr(destination, "__fspath__"):
        with open(destination, "wb") as handle:
            return ecrire_flux(handle, foyers, date_reference=date_reference, encodage=encodage, racine=racine)
    out = io.TextIOWrapper(destination, encoding=encodage, errors="xmlcharrefreplace", newline="\n")
    out.write(f'<?xml version="1.0" encoding="{encodage}"?>\n<{racine}>\n')
    out.write(
        "<IdentificationFlux><APPLIEME>CRI</APPLIEME><NUMVERSIONAPPLIEME>V8.1</NUMVERSIONAPPLIEME>"
        f"<TYPEFLUX>M</TYPEFLUX><NATFLUX>B</NATFLUX><DTCREAFLUX>{date_reference.isoformat()}</DTCREAFLUX>"
        f"<HEUCREAFLUX>02:00:00</HEUCREAFLUX><DTREF>{date_reference.isoformat()}</DTREF></IdentificationFlux>\n"
    )
    count = 0
    for foyer in foyers:
        out.write(foyer_xml(foyer))
        count += 1
    out.write(
        f"<TransmissionFlux><NBTOTDOSRSATRANSM>{count}</NBTOTDOSRSATRANSM>"
        f"<NBTOTDOSRSATRANSMANO>0</NBTOTDOSRSATRANSMANO></TransmissionFlux>\n</{racine}>\n"
    )
    out.flush()
    out.detach()
    return count


def flux_bytes(foyers, **kwargs) -> bytes:
    """The whole file in memory (small test files)."""
    buffer = io.BytesIO()
    ecrire_flux(buffer, list(foyers), **kwargs)
    return buffer.getvalue()
