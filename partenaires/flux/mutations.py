"""Outgoing mutations of the CAF/MSA flux: a household that moved to another département is proposed for transfer.

The XSD's `OrganismePrenant` block ("transmis dans les flux quotidiens et dans le flux mensuel du mois de mutation
sortante") names the CAF or MSA that takes the household over (FONORGPRENMUT, NUMORGPRENMUT) and the day it left
(DDDEPAMUT). An organism's number is its département's code followed by its rank (CAF 761 and 762 for
Seine-Maritime, 081 for the Ardennes, 971 for Guadeloupe): the receiving département is read from it. For every
applicant and spouse of that household known in the uploader's département (by the CAF/MSA number the flux has just
written), a transfer is proposed to that département (`carnet.services.transfert`, origin "flux"); its admins
accept or refuse it. A household whose organism number names no known département, or a carnet that cannot be
proposed (an open sanction file, a transfer already waiting), gets a warning in the run's report.

Run once at the end of an import, apart from the import's own batches: the file is only parsed again when it
holds the block at all (a byte search), so that a month without mutations costs nothing.
"""

import datetime

from lxml import etree

from partenaires.flux.lecture import FOYER, PARSER_OPTIONS, _open, _release

BALISE = b"<OrganismePrenant"
FENETRE = 1 << 20


def contient_des_mutations(source) -> bool:
    handle, close = _open(source)
    try:
        reste = b""
        while bloc := handle.read(FENETRE):
            if BALISE in reste + bloc:
                return True
            reste = bloc[-len(BALISE) :]
        return False
    finally:
        if close:
            handle.close()


def lire_mutations(source):
    """(position, MATRICULE, NUMORGPRENMUT, DDDEPAMUT) of each household carrying an `OrganismePrenant` block."""
    handle, close = _open(source)
    try:
        position = 0
        for _, element in etree.iterparse(handle, events=("end",), tag=FOYER, **PARSER_OPTIONS):
            position += 1
            prenant = element.find("IdentificationRSA/OrganismePrenant")
            if prenant is not None:
                matricule = (element.findtext("IdentificationRSA/Organisme/MATRICULE") or "").strip()
                yield (
                    position,
                    matricule,
                    (prenant.findtext("NUMORGPRENMUT") or "").strip(),
                    (prenant.findtext("DDDEPAMUT") or "").strip(),
                )
            _release(element)
    finally:
        if close:
            handle.close()


def departement_de_l_organisme(numero, departements):
    """The département whose code starts the organism's number ("761" → 76, "971" → 971), or None."""
    numero = numero.strip().upper()
    for longueur in (3, 2):
        code = numero[:longueur]
        if len(numero) > 2 and code in departements:
            return departements[code]
    return None


def _date(texte):
    try:
        return datetime.date.fromisoformat(texte)
    except ValueError:
        return None


def mutations_proposer(*, departement, source) -> list[str]:
    """Propose the transfers the file announces; returns the warnings (French) for the run's report."""
    from carnet.models import Carnet, OrigineTransfert, RoleFoyer
    from carnet.services.base import RegleMetier
    from carnet.services.transfert import transfert_en_cours, transfert_proposer
    from spie.models import Departement

    if not contient_des_mutations(source):
        return []
    departements = {d.code.upper(): d for d in Departement.objects.filter(actif=True)}
    avertissements = []
    for position, matricule, numero, depart in lire_mutations(source):
        vers = departement_de_l_organisme(numero, departements)
        if vers is None or vers.pk == departement.pk:
            avertissements.append(
                f"Foyer n° {position} : mutation vers l'organisme {numero or '(sans numéro)'}, qui ne correspond à "
                "aucun autre département de la plateforme : aucun transfert proposé."
            )
            continue
        if not matricule.isdigit():
            continue
        carnets = Carnet.objects.filter(
            beneficiaire__numero_allocataire=str(int(matricule)),
            beneficiaire__role_foyer__in=[RoleFoyer.DEMANDEUR, RoleFoyer.CONJOINT],
        ).select_related("beneficiaire")
        for carnet in carnets:
            if transfert_en_cours(carnet) is not None:
                continue
            try:
                transfert_proposer(
                    carnet=carnet,
                    vers=vers,
                    origine=OrigineTransfert.FLUX,
                    motif=f"Mutation CAF/MSA vers l'organisme {numero}",
                    date_mutation=_date(depart),
                )
            except RegleMetier as error:
                avertissements.append(
                    f"Foyer n° {position} : transfert vers le département {vers.code} non proposé : {error}"
                )
    return avertissements
