"""An outgoing mutation in the CAF/MSA flux (`OrganismePrenant`) proposes the transfer of the people of the household
to the département of the organism that takes it over; the receiving admin accepts or refuses it."""

import datetime

from carnet.models import OrigineTransfert, StatutTransfert, TransfertCarnet
from carnet.services.transfert import transfert_accepter
from partenaires.dev.generation_flux import flux_bytes
from partenaires.flux.mutations import departement_de_l_organisme
from spie.models import Departement
from spie.tenancy import departement_scope
from tests.partenaires.test_flux import foyer, personne

MOIS = datetime.date(2026, 11, 30)
DECEMBRE = datetime.date(2026, 12, 31)


def avec_mutation(content, matricule, numero, depart="2026-12-02"):
    """The file with an `OrganismePrenant` block in the household of `matricule` (the schema's place: last block of
    IdentificationRSA)."""
    debut = content.index(f"<MATRICULE>{matricule}</MATRICULE>".encode())
    fin = content.index(b"</IdentificationRSA>", debut)
    bloc = (
        f"<OrganismePrenant><FONORGPRENMUT>CAF</FONORGPRENMUT><NUMORGPRENMUT>{numero}</NUMORGPRENMUT>"
        f"<DDDEPAMUT>{depart}</DDDEPAMUT></OrganismePrenant>"
    ).encode()
    return content[:fin] + bloc + content[fin:]


def test_the_organism_number_names_the_departement(dep_a, dep_b):
    departements = {d.code: d for d in Departement.objects.all()}
    assert departement_de_l_organisme("081", departements) == dep_b
    assert departement_de_l_organisme("762", departements) == dep_a
    assert departement_de_l_organisme("999", departements) is None
    assert departement_de_l_organisme("", departements) is None


def test_an_outgoing_mutation_proposes_a_transfer_the_receiving_admin_accepts(dep_a, dep_b, admin_b, deposer):
    couple = foyer(0, personnes=[personne("DEM", index=0), personne("CJT", index=1)])
    assert deposer(flux_bytes([couple, foyer(1)], date_reference=MOIS)).statut == "termine"

    contenu = avec_mutation(flux_bytes([couple, foyer(1)], date_reference=DECEMBRE), couple.matricule, "081")
    run = deposer(contenu)
    assert run.statut == "termine", run.rapport
    transferts = TransfertCarnet.unscoped_objects.filter(statut=StatutTransfert.PROPOSE)
    assert transferts.count() == 2  # the applicant and the spouse, not the other household
    assert {t.carnet.beneficiaire.role_foyer for t in transferts} == {"dem", "cjt"}
    for transfert in transferts:
        assert transfert.origine == OrigineTransfert.FLUX
        assert transfert.departement_origine == dep_a and transfert.departement_destination == dep_b
        assert transfert.date_mutation == datetime.date(2026, 12, 2)

    # The same file again proposes nothing more.
    assert deposer(contenu).statut == "termine"
    assert TransfertCarnet.unscoped_objects.filter(statut=StatutTransfert.PROPOSE).count() == 2

    transfert = transferts.first()
    with departement_scope(dep_b):
        transfert_accepter(transfert=transfert, par=admin_b)
    transfert.carnet.refresh_from_db()
    assert transfert.carnet.departement_id == dep_b.pk


def test_a_mutation_to_an_unknown_organism_is_a_warning(dep_a, deposer):
    contenu = avec_mutation(flux_bytes([foyer(0)], date_reference=MOIS), foyer(0).matricule, "999")
    run = deposer(contenu)
    assert run.statut == "termine"
    assert any("organisme 999" in a and "aucun transfert" in a for a in run.rapport["avertissements"])
    assert not TransfertCarnet.unscoped_objects.exists()
