"""Indicator definitions on hand-built cohorts (edge cases: no decision yet, decision before the entry date,
several orientations, other département), the stored series, and the nightly task run twice.

Every cohort is dated in September 2026 and computed as if today were 21 November 2026, so that the
results do not depend on the day the tests run.
"""

import datetime

import pytest

from carnet.models import MembreGroupe
from spie.tenancy import departement_scope
from suivi import tasks
from suivi.indicateurs import calcul
from suivi.indicateurs.definitions import INDICATEURS, PAR_CODE
from suivi.models import Perimetre, ReglesRappel, ValeurIndicateur
from tests.carnet.factories import CarnetFactory, ContratFactory, MembreGroupeFactory, RendezVousFactory
from tests.orientation.factories import DemandeReorientationFactory, DossierFactory, OrientationFactory, make_commune
from tests.spie.factories import StructureFactory, TerritoireFactory, UserFactory

pytestmark = pytest.mark.django_db

SEPTEMBRE = datetime.date(2026, 9, 1)
AUJOURDHUI = datetime.date(2026, 11, 21)
D = datetime.date


def personne(departement, entree, *, commune=None, droit="2"):
    return CarnetFactory(
        departement=departement,
        beneficiaire__date_entree_rsa=entree,
        beneficiaire__commune=commune,
        beneficiaire__etat_droit_rsa=droit,
    )


def decider(carnet, decision, structure, *, premier_rdv=None, reorientation=False, type_orientation="pro"):
    dossier = DossierFactory(
        carnet=carnet,
        statut="oriente",
        date_decision=decision,
        date_premier_rdv_accompagnement=premier_rdv,
        demande_reorientation=DemandeReorientationFactory(carnet=carnet, structure=structure)
        if reorientation
        else None,
    )
    OrientationFactory(
        dossier=dossier,
        structure=structure,
        validee=True,
        est_reorientation=reorientation,
        type_orientation=type_orientation,
    )
    return dossier


def valeur(departement, code, mois=SEPTEMBRE, **perimetre):
    perimetre.setdefault("perimetre", Perimetre.DEPARTEMENT)
    with departement_scope(departement):
        return ValeurIndicateur.objects.get(code=code, mois=mois, **perimetre)


@pytest.fixture
def territoire(dep_a):
    commune = make_commune("76540", "Rouen")
    territoire = TerritoireFactory(departement=dep_a, nom="Rouen et alentours")
    territoire.communes.add(commune)
    return territoire


def test_entry_to_decision_delay_on_a_hand_built_cohort(dep_a, dep_b, territoire):
    s1, s2 = StructureFactory(departement=dep_a), StructureFactory(departement=dep_a)
    rouen = territoire.communes.get()
    decider(personne(dep_a, D(2026, 9, 1), commune=rouen), D(2026, 9, 11), s1)  # 10 days
    decider(personne(dep_a, D(2026, 9, 5), commune=rouen), D(2026, 10, 25), s2)  # 50 days
    personne(dep_a, D(2026, 9, 10))  # no decision, window over: counted as late, not in the mean
    decider(personne(dep_a, D(2026, 9, 20)), D(2026, 8, 15), s1)  # decided before entering: excluded
    plusieurs = personne(dep_a, D(2026, 9, 3))
    decider(plusieurs, D(2026, 9, 23), s1)  # 20 days; the réorientation below does not change it
    decider(plusieurs, D(2026, 10, 20), s2, reorientation=True)
    decider(personne(dep_a, D(2026, 8, 30)), D(2026, 9, 2), s1)  # entered in August: another cohort
    personne(dep_a, D(2026, 9, 15), droit="1")  # right refused: not to be oriented
    decider(personne(dep_b, D(2026, 9, 1)), D(2026, 12, 1), StructureFactory(departement=dep_b))

    calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)

    departement = valeur(dep_a, "delai_orientation")
    assert departement.mesures == {
        "effectif": 4,
        "exclus": 1,
        "mesures": 3,
        "moyenne": 26.7,
        "mediane": 20.0,
        "evaluables": 4,
        "dans_fenetre": 2,
        "part": 50.0,
    }
    assert departement.valeur == 20.0 and departement.parametres["fenetre"] == 30
    du_territoire = valeur(dep_a, "delai_orientation", perimetre=Perimetre.TERRITOIRE, territoire=territoire)
    assert (du_territoire.mesures["effectif"], du_territoire.mesures["mediane"]) == (2, 30.0)
    de_s1 = valeur(dep_a, "delai_orientation", perimetre=Perimetre.STRUCTURE, structure=s1)
    assert (de_s1.mesures["mesures"], de_s1.mesures["moyenne"]) == (2, 15.0)


def test_the_window_is_a_parameter_of_the_departement(dep_a):
    structure = StructureFactory(departement=dep_a)
    decider(personne(dep_a, D(2026, 9, 1)), D(2026, 9, 11), structure)  # 10 days
    decider(personne(dep_a, D(2026, 9, 1)), D(2026, 9, 21), structure)  # 20 days
    ReglesRappel.unscoped_objects.create(departement=dep_a, fenetre_indicateurs_jours=15)
    calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)
    resultat = valeur(dep_a, "delai_orientation")
    assert (resultat.mesures["part"], resultat.parametres["fenetre"]) == (50.0, 15)


def test_a_recent_entrant_without_decision_is_not_yet_late(dep_a):
    personne(dep_a, D(2026, 11, 10))
    calcul.calculer_mois(dep_a, D(2026, 11, 1), aujourdhui=AUJOURDHUI)
    resultat = valeur(dep_a, "delai_orientation", mois=D(2026, 11, 1))
    assert resultat.mesures["effectif"] == 1
    assert resultat.mesures["evaluables"] == 0 and resultat.mesures["part"] is None and resultat.valeur is None


def test_decision_to_first_appointment_delay(dep_a):
    structure = StructureFactory(departement=dep_a)
    decider(personne(dep_a, D(2026, 8, 1)), D(2026, 9, 1), structure, premier_rdv=D(2026, 9, 6))  # 5 days
    decider(personne(dep_a, D(2026, 8, 1)), D(2026, 9, 10), structure, premier_rdv=D(2026, 10, 20))  # 40 days
    decider(personne(dep_a, D(2026, 8, 1)), D(2026, 9, 12), structure)  # none yet, window over
    decider(personne(dep_a, D(2026, 8, 1)), D(2026, 9, 15), structure, premier_rdv=D(2026, 9, 1))  # incoherent
    decider(personne(dep_a, D(2026, 7, 1)), D(2026, 8, 30), structure, premier_rdv=D(2026, 9, 2))  # August
    calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)
    m = valeur(dep_a, "delai_premier_rdv").mesures
    assert (m["effectif"], m["exclus"], m["mesures"], m["mediane"], m["evaluables"], m["part"]) == (
        3,
        1,
        2,
        22.5,
        3,
        33.3,
    )


def test_snapshot_shares_of_the_people_accompanied(dep_a):
    structure = StructureFactory(departement=dep_a)
    referent = UserFactory()
    fin_septembre = datetime.datetime(2026, 9, 30, 12, tzinfo=datetime.UTC)

    def accompagne(**kwargs):
        carnet = personne(dep_a, D(2026, 6, 1))
        decider(carnet, D(2026, 7, 1), structure)
        return carnet

    avec_tout = accompagne()
    MembreGroupeFactory(carnet=avec_tout, user=referent, structure=structure, est_referent=True)
    MembreGroupe.unscoped_objects.update(debut=datetime.datetime(2026, 7, 2, tzinfo=datetime.UTC))
    ContratFactory(carnet=avec_tout, date_signature=D(2026, 8, 1), date_debut=D(2026, 8, 1), date_fin=D(2027, 1, 31))
    RendezVousFactory(carnet=avec_tout, statut="present", date_heure=fin_septembre - datetime.timedelta(days=30))
    referent_parti = accompagne()
    membre = MembreGroupeFactory(carnet=referent_parti, user=referent, structure=structure, est_referent=True)
    MembreGroupe.unscoped_objects.filter(pk=membre.pk).update(fin=datetime.datetime(2026, 9, 20, tzinfo=datetime.UTC))
    ContratFactory(  # ended before the end of the month
        carnet=referent_parti, date_signature=D(2026, 7, 1), date_debut=D(2026, 7, 1), date_fin=D(2026, 9, 15)
    )
    RendezVousFactory(carnet=referent_parti, statut="present", date_heure=fin_septembre - datetime.timedelta(days=95))
    brouillon = accompagne()
    ContratFactory(carnet=brouillon, date_debut=D(2026, 8, 1), date_fin=D(2027, 1, 31))  # never signed
    RendezVousFactory(carnet=brouillon, statut="absent", date_heure=fin_septembre - datetime.timedelta(days=3))
    sorti = accompagne()
    calcul_sortie = {"carnet": sorti, "auteur": referent, "structure": structure}
    from carnet.models import Sortie

    Sortie.unscoped_objects.create(departement=dep_a, date_sortie=D(2026, 9, 10), motif="fin_droits", **calcul_sortie)
    dans_emploi = accompagne()
    Sortie.unscoped_objects.create(
        departement=dep_a,
        date_sortie=D(2026, 9, 12),
        motif="emploi",
        suivi_dans_emploi=True,
        **{**calcul_sortie, "carnet": dans_emploi},
    )
    decider(personne(dep_a, D(2026, 9, 1)), D(2026, 10, 5), structure)  # decided after the snapshot

    calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)

    # Accompanied on 30 September: avec_tout, referent_parti, brouillon, dans_emploi (sorti left, the last one
    # was decided later).
    assert valeur(dep_a, "part_avec_referent").mesures == {"effectif": 4, "numerateur": 1, "part": 25.0}
    assert valeur(dep_a, "part_avec_contrat").mesures == {"effectif": 4, "numerateur": 1, "part": 25.0}
    assert valeur(dep_a, "part_vus_90j").mesures == {"effectif": 4, "numerateur": 1, "part": 25.0}
    assert valeur(dep_a, "part_vus_90j", perimetre=Perimetre.STRUCTURE, structure=structure).valeur == 25.0


def test_no_shows_volumes_and_exits(dep_a):
    from carnet.models import Sortie

    structure = StructureFactory(departement=dep_a)
    carnet = personne(dep_a, D(2026, 9, 4))
    moment = datetime.datetime(2026, 9, 15, 9, tzinfo=datetime.UTC)
    for statut in ("present", "present", "absent", "excuse", "prevu", "annule_structure"):
        RendezVousFactory(carnet=carnet, structure=structure, statut=statut, date_heure=moment)
    RendezVousFactory(carnet=carnet, structure=structure, statut="absent", date_heure=moment, est_accompagnement=False)
    RendezVousFactory(carnet=carnet, structure=structure, statut="absent", date_heure=moment.replace(month=10))
    personne(dep_a, D(2026, 9, 30))
    decider(personne(dep_a, D(2026, 8, 1)), D(2026, 9, 3), structure, type_orientation="social")
    decider(carnet, D(2026, 9, 20), structure, type_orientation="pro")
    auteur = UserFactory()
    for motif, emploi in (("emploi", True), ("formation", False), ("fin_droits", False)):
        Sortie.unscoped_objects.create(
            departement=dep_a,
            carnet=carnet,
            date_sortie=D(2026, 9, 25),
            motif=motif,
            suivi_dans_emploi=emploi,
            auteur=auteur,
            structure=structure,
        )

    calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)

    absences = valeur(dep_a, "taux_absence").mesures
    assert (absences["effectif"], absences["numerateur"], absences["part"]) == (5, 2, 40.0)
    assert absences["repartition"]["convocation"] == {"effectif": 1, "numerateur": 1, "part": 100.0}
    assert absences["repartition"]["accompagnement"]["part"] == 25.0
    assert valeur(dep_a, "nouveaux_entrants").valeur == 2.0
    orientations = valeur(dep_a, "orientations_decidees")
    assert (orientations.valeur, orientations.mesures["repartition"]) == (2.0, {"pro": 1, "social": 1})
    sorties = valeur(dep_a, "sorties").mesures
    assert (sorties["effectif"], sorties["positive"], sorties["suivi_emploi"], sorties["part_positive"]) == (
        3,
        2,
        1,
        66.7,
    )
    assert valeur(dep_a, "prescriptions").valeur == 0.0  # an empty month is a zero, not a gap


def test_recomputing_a_month_replaces_its_rows(dep_a):
    structure = StructureFactory(departement=dep_a)
    decider(personne(dep_a, D(2026, 9, 1)), D(2026, 9, 11), structure)
    premier = calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)
    decider(personne(dep_a, D(2026, 9, 2)), D(2026, 9, 5), structure)
    second = calcul.calculer_mois(dep_a, SEPTEMBRE, aujourdhui=AUJOURDHUI)
    with departement_scope(dep_a):
        assert ValeurIndicateur.objects.filter(mois=SEPTEMBRE).count() == second.lignes
    assert second.lignes == premier.lignes
    assert valeur(dep_a, "nouveaux_entrants").valeur == 2.0


def test_every_indicator_has_a_complete_definition():
    for indicateur in INDICATEURS:
        for champ in ("titre", "description", "cohorte", "evenement_debut", "evenement_fin", "fenetre", "sql"):
            assert getattr(indicateur, champ).strip(), f"{indicateur.code} : {champ} vide"
        assert indicateur.historique[-1][0] == indicateur.version
    assert len(PAR_CODE) == len(INDICATEURS)


def test_the_nightly_task_twice_computes_the_same_rows(dep_a, run_twice):
    decider(personne(dep_a, D(2026, 9, 1)), D(2026, 9, 11), StructureFactory(departement=dep_a))
    premier, second = run_twice(tasks.rafraichir_indicateurs)
    # First run: the missing months of the last two years; second run: the current and previous months only.
    assert premier[dep_a.code] == 24 and second[dep_a.code] == 2
    with departement_scope(dep_a):
        lignes = ValeurIndicateur.objects.filter(perimetre=Perimetre.DEPARTEMENT)
        assert lignes.count() == 24 * len(INDICATEURS)
        assert lignes.values("code", "mois").distinct().count() == 24 * len(INDICATEURS)
