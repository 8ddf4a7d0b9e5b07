"""The national criteria and the explainable proposal: each default rule, the default of R.262-65-3 when
criteria are missing, the mapping of the orientation types to the three paths, a decision against the
proposal recording its reason (and refused without one, nothing written)."""

import datetime

import pytest

from carnet.services import RegleMetier
from orientation import criteres, services
from orientation.models import Orientation, StatutDossier
from tests.orientation.factories import DiagnosticFactory, DossierFactory, dispositif
from tests.spie.factories import StructureFactory

JOUR = datetime.date(2026, 12, 7)
ADULTE = datetime.date(1980, 5, 1)


def _data(rqth=False, **kw):
    base = {
        "activite_recente": "non",
        "inactivite": "1_2_ans",
        "qualification": "3",
        "aspiration": "retour_rapide",
        "difficultes": {},
    }
    base.update(kw)
    return {"criteres": base, "rqth": {"rqth": rqth}}


@pytest.mark.parametrize(
    "data,naissance,regle,parcours,organisme",
    [
        (_data(), datetime.date(2003, 1, 1), "jeune", "emploi", "mission_locale"),
        (_data(rqth=True), ADULTE, "handicap", "emploi", "cap_emploi"),
        (
            _data(difficultes={"sante": "fort", "logement": "fort"}),
            ADULTE,
            "freins_multiples",
            "social",
            "departement",
        ),
        (
            _data(activite_recente="oui", difficultes={"mobilite": "moyen"}),
            ADULTE,
            "proche_emploi",
            "emploi",
            "france_travail",
        ),
        (_data(difficultes={"logement": "fort"}), ADULTE, "difficulte_forte", "socio_professionnel", "departement"),
        (_data(aspiration="projet_a_construire"), ADULTE, "projet", "socio_professionnel", "departement"),
        (_data(), ADULTE, "emploi", "emploi", "france_travail"),
        ({"criteres": {"activite_recente": "oui"}}, ADULTE, "information_manquante", "social", "departement"),
    ],
)
def test_each_rule_fires_with_its_reason(data, naissance, regle, parcours, organisme):
    proposition = criteres.proposer(data, date_naissance=naissance, jour=JOUR)
    assert (proposition.regle, proposition.parcours, proposition.organisme) == (regle, parcours, organisme)
    assert proposition.explication


def test_a_young_person_with_strong_difficulties_is_not_sent_to_the_mission_locale_first():
    data = _data(difficultes={"sante": "fort", "logement": "fort"})
    assert criteres.proposer(data, date_naissance=datetime.date(2003, 1, 1), jour=JOUR).regle == "freins_multiples"


def test_age_is_counted_on_the_day_of_the_interview():
    assert criteres.age(datetime.date(2000, 12, 8), JOUR) == 25
    assert criteres.age(datetime.date(2000, 12, 7), JOUR) == 26


def test_rules_are_data_evaluated_in_order():
    regles = [
        {
            "code": "tout",
            "libelle": "Tout",
            "si": {},
            "parcours": "social",
            "organisme": "departement",
            "pourquoi": "essai",
        }
    ] + criteres.REGLES_PAR_DEFAUT
    assert criteres.proposer(_data(), date_naissance=ADULTE, jour=JOUR, regles=regles).regle == "tout"


def test_existing_types_map_to_the_three_paths():
    assert criteres.PARCOURS_DU_TYPE == {"pro": "emploi", "socio_pro": "socio_professionnel", "social": "social"}
    assert "autre" not in criteres.PARCOURS_DU_TYPE


@pytest.fixture
def dossier_termine(dep_a, charge, scope_a):
    dossier = DossierFactory(
        carnet__departement=dep_a,
        carnet__beneficiaire__date_naissance=ADULTE,
        statut=StatutDossier.DIAGNOSTIC_TERMINE,
        charge_orientation=charge,
    )
    DiagnosticFactory(dossier=dossier, termine=True, data=_data(difficultes={"logement": "fort"}))
    return dossier


def _propose(dossier, charge, type_orientation, motif_ecart=""):
    return services.orientation_propose(
        dossier=dossier,
        type_orientation=type_orientation,
        dispositif=dispositif(dossier.departement, type_orientation),
        structure=StructureFactory(departement=dossier.departement),
        referent=None,
        motif="Projet discuté",
        motif_ecart=motif_ecart,
        auteur=charge,
        auteur_structure=None,
    )


def test_a_decision_following_the_proposal_keeps_the_rule(dossier_termine, charge):
    orientation = _propose(dossier_termine, charge, "socio_pro")
    assert (orientation.parcours_propose, orientation.regle_proposition) == ("socio_professionnel", "difficulte_forte")
    assert orientation.motif_ecart == ""


def test_a_decision_against_the_proposal_needs_a_reason_and_records_it(dossier_termine, charge):
    with pytest.raises(RegleMetier, match="indiquez pourquoi"):
        _propose(dossier_termine, charge, "pro")
    assert not Orientation.objects.exists()
    dossier_termine.refresh_from_db()
    assert dossier_termine.statut == StatutDossier.DIAGNOSTIC_TERMINE
    orientation = _propose(dossier_termine, charge, "pro", motif_ecart="Une promesse d'embauche la semaine prochaine")
    assert orientation.motif_ecart == "Une promesse d'embauche la semaine prochaine"
    assert orientation.parcours_propose == "socio_professionnel"


def test_proposal_page_shows_the_rule_and_why(client_charge, dossier_termine):
    from django.urls import reverse

    page = client_charge.get(reverse("orientation:proposer", kwargs={"uid": dossier_termine.uid})).content.decode()
    assert "Proposition des critères nationaux : parcours socio-professionnel" in page
    assert "Une difficulté à fort impact" in page


def test_the_organisme_referent_does_not_read_the_proposal_nor_the_reason(dossier_termine, charge, dep_a):
    from django.urls import reverse

    from tests.conftest import logged_client
    from tests.spie.factories import MembershipFactory

    orientation = _propose(dossier_termine, charge, "pro", motif_ecart="Promesse signée lundi")
    manager = MembershipFactory(structure=orientation.structure, role="responsable_structure").user
    page = logged_client(manager).get(reverse("orientation:orientation", kwargs={"uid": orientation.uid}))
    assert page.status_code == 200
    assert "Promesse signée lundi" not in page.content.decode()
    assert "critères nationaux" not in page.content.decode()
    page = logged_client(charge).get(reverse("orientation:orientation", kwargs={"uid": orientation.uid}))
    assert "Promesse signée lundi" in page.content.decode()
