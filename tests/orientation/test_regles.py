"""The département's orientation rules: each validation refusal, version 1 seeded from the rules in code, each
save a new version (author, date, conflict refused), the proposal under the active rules naming its version,
the preview on last month's interviews (counts, changed cases, logged read), and the admin page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.services import RegleMetier
from orientation import criteres, services
from orientation.forms_regles import empreinte, initial
from orientation.models import JeuRegles, Orientation
from orientation.services.regles import ConflitVersion, mois_precedent
from spie.models import AccessLog, Action
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory
from tests.orientation.factories import DiagnosticFactory, DossierFactory, dispositif
from tests.spie.factories import DepartementFactory, StructureFactory

pytestmark = pytest.mark.usefixtures("scope_a")

ADULTE = datetime.date(1980, 5, 1)
JEUNE = datetime.date(2005, 3, 1)
MAINTENANT = "2026-12-07T11:00:00+01:00"


def _regles(*changes):
    regles = [dict(regle, si=dict(regle["si"])) for regle in criteres.regles_pour_stockage(criteres.REGLES_PAR_DEFAUT)]
    for change in changes:
        change(regles)
    return regles


def _data(naissance_jeune=False, **kw):
    base = {
        "activite_recente": "non",
        "inactivite": "1_2_ans",
        "qualification": "3",
        "aspiration": "retour_rapide",
        "difficultes": {},
    }
    base.update(kw)
    return {"criteres": base, "rqth": {"rqth": False}}


# --- Validation ----------------------------------------------------------------------------------------


def _condition(nom, valeur):
    def change(regles):
        regles[0]["si"] = {nom: valeur}

    return change


@pytest.mark.parametrize(
    "change,message",
    [
        (_condition("revenu_max", 500), "critère inconnu « revenu_max »"),
        (_condition("aspiration", ["devenir_astronaute"]), "valeur inconnue « devenir_astronaute »"),
        (_condition("aspiration", []), "attend au moins une valeur"),
        (_condition("age_max", "vingt-cinq"), "attend un nombre entier entre 16 et 99"),
        (_condition("age_min", 120), "attend un nombre entier entre 16 et 99"),
        (_condition("difficultes_fortes_min", 9), "attend un nombre entier entre 0 et 6"),
        (_condition("rqth", "peut-être"), "attend oui ou non"),
        (_condition("age_min", True), "attend un nombre entier"),
        (lambda r: r[0]["si"].update(age_min=40, age_max=30), "l'âge minimum dépasse l'âge maximum"),
        (lambda r: r[0].update(parcours="parcours_libre"), "parcours inconnu « parcours_libre »"),
        (lambda r: r[0].update(organisme="pole_emploi"), "type d'organisme inconnu « pole_emploi »"),
        (lambda r: r[0].update(pourquoi="  "), "expliquez en mots simples"),
        (lambda r: r[0].update(libelle=""), "donnez un libellé"),
        (lambda r: r[1].update(code="jeune"), "le code « jeune » est déjà pris"),
        (lambda r: r[1].update(code="information_manquante"), "est déjà pris"),
        (lambda r: r[-1].update(si={"rqth": False}), "La dernière règle doit être sans condition"),
        (lambda r: r[2].update(si={}), "seule la dernière peut l'être"),
        (lambda r: r[0].pop("pourquoi"), "champs attendus"),
        (lambda r: r[0].update(couleur="bleu"), "champs attendus"),
        (lambda r: r.clear(), "il faut au moins une règle"),
    ],
)
def test_each_invalid_rule_set_is_refused_with_a_clear_message(change, message):
    regles = _regles(change)
    with pytest.raises(criteres.ReglesInvalides) as error:
        criteres.valider_regles(regles)
    assert any(message in erreur for erreur in error.value.erreurs), error.value.erreurs


def test_the_default_rules_are_valid():
    assert criteres.valider_regles(_regles())


@pytest.mark.parametrize(
    "texte,message",
    [
        ("revenu : 500", "critère inconnu « revenu »"),
        ("aspiration : retour_rapide, voyager", "valeur inconnue « voyager »"),
        ("age_max : 25 ans", "attend un nombre entier"),
        ("rqth : peut-être", "attend oui ou non"),
        ("age_max 25", "ligne 1 illisible"),
        ("age_max : 25\nage_max : 30", "figure deux fois"),
    ],
)
def test_typed_conditions_are_read_or_refused_with_a_clear_message(texte, message):
    with pytest.raises(criteres.ReglesInvalides) as error:
        criteres.lire_conditions(texte)
    assert any(message in erreur for erreur in error.value.erreurs), error.value.erreurs


def test_typed_conditions_round_trip():
    si = {"age_max": 25, "rqth": True, "aspiration": ["retour_rapide", "projet_a_construire"]}
    assert criteres.lire_conditions(criteres.ecrire_conditions(si)) == si
    assert criteres.lire_conditions("\n  activite_recente : NON \n") == {"activite_recente": False}


# --- Versions and the proposal -------------------------------------------------------------------------


def test_every_new_departement_gets_version_1_from_the_rules_in_code(unscoped):
    departement = DepartementFactory(code="33")
    jeu = JeuRegles.objects.get(departement=departement)
    assert (jeu.numero, jeu.auteur) == (1, None)
    assert jeu.regles == criteres.regles_pour_stockage(criteres.REGLES_PAR_DEFAUT)


def test_saving_creates_the_next_version_with_its_author(dep_a, admin_a):
    regles = _regles(lambda r: r[0].update(pourquoi="les jeunes vont à la mission locale"))
    jeu = services.regles_enregistrer(departement=dep_a, regles=regles, base_numero=1, auteur=admin_a)
    assert (jeu.numero, jeu.auteur, jeu.regles[0]["pourquoi"]) == (2, admin_a, "les jeunes vont à la mission locale")
    assert services.regles_actives(dep_a.pk) == jeu
    assert JeuRegles.objects.filter(departement=dep_a).count() == 2


def test_saving_over_a_newer_version_is_refused(dep_a, admin_a):
    services.regles_enregistrer(departement=dep_a, regles=_regles(), base_numero=1, auteur=admin_a)
    with pytest.raises(ConflitVersion, match="version 2 des règles a été enregistrée"):
        services.regles_enregistrer(departement=dep_a, regles=_regles(), base_numero=1, auteur=admin_a)
    assert JeuRegles.objects.filter(departement=dep_a).count() == 2


def test_an_invalid_rule_set_writes_nothing(dep_a, admin_a):
    with pytest.raises(criteres.ReglesInvalides):
        services.regles_enregistrer(
            departement=dep_a, regles=_regles(_condition("revenu", 1)), base_numero=1, auteur=admin_a
        )
    assert JeuRegles.objects.filter(departement=dep_a).count() == 1


def test_without_rules_of_its_own_a_departement_proposes_with_the_rules_in_code(dep_a):
    JeuRegles.objects.filter(departement=dep_a).delete()
    proposition = services.regles.proposer(_data(), date_naissance=ADULTE, jour=datetime.date(2026, 12, 1), jeu=None)
    assert (proposition.regle, proposition.version) == ("emploi", None)


def _tout_social(regles):
    regles.insert(
        0,
        {
            "code": "tout_social",
            "libelle": "Tout le monde au social",
            "si": {"aspiration": ["retour_rapide"]},
            "parcours": "social",
            "organisme": "departement",
            "pourquoi": "le département accompagne d'abord socialement",
        },
    )


@pytest.fixture
def dossier_termine(dep_a, charge):
    dossier = DossierFactory(
        carnet__departement=dep_a, carnet__beneficiaire__date_naissance=ADULTE, statut="diagnostic_termine"
    )
    DiagnosticFactory(dossier=dossier, termine=True, data=_data())
    return dossier


def _propose(dossier, charge, type_orientation, **kw):
    return services.orientation_propose(
        dossier=dossier,
        type_orientation=type_orientation,
        dispositif=dispositif(dossier.departement, type_orientation),
        structure=StructureFactory(departement=dossier.departement),
        referent=None,
        motif="Projet discuté",
        auteur=charge,
        auteur_structure=None,
        **kw,
    )


def test_the_proposal_uses_the_active_rules_and_records_the_version_and_rule(dep_a, admin_a, charge, dossier_termine):
    jeu = services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=admin_a)
    orientation = _propose(dossier_termine, charge, "social")
    assert (orientation.regle_proposition, orientation.parcours_propose, orientation.regles_version) == (
        "tout_social",
        "social",
        jeu,
    )
    assert orientation.explication_proposition == "le département accompagne d'abord socialement"
    assert orientation.motif_ecart == ""


def test_a_decision_against_the_departements_rule_still_records_its_reason(dep_a, admin_a, charge, dossier_termine):
    jeu = services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=admin_a)
    with pytest.raises(RegleMetier, match="proposent le parcours social : indiquez pourquoi"):
        _propose(dossier_termine, charge, "pro")
    assert not Orientation.objects.exists()
    orientation = _propose(dossier_termine, charge, "pro", motif_ecart="Embauche confirmée lundi")
    assert (orientation.motif_ecart, orientation.regle_proposition, orientation.regles_version) == (
        "Embauche confirmée lundi",
        "tout_social",
        jeu,
    )


def test_the_proposal_page_names_the_version_of_the_rules(dep_a, admin_a, client_charge, dossier_termine):
    services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=admin_a)
    page = client_charge.get(reverse("orientation:proposer", kwargs={"uid": dossier_termine.uid})).content.decode()
    assert "Règle appliquée : « Tout le monde au social » (règles du département, version 2)" in page
    assert "le département accompagne d&#x27;abord socialement" in page


# --- Preview -------------------------------------------------------------------------------------------


def test_the_previous_calendar_month():
    assert mois_precedent(datetime.date(2026, 12, 7)) == (datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
    assert mois_precedent(datetime.date(2027, 1, 1)) == (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))


def _entretien(departement, *, termine_le, naissance=ADULTE, data=None):
    carnet = CarnetFactory(departement=departement, beneficiaire__date_naissance=naissance)
    dossier = DossierFactory(carnet=carnet, statut="diagnostic_termine")
    diagnostic = DiagnosticFactory(dossier=dossier, termine=True, data=data or _data())
    # `termine_le` is set by the factory to now: the interview's own day, written afterwards.
    type(diagnostic).unscoped_objects.filter(pk=diagnostic.pk).update(termine_le=termine_le)
    diagnostic.refresh_from_db()
    return diagnostic


def _novembre(jour, heure=10):
    return datetime.datetime(2026, 11, jour, heure, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def entretiens(dep_a, dep_b):
    """Four interviews of November 2026 in A (a young person, two adults, one with two strong difficulties),
    and those the preview leaves out: October, December, a draft-era one without criteria, another département."""
    retenus = {
        "jeune": _entretien(dep_a, termine_le=_novembre(1, 0), naissance=JEUNE),
        "adulte": _entretien(dep_a, termine_le=_novembre(12)),
        "adulte_2": _entretien(dep_a, termine_le=_novembre(30, 23)),
        "freins": _entretien(
            dep_a, termine_le=_novembre(20), data=_data(difficultes={"sante": "fort", "logement": "fort"})
        ),
    }
    _entretien(dep_a, termine_le=datetime.datetime(2026, 10, 31, 23, 30, tzinfo=timezone.get_current_timezone()))
    _entretien(dep_a, termine_le=datetime.datetime(2026, 12, 1, 0, 0, tzinfo=timezone.get_current_timezone()))
    _entretien(dep_a, termine_le=_novembre(15), data={"logement": {"situation": "locataire"}})
    with departement_scope(dep_b):
        _entretien(dep_b, termine_le=_novembre(15))
    return retenus


def _sans_jeunes(regles):
    del regles[0]


@pytest.mark.clock(MAINTENANT)
def test_preview_counts_last_months_interviews_per_path_and_organisme(dep_a, entretiens):
    apercu = services.regles_apercu(departement=dep_a, regles=_regles(_sans_jeunes))
    assert (apercu.debut, apercu.fin, apercu.nombre) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), 4)
    assert apercu.repartition == [
        ("Parcours emploi", "France Travail", 2, 3),
        ("Parcours emploi", "Mission locale", 1, 0),
        ("Parcours social", "Département ou son délégataire", 1, 1),
    ]
    assert [cas.diagnostic for cas in apercu.changes] == [entretiens["jeune"]]
    cas = apercu.changes[0]
    assert (cas.avant.regle, cas.avant.version, cas.apres.regle) == ("jeune", 1, "emploi")


@pytest.mark.clock(MAINTENANT)
def test_preview_with_unchanged_rules_changes_nothing(dep_a, entretiens):
    apercu = services.regles_apercu(departement=dep_a, regles=_regles())
    assert apercu.nombre == 4 and apercu.changes == []
    assert all(avant == apres for _, _, avant, apres in apercu.repartition)


# --- The admin page ------------------------------------------------------------------------------------


def _post(regles, *, action, base=1, empreinte_vue=None):
    data = {
        "regles-TOTAL_FORMS": str(len(regles) + 1),
        "regles-INITIAL_FORMS": str(len(regles)),
        "regles-MIN_NUM_FORMS": "0",
        "regles-MAX_NUM_FORMS": "1000",
        "action": action,
        "base": str(base),
        "empreinte": empreinte_vue or "",
    }
    for i, valeurs in enumerate(initial(regles)):
        for nom, valeur in valeurs.items():
            data[f"regles-{i}-{nom}"] = valeur
    return data


@pytest.mark.clock(MAINTENANT)
def test_admin_previews_then_saves_the_edited_rules(client_admin_a, dep_a, admin_a, entretiens):
    url = reverse("orientation:regles")
    regles = _regles(_sans_jeunes)
    page = client_admin_a.post(url, _post(regles, action="apercu"))
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "Aperçu : les entretiens du 01/11/2026 au 30/11/2026" in contenu
    assert "1 proposition changerait" in contenu
    beneficiaire = entretiens["jeune"].carnet.beneficiaire
    assert beneficiaire.nom_complet in contenu
    assert reverse("orientation:diagnostic", kwargs={"uid": entretiens["jeune"].uid}) in contenu
    assert JeuRegles.objects.filter(departement=dep_a).count() == 1
    log = AccessLog.objects.filter(action=Action.CONSULTATION, details__page="orientation_regles_apercu").get()
    assert log.object_uids == [entretiens["jeune"].carnet.uid]
    # Saving the rules previewed: version 2.
    response = client_admin_a.post(url, _post(regles, action="enregistrer", empreinte_vue=empreinte(regles)))
    assert response.status_code == 302
    jeu = services.regles_actives(dep_a.pk)
    assert (jeu.numero, jeu.auteur, [r["code"] for r in jeu.regles]) == (2, admin_a, [r["code"] for r in regles])
    assert AccessLog.objects.filter(action=Action.CREATION, object_uid=jeu.uid).exists()


def test_rules_changed_after_the_preview_are_not_saved_unseen(client_admin_a, dep_a):
    url = reverse("orientation:regles")
    vues = _regles()
    changees = _regles(_sans_jeunes)
    page = client_admin_a.post(url, _post(changees, action="enregistrer", empreinte_vue=empreinte(vues)))
    assert page.status_code == 200
    assert "Les règles ont changé depuis l&#x27;aperçu" in page.content.decode()
    assert JeuRegles.objects.filter(departement=dep_a).count() == 1


def test_the_page_shows_each_error_and_saves_nothing(client_admin_a, dep_a):
    url = reverse("orientation:regles")
    regles = _regles(_condition("revenu", 3), lambda r: r[-1].update(si={"rqth": False}))
    data = _post(regles, action="enregistrer")
    page = client_admin_a.post(url, data).content.decode()
    assert "critère inconnu « revenu »" in page
    # The form-level check runs once each rule reads: fix the unknown criterion, the catch-all error shows.
    data["regles-0-conditions"] = "age_max : 25"
    page = client_admin_a.post(url, data).content.decode()
    assert "La dernière règle doit être sans condition" in page
    assert JeuRegles.objects.filter(departement=dep_a).count() == 1


def test_the_order_field_reorders_and_removal_drops_a_rule(client_admin_a, dep_a):
    url = reverse("orientation:regles")
    regles = _regles()
    data = _post(regles, action="enregistrer")
    data["regles-0-DELETE"] = "on"  # the young people's rule
    data["regles-2-ORDER"] = "0"  # multiple strong difficulties first
    page = client_admin_a.post(url, {**data, "action": "apercu"})
    assert page.status_code == 200
    page = client_admin_a.post(url, {**data, "empreinte": page.context["empreinte"]})
    assert page.status_code == 302
    codes = [r["code"] for r in services.regles_actives(dep_a.pk).regles]
    assert codes == ["freins_multiples", "handicap", "proche_emploi", "difficulte_forte", "projet", "emploi"]


def test_a_past_version_is_readable(client_admin_a, dep_a, admin_a):
    services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=admin_a)
    premiere = JeuRegles.objects.get(departement=dep_a, numero=1)
    page = client_admin_a.get(reverse("orientation:regles_version", kwargs={"uid": premiere.uid})).content.decode()
    assert "Règles d'orientation, version 1" in page
    assert "Moins de 26 ans" in page and "Tout le monde au social" not in page
    liste = client_admin_a.get(reverse("orientation:regles")).content.decode()
    assert "version 2" in liste and admin_a.get_full_name() in liste


def test_other_departements_version_is_404(client_admin_a, dep_b):
    autre = JeuRegles.unscoped_objects.get(departement=dep_b, numero=1)
    assert client_admin_a.get(reverse("orientation:regles_version", kwargs={"uid": autre.uid})).status_code == 404


def test_a_chargé_cannot_edit_the_rules(client_charge):
    assert client_charge.get(reverse("orientation:regles")).status_code == 403


# --- The social path's review delay, chosen with the decision -------------------------------------------


def test_a_social_decision_is_reviewed_at_six_months_by_default(dep_a, charge, dossier_termine):
    services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=None)
    orientation = _propose(dossier_termine, charge, "social")
    assert (orientation.revision_mois, orientation.motif_revision_12_mois) == (6, "")


def test_twelve_months_needs_its_reason_and_nothing_is_written_without(dep_a, charge, dossier_termine):
    services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=None)
    with pytest.raises(RegleMetier, match="pourquoi l'orientation sociale sera revue au bout de 12 mois"):
        _propose(dossier_termine, charge, "social", revision_mois=12, motif_revision_12_mois="  ")
    assert not Orientation.objects.exists()
    dossier_termine.refresh_from_db()
    assert dossier_termine.statut == "diagnostic_termine"
    orientation = _propose(
        dossier_termine, charge, "social", revision_mois=12, motif_revision_12_mois="Freins durables de logement"
    )
    assert (orientation.revision_mois, orientation.motif_revision_12_mois) == (12, "Freins durables de logement")


def test_other_paths_have_no_review_delay(charge, dossier_termine):
    orientation = _propose(dossier_termine, charge, "pro", revision_mois=12, motif_revision_12_mois="Sans objet")
    assert (orientation.revision_mois, orientation.motif_revision_12_mois) == (None, "")


def test_the_organisme_referent_sees_the_review_delay_but_not_its_reason(dep_a, charge, dossier_termine):
    from tests.conftest import logged_client
    from tests.spie.factories import MembershipFactory

    services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=None)
    orientation = _propose(
        dossier_termine, charge, "social", revision_mois=12, motif_revision_12_mois="Relogement en cours, long"
    )
    url = reverse("orientation:orientation", kwargs={"uid": orientation.uid})
    manager = MembershipFactory(structure=orientation.structure, role="responsable_structure").user
    page = logged_client(manager).get(url).content.decode()
    assert "au bout de 12 mois" in page and "Relogement en cours, long" not in page
    assert "Relogement en cours, long" in logged_client(charge).get(url).content.decode()


@pytest.mark.clock(MAINTENANT)
def test_the_preview_page_reads_a_constant_number_of_queries(client_admin_a, dep_a, admin_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("orientation:regles")
    data = _post(_regles(_sans_jeunes), action="apercu")

    def queries():
        with CaptureQueriesContext(connection) as context:
            page = client_admin_a.post(url, data)
        assert page.status_code == 200
        return len(context.captured_queries), len(page.context["apercu"].changes)

    _entretien(dep_a, termine_le=_novembre(3), naissance=JEUNE)
    un = queries()
    for jour in (4, 5, 6):
        _entretien(dep_a, termine_le=_novembre(jour), naissance=JEUNE)
    for _ in range(3):
        services.regles_enregistrer(
            departement=dep_a, regles=_regles(), base_numero=services.regles_actives(dep_a.pk).numero, auteur=admin_a
        )
    data["base"] = str(services.regles_actives(dep_a.pk).numero)
    quatre = queries()
    assert (un[1], quatre[1]) == (1, 4)
    assert quatre[0] == un[0]


def test_a_save_over_a_version_saved_meanwhile_keeps_the_edits_and_saves_nothing(client_admin_a, dep_a, admin_a):
    url = reverse("orientation:regles")
    regles = _regles(_sans_jeunes)
    services.regles_enregistrer(departement=dep_a, regles=_regles(_tout_social), base_numero=1, auteur=admin_a)
    page = client_admin_a.post(url, _post(regles, action="enregistrer", base=1, empreinte_vue=empreinte(regles)))
    assert page.status_code == 200
    assert "La version 2 des règles a été enregistrée pendant que vous les modifiiez" in page.content.decode()
    assert page.context["base"] == 2 and page.context["apercu"] is not None
    assert JeuRegles.objects.filter(departement=dep_a).count() == 2
