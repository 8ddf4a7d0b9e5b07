"""CAF/MSA flux integrity: the file's département and month, the identity of the people, duplicates, leavers,
lenient households, French messages and the orientation queue. Files are built from the official schema by the
generator (`partenaires.dev.generation_flux`)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carnet.models import Beneficiaire, Carnet, Evenement, TypeEvenement
from partenaires.dev.generation_flux import flux_bytes
from partenaires.models import EmpreinteFlux
from spie.tenancy import departement_scope
from tests.partenaires.test_flux import TODAY, foyer, personne, writes

MOIS = datetime.date(2026, 11, 30)


# --- (3) Another département's file ------------------------------------------------------------------------------


def test_a_file_of_another_departement_is_refused_before_any_write(dep_a, deposer):
    households = [foyer(0), foyer(1, numero_demande="27000000001"), foyer(2)]  # IDEPARTE 076, 027, 076
    with CaptureQueriesContext(connection) as queries:
        run = deposer(flux_bytes(households))
    assert run.statut == "echec" and run.crees == 0
    message = run.rapport["message"]
    assert "IDEPARTE" in message and "« 027 »" in message and "foyer n° 2" in message and "76" in message
    assert writes(queries.captured_queries) == []
    with departement_scope(dep_a):
        assert not Beneficiaire.objects.exists()


# --- (4) An older month, TransmissionFlux ----------------------------------------------------------------------


def test_an_older_file_is_refused_unless_the_admin_confirms_a_replay(dep_a, deposer):
    household = foyer(0)
    november = deposer(flux_bytes([household], date_reference=MOIS))
    assert november.statut == "termine" and november.organisme == "CAF 761"
    household.etat = "4"
    household.motif_suspension, household.date_suspension = "06", MOIS - datetime.timedelta(days=40)
    october = flux_bytes([household], date_reference=datetime.date(2026, 10, 31))
    refused = deposer(october)
    assert refused.statut == "echec" and "DTREF" in refused.rapport["message"]
    assert "30/11/2026" in refused.rapport["message"] and "31/10/2026" in refused.rapport["message"]
    with departement_scope(dep_a):
        assert Beneficiaire.objects.get().etat_droit_rsa == "2"  # not rolled back
    replay = deposer(october, rejeu=True)
    assert replay.statut == "termine" and replay.rejeu and replay.mis_a_jour == 1
    assert any("Rejeu confirmé" in a for a in replay.rapport["avertissements"])
    with departement_scope(dep_a):
        assert Beneficiaire.objects.get().etat_droit_rsa == "4"


def test_the_same_month_again_and_a_later_month_are_accepted(deposer):
    assert deposer(flux_bytes([foyer(0)], date_reference=MOIS)).statut == "termine"
    assert deposer(flux_bytes([foyer(0)], date_reference=MOIS)).statut == "termine"
    assert deposer(flux_bytes([foyer(0)], date_reference=MOIS + datetime.timedelta(days=31))).statut == "termine"


def test_the_order_of_files_is_per_sending_organism(deposer):
    assert deposer(flux_bytes([foyer(0)], date_reference=MOIS)).statut == "termine"
    msa = foyer(1, organisme="MSA", numero_organisme="762")
    assert deposer(flux_bytes([msa], date_reference=datetime.date(2026, 10, 31))).statut == "termine"


def test_a_file_without_transmission_block_is_refused(dep_a, deposer):
    content = flux_bytes([foyer(0)])
    start, end = content.index(b"<TransmissionFlux>"), content.index(b"</TransmissionFlux>")
    run = deposer(content[:start] + content[end + len(b"</TransmissionFlux>") :])
    assert run.statut == "echec" and "TransmissionFlux" in run.rapport["message"] and run.crees == 0


def test_a_file_whose_announced_count_differs_is_refused(dep_a, deposer):
    content = flux_bytes([foyer(0), foyer(1)])
    run = deposer(content.replace(b"<NBTOTDOSRSATRANSM>2<", b"<NBTOTDOSRSATRANSM>3<"))
    assert (
        run.statut == "echec"
        and "annonce 3 foyers" in run.rapport["message"]
        and "contient 2" in run.rapport["message"]
    )
    with departement_scope(dep_a):
        assert not Beneficiaire.objects.exists() and not EmpreinteFlux.objects.exists()


# --- (5) Duplicates inside a file --------------------------------------------------------------------------------


@pytest.mark.parametrize("lot", [2, 1000])
def test_duplicates_are_reported_by_position_applied_once_and_a_rerun_writes_nothing(dep_a, deposer, monkeypatch, lot):
    from partenaires.flux import services

    monkeypatch.setattr(services, "LOT", lot)
    first = foyer(0)
    copy = foyer(0, etat="4", motif_suspension="06", date_suspension=TODAY - datetime.timedelta(days=3))
    applicant = personne("DEM", index=50)
    twice = [foyer(5, personnes=[applicant]), foyer(6, personnes=[personne("DEM", index=50)])]
    content = flux_bytes([first, foyer(1), foyer(2), copy, *twice])
    run = deposer(content)
    assert (run.crees, run.rejetes) == (4, 2)
    rejets = {r["position"]: r["motif"] for r in run.rejets}
    assert "foyer n° 1" in rejets[4] and "MATRICULE" in rejets[4]
    assert "foyer n° 5" in rejets[6] and "demandeur" in rejets[6]
    with departement_scope(dep_a):
        assert Beneficiaire.objects.get(numero_allocataire=first.matricule).etat_droit_rsa == "2"  # the first copy
        events = Evenement.objects.count()
    with CaptureQueriesContext(connection) as queries:
        again = deposer(content)
    assert (again.crees, again.mis_a_jour, again.rejetes) == (0, 0, 2)
    assert writes(queries.captured_queries) == []
    with departement_scope(dep_a):
        assert Evenement.objects.count() == events


# --- (2) People leaving the household ----------------------------------------------------------------------------


def test_a_spouse_whose_attachment_ended_leaves_the_queue_with_a_timeline_event(dep_a, deposer):
    from orientation.queue import nouvel_entrant_q

    demandeur, conjoint = personne("DEM", index=1), personne("CJT", index=2)
    household = foyer(0, personnes=[demandeur, conjoint])
    deposer(flux_bytes([household]))
    conjoint.fin_rattachement = TODAY - datetime.timedelta(days=20)
    run = deposer(flux_bytes([household]))
    assert (run.mis_a_jour, run.inchanges) == (1, 1)
    with departement_scope(dep_a):
        spouse = Beneficiaire.objects.select_related("carnet").get(role_foyer="cjt")
        assert spouse.date_fin_rattachement == conjoint.fin_rattachement and spouse.numero_allocataire  # history kept
        queue = set(Carnet.objects.filter(nouvel_entrant_q()).values_list("beneficiaire__role_foyer", flat=True))
        assert queue == {"dem"}
        event = Evenement.objects.get(carnet=spouse.carnet, type=TypeEvenement.RATTACHEMENT)
        assert "Ne fait plus partie du foyer" in event.resume
    again = deposer(flux_bytes([household]))
    assert (again.mis_a_jour, again.inchanges) == (0, 2)


def test_a_new_household_does_not_create_a_spouse_who_already_left(dep_a, deposer):
    left = personne("CJT", index=2, fin_rattachement=TODAY - datetime.timedelta(days=40))
    run = deposer(flux_bytes([foyer(0, personnes=[personne("DEM", index=1), left])]))
    assert run.crees == 1
    with departement_scope(dep_a):
        assert list(Beneficiaire.objects.values_list("role_foyer", flat=True)) == ["dem"]


# --- (7) Messages in clear French --------------------------------------------------------------------------------


def test_schema_messages_name_the_element_the_rule_and_the_line(deposer):
    households = [foyer(index=i) for i in range(4)]
    households[0].personnes[0].nom = "X" * 60  # NOM: 28 characters at most
    households[1].personnes[0].date_naissance = "1990-02-30"  # well formed, impossible
    households[2].matricule = "1234567890123456789"  # MATRICULE: totalDigits
    run = deposer(flux_bytes(households))
    rejets = {r["position"]: r for r in run.rejets}
    assert "NOM : valeur trop longue" in rejets[1]["motif"] and "caractères au plus" in rejets[1]["motif"]
    assert "DTNAI : date impossible" in rejets[2]["motif"]
    assert "MATRICULE" in rejets[3]["motif"] and (
        "trop de chiffres" in rejets[3]["motif"] or "trop longue" in rejets[3]["motif"]
    )
    assert all(r["motif"].count("ligne ") >= 1 for r in rejets.values())


def test_an_unescaped_ampersand_is_named_as_such(deposer):
    content = flux_bytes([foyer(0)]).replace(b"DES \xc9COLES", b"DES \xc9COLES & CIE")
    run = deposer(content)
    assert run.statut == "echec" and "« & »" in run.rapport["message"] and "DOCTYPE" not in run.rapport["message"]


# --- (6) Household-level leniency, (8) smaller fixes ---------------------------------------------------------------


def test_a_bad_nir_key_drops_the_nir_with_a_warning_and_keeps_the_household(dep_a, deposer):
    applicant = personne("DEM", index=1)
    applicant.nir = applicant.nir[:13] + ("00" if applicant.nir[13:] != "00" else "01")
    run = deposer(flux_bytes([foyer(0, personnes=[applicant, personne("CJT", index=2)])]))
    assert (run.crees, run.rejetes) == (2, 0)
    assert any("Foyer n° 1" in a and "NIR invalide" in a for a in run.rapport["avertissements"])
    with departement_scope(dep_a):
        assert dict(Beneficiaire.objects.values_list("role_foyer", "nir_hash"))["dem"] == ""


def test_an_empty_first_name_keeps_the_person_and_the_spouse_with_a_warning(dep_a, deposer):
    run = deposer(flux_bytes([foyer(0, personnes=[personne("DEM", index=1), personne("CJT", index=2, prenom="")])]))
    assert (run.crees, run.rejetes) == (2, 0)
    assert any("prénom (PRENOM) vide pour le conjoint" in a for a in run.rapport["avertissements"])


def test_state_3_takes_the_right_suspension_reason_and_places_keep_their_particles(dep_a, deposer):
    household = foyer(0, etat="3")
    household.personnes[0].commune_naissance = "SAINT-ÉTIENNE-DU-ROUVRAY"
    content = flux_bytes([household]).replace(
        b"</EtatDossierRSA>",
        b"</EtatDossierRSA><SuspensionDroit><MOTISUSDRORSA>DA</MOTISUSDRORSA>"
        b"<DDSUSDRORSA>2026-11-02</DDSUSDRORSA></SuspensionDroit>",
    )
    run = deposer(content)
    assert run.crees == 1, run.rejets
    with departement_scope(dep_a):
        person = Beneficiaire.objects.get()
    assert person.motif_suspension == "DA" and person.lieu_naissance == "Saint-Étienne-du-Rouvray"
