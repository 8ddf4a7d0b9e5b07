"""Identity-safe matching of the CAF/MSA flux: a CAF/MSA number + role is confirmed by the identity, never merged
otherwise; the conflicts page where the département admin decides."""

import datetime

import pytest
from django.urls import reverse

from carnet.models import Beneficiaire, ConflitIdentite, Evenement, TypeEvenement
from carnet.nir import nir_hash
from partenaires.dev.generation_flux import flux_bytes, nir_pour
from spie.tenancy import departement_scope
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory
from tests.partenaires.test_flux import foyer, personne

NAISSANCE = datetime.date(1985, 3, 14)  # the birth date of `personne("DEM", index=0)`


def connu(dep, **values):
    defaults = {
        "departement": dep,
        "numero_allocataire": "2000000",
        "role_foyer": "dem",
        "nom_usage": "Martin",
        "nom_naissance": "",
        "prenoms": "Claire",
        "date_naissance": NAISSANCE,
        "etat_droit_rsa": "0",
    }
    defaults.update(values)
    nir = defaults.pop("nir", "")
    with departement_scope(dep):
        person = BeneficiaireFactory(**defaults)
        if nir:
            person.set_nir(nir)
            person.save()
        CarnetFactory(departement=dep, beneficiaire=person)
    return person


def test_same_number_and_role_with_another_identity_is_never_merged(dep_a, deposer):
    known = connu(dep_a)
    other = personne("DEM", index=0, prenom="SOPHIE", date_naissance=datetime.date(1990, 6, 1), sexe="2")
    run = deposer(flux_bytes([foyer(0, personnes=[other]), foyer(1)]))
    assert (run.crees, run.mis_a_jour, run.rejetes) == (1, 0, 1)  # household 2 goes on
    assert run.rejets[0]["position"] == 1 and "Conflit d'identité" in run.rejets[0]["motif"]
    known.refresh_from_db()
    assert (known.etat_droit_rsa, known.nir_hash, known.prenoms) == ("0", "", "Claire")  # untouched
    with departement_scope(dep_a):
        conflit = ConflitIdentite.objects.get()
        assert conflit.beneficiaire == known and conflit.recu["prenoms"] == "Sophie"
        assert conflit.recu["date_naissance"] == "1990-06-01" and conflit.position == 1
    again = deposer(flux_bytes([foyer(0, personnes=[other]), foyer(1)]))
    assert again.rejetes == 1
    with departement_scope(dep_a):
        assert ConflitIdentite.objects.count() == 1  # recorded once


def test_a_new_spouse_without_nir_is_not_absorbed_into_the_former_spouse(dep_a, deposer):
    former = connu(
        dep_a, role_foyer="cjt", prenoms="Paul", nom_usage="Martin", date_naissance=datetime.date(1980, 1, 2)
    )
    spouse = personne("CJT", index=1, prenom="KARIM", nom="BENALI", nir=None, date_naissance=datetime.date(1979, 5, 5))
    run = deposer(flux_bytes([foyer(0, personnes=[personne("DEM", index=0), spouse])]))
    assert run.rejetes == 1 and run.crees == 0
    former.refresh_from_db()
    assert former.prenoms == "Paul" and former.date_naissance == datetime.date(1980, 1, 2)


def test_identity_is_compared_without_accents_nor_case_and_by_birth_or_usage_name(dep_a, deposer):
    known = connu(dep_a, nom_usage="Lefèvre", nom_naissance="Guérin", prenoms="Françoise Anne")
    married = personne("DEM", index=0, nom="DURAND", nom_naissance="GUERIN", prenom="FRANCOISE")
    run = deposer(flux_bytes([foyer(0, personnes=[married])]))
    assert (run.crees, run.mis_a_jour, run.rejetes) == (0, 1, 0)
    known.refresh_from_db()
    assert known.etat_droit_rsa == "2" and known.nir_hash == nir_hash(married.nir)


def test_a_temporary_nia_is_replaced_by_the_definitive_nir_of_the_same_identity(dep_a, deposer):
    nia = "7851299123456" + "13"
    known = connu(dep_a, nir=nia)
    definitive = personne("DEM", index=0)
    run = deposer(flux_bytes([foyer(0, personnes=[definitive])]))
    assert (run.crees, run.mis_a_jour, run.rejetes) == (0, 1, 0)
    known.refresh_from_db()
    assert known.nir_hash == nir_hash(definitive.nir)


def test_another_definitive_nir_for_the_same_identity_is_a_conflict(dep_a, deposer):
    connu(dep_a, nir=nir_pour("2", NAISSANCE, "76", 999))
    run = deposer(flux_bytes([foyer(0)]))
    assert run.rejetes == 1 and "NIR différent" in run.rejets[0]["motif"]
    with departement_scope(dep_a):
        assert ConflitIdentite.objects.count() == 1


# --- The conflicts page -------------------------------------------------------------------------------------------


@pytest.fixture
def conflit(dep_a, deposer):
    known = connu(dep_a)
    other = personne("DEM", index=0, prenom="SOPHIE", date_naissance=datetime.date(1990, 6, 1))
    content = flux_bytes([foyer(0, personnes=[other])])
    deposer(content)
    with departement_scope(dep_a):
        return ConflitIdentite.objects.get(), known, content


def test_admin_sees_both_identities_side_by_side(client_admin_a, conflit, django_assert_max_num_queries):
    row, known, _ = conflit
    response = client_admin_a.get(reverse("carnet:conflits"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Claire" in text and "Sophie" in text and "14/03/1985" in text and "01/06/1990" in text
    assert "Même personne" in text and "Personne différente" in text
    assert nir_pour("2", datetime.date(1990, 6, 1), "76", 500_000) not in text  # never a NIR


def test_same_person_takes_the_identity_received_then_the_next_file_updates_them(
    client_admin_a, conflit, deposer, dep_a
):
    row, known, content = conflit
    response = client_admin_a.post(
        reverse("carnet:conflit_decider", kwargs={"uid": row.uid}), {"decision": "meme_personne"}
    )
    assert response.status_code == 302
    known.refresh_from_db()
    assert known.prenoms == "Sophie" and known.date_naissance == datetime.date(1990, 6, 1) and known.nir_hash
    row.refresh_from_db()
    assert row.statut == "meme_personne" and row.resolu_par is not None
    run = deposer(content)
    assert (run.crees, run.mis_a_jour, run.rejetes) == (0, 1, 0)
    known.refresh_from_db()
    assert known.etat_droit_rsa == "2"
    with departement_scope(dep_a):
        assert Evenement.objects.filter(carnet__beneficiaire=known, type=TypeEvenement.CONFLIT_IDENTITE).exists()


def test_different_person_frees_the_number_then_the_next_file_creates_the_person(
    client_admin_a, conflit, deposer, dep_a
):
    row, known, content = conflit
    client_admin_a.post(
        reverse("carnet:conflit_decider", kwargs={"uid": row.uid}), {"decision": "personne_differente"}
    )
    known.refresh_from_db()
    assert known.numero_allocataire == "" and known.prenoms == "Claire"
    run = deposer(content)
    assert (run.crees, run.rejetes) == (1, 0)
    with departement_scope(dep_a):
        assert Beneficiaire.objects.get(numero_allocataire="2000000").prenoms == "Sophie"


def test_conflicts_page_is_for_the_departement_admin(client_agent_a, client_admin_b, conflit):
    row = conflit[0]
    url = reverse("carnet:conflit_decider", kwargs={"uid": row.uid})
    assert client_agent_a.get(reverse("carnet:conflits")).status_code == 403
    assert client_agent_a.post(url, {"decision": "meme_personne"}).status_code == 403
    assert client_admin_b.post(url, {"decision": "meme_personne"}).status_code == 404
    row.refresh_from_db()
    assert row.statut == "a_resoudre"
