"""The statutory reports on hand-built cohorts: the employment committees' list, the DREES table at 31/12/2025 and
the legal delays, with each band's edges, people not counted (not subject, entered or oriented after 31/12, other
département) and the pages, exports and permissions.

Every test runs on 15 March 2026 (the `clock` marker), so that nothing depends on the day the tests run.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from spie.models import AccessLog, Action, Role
from spie.tenancy import departement_scope
from suivi.indicateurs import legaux
from suivi.indicateurs import rapports_legaux as calcul
from tests.carnet.factories import CarnetFactory, ContratFactory
from tests.conftest import logged_client
from tests.orientation.factories import (
    DemandeReorientationFactory,
    DiagnosticFactory,
    DossierFactory,
    OrientationFactory,
)
from tests.spie.factories import MembershipFactory, StructureFactory, TotpFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-15T10:00:00+01:00")]

D = datetime.date
ANNEE = 2025


def personne(departement, *, entree=D(2024, 6, 1), naissance=D(1985, 6, 1), **beneficiaire):
    beneficiaire = {f"beneficiaire__{cle}": valeur for cle, valeur in beneficiaire.items()}
    return CarnetFactory(
        departement=departement,
        beneficiaire__date_entree_rsa=entree,
        beneficiaire__date_naissance=naissance,
        **beneficiaire,
    )


def orienter(carnet, jour, structure, *, reception=None, reorientation=False, type_orientation="pro", **proposition):
    dossier = DossierFactory(
        carnet=carnet,
        statut="oriente",
        date_decision=jour,
        date_reception_information=reception,
        date_limite_orientation=reception + datetime.timedelta(days=42) if reception else None,
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
        **proposition,
    )
    return dossier


def orienter_par_france_travail(carnet, jour, *, reception):
    return DossierFactory(
        carnet=carnet,
        statut="oriente_france_travail",
        date_reception_information=reception,
        date_limite_orientation=reception + datetime.timedelta(days=42),
        date_orientation_france_travail=jour,
    )


def lire_csv(response):
    texte = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(texte), delimiter=";"))


@pytest.fixture
def structures(dep_a):
    return {
        "france_travail": StructureFactory(departement=dep_a, type="france_travail"),
        "mission_locale": StructureFactory(departement=dep_a, type="mission_locale"),
        "cap_emploi": StructureFactory(departement=dep_a, type="cap_emploi"),
        "plie": StructureFactory(departement=dep_a, type="plie"),
        "departement": StructureFactory(departement=dep_a, type="departement"),
        "association": StructureFactory(departement=dep_a, type="association"),
        "siae": StructureFactory(departement=dep_a, type="siae"),
    }


def drees(departement, annee=ANNEE):
    with departement_scope(departement):
        lignes = calcul.tableau_drees(departement, annee)
    return lignes[0], {(ligne.dimension, ligne.modalite): ligne for ligne in lignes[1:]}


# --- DREES table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("naissance", "tranche"),
    [
        (D(2001, 1, 1), "moins_25"),  # 24 on 31/12/2025
        (D(2000, 12, 31), "25_29"),  # 25 that very day
        (D(1996, 1, 1), "25_29"),  # 29
        (D(1995, 12, 31), "30_39"),
        (D(1986, 1, 1), "30_39"),
        (D(1985, 12, 31), "40_49"),
        (D(1976, 1, 1), "40_49"),
        (D(1975, 12, 31), "50_59"),
        (D(1966, 1, 1), "50_59"),
        (D(1965, 12, 31), "60_plus"),
    ],
)
def test_drees_age_band_edges(dep_a, naissance, tranche):
    personne(dep_a, naissance=naissance)
    ensemble, bandes = drees(dep_a)
    assert ensemble.ensemble == 1
    assert bandes[("age", tranche)].ensemble == 1
    assert sum(bandes[("age", code)].ensemble for code, _ in legaux.TRANCHES_AGE) == 1


@pytest.mark.parametrize(
    ("entree", "tranche"),
    [
        (D(2025, 12, 31), "moins_6_mois"),  # entered on the snapshot day
        (D(2025, 7, 1), "moins_6_mois"),  # 5 months 30 days
        (D(2025, 6, 30), "6_12_mois"),  # 6 months 1 day
        (D(2025, 1, 1), "6_12_mois"),
        (D(2024, 12, 31), "1_2_ans"),
        (D(2024, 1, 1), "1_2_ans"),
        (D(2023, 12, 31), "2_5_ans"),
        (D(2021, 1, 1), "2_5_ans"),
        (D(2020, 12, 31), "5_10_ans"),
        (D(2016, 1, 1), "5_10_ans"),
        (D(2015, 12, 31), "10_ans_plus"),
    ],
)
def test_drees_seniority_band_edges(dep_a, entree, tranche):
    personne(dep_a, entree=entree)
    _, bandes = drees(dep_a)
    assert bandes[("anciennete", tranche)].ensemble == 1


def test_drees_stock_counts_only_people_subject_to_rights_and_duties_on_31_december(dep_a, dep_b, structures):
    personne(dep_a)
    personne(dep_a, soumis_droits_devoirs=False)  # not subject
    personne(dep_a, entree=D(2026, 1, 2))  # entered after 31/12
    personne(dep_a, date_cloture=D(2025, 12, 31))  # closed that day: no longer in the stock
    personne(dep_a, date_cloture=D(2026, 1, 10))  # closed later: still in the stock on 31/12
    personne(dep_a, etat_droit_rsa="1")  # right refused
    personne(dep_a, date_fin_rattachement=D(2025, 11, 1))  # left the household
    personne(dep_b)  # other département
    ensemble, _ = drees(dep_a)
    assert ensemble.ensemble == 2
    assert ensemble.non_orientes == 2


def test_drees_oriented_by_the_latest_orientation_on_or_before_31_december(dep_a, structures):
    avant = personne(dep_a)
    orienter(avant, D(2025, 3, 1), structures["france_travail"])
    orienter(avant, D(2025, 12, 31), structures["plie"], reorientation=True)  # the latest counts
    apres = personne(dep_a)
    orienter(apres, D(2026, 1, 5), structures["france_travail"])  # oriented after 31/12: not oriented
    orienter_par_france_travail(personne(dep_a), D(2025, 10, 1), reception=D(2025, 8, 19))
    orienter(personne(dep_a), D(2025, 6, 1), structures["association"])
    orienter(personne(dep_a), D(2025, 6, 1), structures["siae"])
    orienter(personne(dep_a), D(2025, 6, 1), structures["departement"])
    ensemble, _ = drees(dep_a)
    assert ensemble.ensemble == 6
    assert ensemble.non_orientes == 1
    assert ensemble.orientes == 5
    assert ensemble.par_organisme == {
        "cap_emploi_plie": 1,
        "non_oriente": 1,
        "france_travail": 1,
        "autre": 1,
        "iae": 1,
        "departement": 1,
    }


def test_drees_sex_family_situation_and_education_level(dep_a, structures):
    demandeur = personne(dep_a, civilite="m", role_foyer="dem", numero_allocataire="7000001")
    personne(dep_a, civilite="mme", role_foyer="cjt", numero_allocataire="7000001")  # the same household
    personne(dep_a, civilite="", role_foyer="dem", numero_allocataire="7000002")  # alone
    personne(dep_a, role_foyer="", numero_allocataire="")  # unknown
    # A spouse who left the household before 31/12: the applicant counts as alone.
    personne(dep_a, role_foyer="dem", numero_allocataire="7000003")
    personne(dep_a, role_foyer="cjt", numero_allocataire="7000003", date_fin_rattachement=D(2025, 6, 1))
    user = MembershipFactory(structure=structures["departement"], role=Role.CHARGE_ORIENTATION).user
    diagnostic = DiagnosticFactory(
        carnet=demandeur, dossier=None, created_by=user, termine=True, data={"criteres": {"qualification": "4"}}
    )
    type(diagnostic).unscoped_objects.filter(pk=diagnostic.pk).update(
        termine_le=datetime.datetime(2025, 12, 31, 22, 30, tzinfo=datetime.UTC)  # 23:30 in Paris, on 31/12
    )
    recent = DiagnosticFactory(
        carnet=demandeur,
        dossier=None,
        numero_version=2,
        created_by=user,
        termine=True,
        data={"criteres": {"qualification": "5_plus"}},
    )  # finished in 2026: not known on 31/12
    assert recent.termine_le.year == 2026
    ensemble, bandes = drees(dep_a)
    assert ensemble.ensemble == 5
    assert bandes[("sexe", "homme")].ensemble == 1
    assert bandes[("sexe", "femme")].ensemble == 3
    assert bandes[("sexe", "non_renseigne")].ensemble == 1
    assert bandes[("famille", "couple")].ensemble == 2
    assert bandes[("famille", "seul")].ensemble == 2
    assert bandes[("famille", "non_renseigne")].ensemble == 1
    assert bandes[("niveau", "4")].ensemble == 1
    assert bandes[("niveau", "non_renseigne")].ensemble == 4


def test_drees_csv_layout(client_admin_a, dep_a, structures):
    orienter(personne(dep_a, naissance=D(2001, 1, 1)), D(2025, 5, 1), structures["mission_locale"])
    personne(dep_a)
    response = client_admin_a.get(reverse("suivi:tableau_drees_csv"), {"annee": "2025"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="drees-droits-devoirs-76-2025.csv"'
    lignes = lire_csv(response)
    assert lignes[0] == legaux.COLONNES_DREES
    assert lignes[1][:6] == ["2025", "ensemble", "ensemble", "2", "1", "1"]
    jeunes = next(ligne for ligne in lignes if ligne[1:3] == ["age", "moins_25"])
    assert jeunes[3:6] == ["1", "0", "1"]
    assert jeunes[6 + list(legaux.ORGANISMES_DREES).index("mission_locale")] == "1"
    assert len(lignes) == 1 + 1 + sum(len(bandes) for _, _, bandes in legaux.DIMENSIONS)


@pytest.mark.parametrize("annee", ["2026", "2019", "deux mille", ""])
def test_drees_refuses_a_year_not_yet_closed_or_invalid(client_admin_a, annee):
    response = client_admin_a.get(reverse("suivi:tableau_drees_csv"), {"annee": annee})
    assert response.status_code == 400
    assert "Export impossible" in response.content.decode()
    page = client_admin_a.get(reverse("suivi:tableau_drees"), {"annee": annee})
    assert page.status_code == 200
    assert "fr-error-text" in page.content.decode() or "fr-message--error" in page.content.decode()


# --- Committees' list -----------------------------------------------------------------------


@pytest.fixture
def liste(dep_a, dep_b, structures):
    conforme = personne(dep_a)
    orienter(
        conforme,
        D(2025, 10, 20),
        structures["france_travail"],
        reception=D(2025, 10, 1),
        parcours_propose="emploi",
        organisme_propose="france_travail",
        regle_proposition="proche_emploi",
    )
    restreint = personne(dep_a)
    orienter(
        restreint,
        D(2025, 11, 3),
        structures["cap_emploi"],
        reception=D(2025, 10, 15),
        parcours_propose="emploi",
        organisme_propose="cap_emploi",
        regle_proposition="handicap",
    )
    ecart = personne(dep_a)
    orienter(
        ecart,
        D(2025, 12, 31),
        structures["departement"],
        reception=D(2025, 12, 1),
        type_orientation="social",
        parcours_propose="emploi",
        organisme_propose="france_travail",
        regle_proposition="emploi",
    )
    france_travail = personne(dep_a)
    orienter_par_france_travail(france_travail, D(2025, 11, 13), reception=D(2025, 10, 1))
    reoriente = personne(dep_a)
    orienter(reoriente, D(2025, 6, 1), structures["france_travail"], reception=D(2025, 5, 20))
    orienter(reoriente, D(2025, 10, 1), structures["association"], reorientation=True, type_orientation="socio_pro")
    orienter(personne(dep_a), D(2025, 9, 30), structures["france_travail"])  # before the period
    orienter(personne(dep_a), D(2026, 1, 1), structures["france_travail"])  # after the period
    orienter(personne(dep_b), D(2025, 11, 1), StructureFactory(departement=dep_b))  # other département
    return {
        "conforme": conforme,
        "restreint": restreint,
        "ecart": ecart,
        "france_travail": france_travail,
        "reoriente": reoriente,
    }


def test_committee_list_one_row_per_person_oriented_in_the_period(dep_a, liste):
    with departement_scope(dep_a):
        lignes = {ligne.carnet_uid: ligne for ligne in calcul.liste_comites(dep_a, D(2025, 10, 1), D(2025, 12, 31))}
    assert set(lignes) == {carnet.uid for carnet in liste.values()}
    conforme = lignes[liste["conforme"].uid]
    assert conforme.csv()[1:] == [
        "2025-10-01", "2025-10-20", "2025-10-20", "non", "emploi", "france_travail", "proche_emploi", "conforme", 19,
    ]  # fmt: skip
    assert lignes[liste["restreint"].uid].regle == "critere_restreint"
    assert lignes[liste["restreint"].uid].organisme == "cap_emploi"
    ecart = lignes[liste["ecart"].uid]
    assert (ecart.parcours, ecart.organisme, ecart.decision, ecart.delai) == ("social", "departement", "ecart", 30)
    ft = lignes[liste["france_travail"].uid]
    assert (ft.parcours, ft.organisme, ft.decision, ft.delai) == ("", "france_travail", "france_travail", 43)
    reoriente = lignes[liste["reoriente"].uid]
    assert reoriente.csv()[1:] == [
        "", "2025-10-01", "2025-10-01", "oui", "socio_professionnel", "departement", "", "sans_proposition", "",
    ]  # fmt: skip
    # The pseudonym: stable, not the uid, and nothing of the person.
    assert len(conforme.pseudonyme) == calcul.PSEUDONYME_LONGUEUR
    assert str(liste["conforme"].uid).replace("-", "")[:8] not in conforme.pseudonyme
    with departement_scope(dep_a):
        again = calcul.liste_comites(dep_a, D(2025, 10, 20), D(2025, 10, 20))
    assert [ligne.pseudonyme for ligne in again] == [conforme.pseudonyme]


def test_committee_export_is_logged_with_its_rows_and_holds_no_restricted_data(client_admin_a, dep_a, liste):
    response = client_admin_a.get(reverse("suivi:liste_comites_csv"), {"debut": "2025-10-01", "fin": "2025-12-31"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="orientations-comites-76-20251001-20251231.csv"'
    lignes = lire_csv(response)
    assert lignes[0] == legaux.COLONNES_COMITES
    assert len(lignes) == 1 + 5
    texte = response.content.decode("utf-8-sig")
    for interdit in ("handicap", "RQTH", "rqth", "Durand", "1988", liste["conforme"].beneficiaire.nom_usage):
        assert interdit not in texte
    journal = AccessLog.objects.get(action=Action.EXPORT)
    assert journal.details == {"page": "suivi:liste_comites_csv", "format": "csv", "lignes": 5}
    assert set(journal.object_uids) == {carnet.uid for carnet in liste.values()}
    assert journal.departement_id == dep_a.pk


def test_committee_page_shows_the_counts_and_logs_the_preview(client_admin_a, dep_a, liste):
    response = client_admin_a.get(reverse("suivi:liste_comites"), {"debut": "2025-10-01", "fin": "2025-12-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "5 personnes orientées" in page
    assert "Critère restreint" in page
    assert "obligation d'emploi" not in page.replace("&#x27;", "'")  # the restricted rule's own label
    journal = AccessLog.objects.get(action=Action.CONSULTATION, details__page="suivi:liste_comites")
    assert set(journal.object_uids) == {carnet.uid for carnet in liste.values()}


@pytest.mark.parametrize(
    ("debut", "fin", "message"),
    [
        ("2025-12-31", "2025-10-01", "Le dernier jour doit suivre le premier."),
        ("2024-01-01", "2025-01-01", "Choisissez une période de 366 jours au plus."),
        ("2025-13-01", "2025-12-31", "Indiquez une date valide."),
    ],
)
def test_committee_export_refuses_a_bad_period_and_logs_nothing(client_admin_a, debut, fin, message):
    response = client_admin_a.get(reverse("suivi:liste_comites_csv"), {"debut": debut, "fin": fin})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessLog.objects.filter(action=Action.EXPORT).exists()


def test_committee_page_defaults_to_the_last_complete_month(client_admin_a, dep_a, structures):
    orienter(personne(dep_a), D(2026, 2, 28), structures["france_travail"], reception=D(2026, 2, 1))
    orienter(personne(dep_a), D(2026, 3, 1), structures["france_travail"], reception=D(2026, 2, 1))
    response = client_admin_a.get(reverse("suivi:liste_comites"))
    assert "Du 01/02/2026 au 28/02/2026 : 1 personne orientée" in response.content.decode()


# --- Legal delays ---------------------------------------------------------------------------


def signer(carnet, jour, *, type_contrat="contrat_engagement", statut="signe"):
    return ContratFactory(carnet=carnet, type=type_contrat, statut=statut, date_signature=jour, date_debut=jour)


def test_delays_to_orientation_and_to_the_signed_contract(dep_a, structures):
    a = personne(dep_a)
    orienter(a, D(2025, 10, 20), structures["france_travail"], reception=D(2025, 10, 1))  # 19 days
    signer(a, D(2025, 10, 10))  # signed before this orientation: not this one's contract
    signer(a, D(2025, 11, 20))  # one month to the day: in time
    b = personne(dep_a)
    orienter(b, D(2025, 10, 12), structures["france_travail"], reception=D(2025, 8, 31))  # 42 days: in time
    signer(b, D(2025, 11, 13))  # one month and a day: late
    signer(b, D(2025, 11, 1), type_contrat="cer")  # another kind of contract: ignored
    c = personne(dep_a)
    orienter(c, D(2025, 10, 5), structures["departement"], reception=D(2025, 8, 23))  # 43 days: late
    # No contract and the month has passed: late, evaluable.
    orienter_par_france_travail(personne(dep_a), D(2025, 10, 14), reception=D(2025, 9, 1))  # 43 days, no CE cohort
    d = personne(dep_a)
    orienter(d, D(2025, 5, 1), structures["departement"], reception=D(2025, 4, 1))
    orienter(d, D(2025, 10, 30), structures["mission_locale"], reorientation=True)  # CE cohort only
    signer(d, D(2025, 11, 3))
    incoherent = personne(dep_a)
    orienter(incoherent, D(2025, 10, 2), structures["departement"], reception=D(2025, 10, 9))  # negative: excluded
    with departement_scope(dep_a):
        resultat = calcul.delais(dep_a, D(2025, 10, 1), D(2025, 11, 1))
    octobre, organismes = resultat.par_mois[0]
    assert octobre.mois == D(2025, 10, 1)
    assert octobre.orientations == 6
    assert (octobre.mesures_o, octobre.exclus_o) == (4, 1)
    assert octobre.moyenne_o == round((19 + 42 + 43 + 43) / 4, 1)
    assert octobre.mediane_o == 42.5
    assert (octobre.dans_o, octobre.part_o) == (2, 50.0)
    assert octobre.cohorte_ce == 5  # every decision but France Travail's
    assert (octobre.mesures_ce, octobre.moyenne_ce) == (3, round((31 + 32 + 4) / 3, 1))
    assert (octobre.evaluables_ce, octobre.dans_ce, octobre.part_ce) == (5, 2, 40.0)
    par_organisme = {ligne.organisme: ligne for ligne in organismes}
    assert par_organisme["france_travail"].orientations == 3
    assert par_organisme["france_travail"].dans_o == 2
    assert par_organisme["mission_locale"].mesures_o == 0
    assert par_organisme["mission_locale"].dans_ce == 1
    assert par_organisme["cap_emploi"].orientations == 0
    novembre, _ = resultat.par_mois[1]
    assert (novembre.orientations, novembre.part_o, novembre.mediane_o) == (0, None, None)
    assert resultat.periode.orientations == 6


def test_contract_share_waits_until_the_month_has_passed(dep_a, structures):
    orienter(personne(dep_a), D(2026, 2, 20), structures["france_travail"], reception=D(2026, 2, 1))
    with departement_scope(dep_a):
        fevrier, _ = calcul.delais(dep_a, D(2026, 2, 1), D(2026, 2, 1)).par_mois[0]
    assert (fevrier.cohorte_ce, fevrier.evaluables_ce, fevrier.part_ce) == (1, 0, None)


def test_delays_csv_layout_and_page(client_admin_a, dep_a, structures):
    orienter(personne(dep_a), D(2025, 10, 20), structures["france_travail"], reception=D(2025, 10, 1))
    response = client_admin_a.get(reverse("suivi:delais_legaux_csv"), {"debut": "2025-10", "fin": "2025-11"})
    assert response.status_code == 200
    lignes = lire_csv(response)
    assert lignes[0] == legaux.COLONNES_DELAIS
    organismes = len(legaux.ORGANISMES)
    assert len(lignes) == 1 + 2 * (1 + organismes) + 1 + organismes
    assert lignes[1][:8] == ["2025-10", "ensemble", "1", "1", "19,0", "19,0", "1", "100,0"]
    assert lignes[-1 - organismes][:3] == ["periode", "ensemble", "1"]
    page = client_admin_a.get(reverse("suivi:delais_legaux"), {"debut": "2025-10", "fin": "2025-11"})
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_drees_page_shows_the_table_and_the_delays_of_the_year(client_admin_a, dep_a, structures):
    orienter(personne(dep_a), D(2025, 10, 20), structures["france_travail"], reception=D(2025, 10, 1))
    response = client_admin_a.get(reverse("suivi:tableau_drees"), {"annee": "2025"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Au 31/12/2025 : 1 personne soumise aux droits et devoirs" in page
    assert "Délais de l'année 2025" in page
    assert "<svg" in page


# --- Permissions ----------------------------------------------------------------------------

ROUTES = [
    ("suivi:rapports_legaux", {}),
    ("suivi:liste_comites", {}),
    ("suivi:liste_comites_csv", {}),
    ("suivi:tableau_drees", {}),
    ("suivi:tableau_drees_csv", {"annee": "2025"}),
    ("suivi:delais_legaux", {}),
    ("suivi:delais_legaux_csv", {}),
]


def membre(dep, role, type_structure="departement"):
    structure = StructureFactory(departement=dep, type=type_structure)
    user = MembershipFactory(structure=structure, role=role).user
    TotpFactory(user=user)
    return user


@pytest.mark.parametrize(
    ("role", "type_structure", "attendu"),
    [
        (Role.ADMIN_DEPARTEMENT, "departement", 200),
        (Role.RESPONSABLE_STRUCTURE, "departement", 200),
        (Role.RESPONSABLE_STRUCTURE, "association", 403),  # a partner structure's manager
        (Role.RESPONSABLE_STRUCTURE, "france_travail", 403),
        (Role.PROFESSIONNEL, "departement", 403),
        (Role.CHARGE_ORIENTATION, "departement", 403),
        (Role.VALIDATEUR_ORIENTATION, "departement", 403),
        (Role.PROFESSIONNEL, "association", 403),
    ],
)
def test_permission_matrix(dep_a, role, type_structure, attendu):
    client = logged_client(membre(dep_a, role, type_structure))
    for nom, params in ROUTES:
        assert client.get(reverse(nom), params).status_code == attendu, nom


def test_other_departement_admin_only_sees_their_own_people(dep_a, dep_b, liste, client_admin_b):
    response = client_admin_b.get(reverse("suivi:liste_comites_csv"), {"debut": "2025-10-01", "fin": "2025-12-31"})
    assert response.status_code == 200
    assert len(lire_csv(response)) == 1 + 1  # dep_b's one person
    uids = set(AccessLog.objects.get(action=Action.EXPORT).object_uids)
    assert not uids & {carnet.uid for carnet in liste.values()}


def test_navigation_and_dashboard_link_for_those_who_may(client_admin_a, dep_a):
    page = client_admin_a.get(reverse("suivi:tableau_de_bord")).content.decode()
    assert reverse("suivi:rapports_legaux") in page
    partenaire = logged_client(membre(dep_a, Role.RESPONSABLE_STRUCTURE, "association"))
    page = partenaire.get(reverse("suivi:tableau_de_bord")).content.decode()
    assert reverse("suivi:rapports_legaux") not in page


def test_committee_page_and_export_queries_do_not_grow_with_the_rows(client_admin_a, dep_a, structures):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def requetes(nom):
        with CaptureQueriesContext(connection) as contexte:
            response = client_admin_a.get(reverse(nom), {"debut": "2025-10-01", "fin": "2025-12-31"})
        assert response.status_code == 200
        return len(contexte.captured_queries)

    for _ in range(3):
        orienter(personne(dep_a), D(2025, 11, 2), structures["france_travail"], reception=D(2025, 10, 20))
    avant = {nom: requetes(nom) for nom in ("suivi:liste_comites", "suivi:liste_comites_csv")}
    for _ in range(3):
        orienter(personne(dep_a), D(2025, 11, 3), structures["mission_locale"], reception=D(2025, 10, 20))
    assert {nom: requetes(nom) for nom in avant} == avant
