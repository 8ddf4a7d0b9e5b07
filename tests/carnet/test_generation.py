"""The carnet generator (`generer_carnets`) and the SQL baselines of `bench_carnet`."""

from collections import Counter
from io import StringIO
from random import Random

import pytest
from django.core.management import CommandError, call_command
from django.core.paginator import Paginator
from django.utils import timezone

from carnet import services
from carnet.dev.generation import GENERATED_EMAIL_DOMAIN, POOL_SIZE, charge_orientation_de, generate
from carnet.management.commands import bench_carnet
from carnet.management.commands.bench_carnet import (
    gram_frequencies,
    sql_carnet,
    sql_portefeuille,
    sql_recherche,
    sql_recherche_pg_trgm,
    typo,
)
from carnet.models import (
    Action,
    AxeDeTravail,
    Beneficiaire,
    Carnet,
    Contrat,
    Evenement,
    InformationPersonne,
    MembreGroupe,
    Note,
    Objectif,
    RendezVous,
    Sensibilite,
    SituationConstatee,
    StatutContrat,
    StatutRendezVous,
    TypeEvenement,
)
from carnet.search import name_trigrams, pg_trgm_index_ready, search_text
from carnet.services.notes import libelle_note
from carnet.views.portefeuille import PAGE_SIZE
from carnet.views.recherche import MAX_RESULTS, _with_groups, search_beneficiaires
from orientation.dev.generation import generer_orientations
from orientation.models import Orientation, StatutOrientation
from spie.models import Commune, Membership, RefDepartement, Role
from spie.tenancy import departement_scope
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory

COMMUNES = [
    ("76540", "Rouen", "76000", 110_000),
    ("76322", "Le Grand-Quevilly", "76120", 26_000),
    ("76231", "Elbeuf", "76500", 16_000),
    ("76157", "Canteleu", "76380", 14_000),
    ("76759", "Yvetot", "76190", 11_000),
]


@pytest.fixture
def dep76(db):
    departement = DepartementFactory(code="76", nom="Seine-Maritime")
    RefDepartement.objects.get_or_create(code="76", defaults={"nom": "Seine-Maritime"})
    for code, nom, postal, population in COMMUNES:
        Commune.objects.update_or_create(
            code_insee=code,
            defaults={"nom": nom, "departement_id": "76", "codes_postaux": [postal], "population": population},
        )
    with departement_scope(departement):
        structure = StructureFactory(departement=departement)
        StructureFactory(departement=departement, france_travail=True)
        StructureFactory(departement=departement, association=True)
    # One professional who already exists: the pool completes the département's own people.
    MembershipFactory(structure=structure, role=Role.PROFESSIONNEL)
    return departement


@pytest.fixture
def generated(dep76):
    lines = []
    stats = generate(departements=[dep76], total=30, seed=7, batch_size=12, log=lines.append)
    return dep76, stats, lines


def test_generates_thirty_carnets_in_batches(generated):
    departement, stats, lines = generated
    assert stats.carnets == 30
    assert [line.split(" carnets")[0] for line in lines[:3]] == ["[76] 12/30", "[76] 24/30", "[76] 30/30"]
    assert all("lignes/s" in line for line in lines[:3])
    with departement_scope(departement):
        assert Beneficiaire.objects.count() == Carnet.objects.count() == 30
        assert sum(stats.rows.values()) == sum(
            model.objects.count()
            for model in (
                Beneficiaire, Carnet, MembreGroupe, SituationConstatee, AxeDeTravail, Objectif, Action, RendezVous,
                Contrat, Note, Evenement, InformationPersonne,
            )
        ) + Contrat.objectifs.through.objects.count()  # fmt: skip
    # "About 20 rows" per carnet.
    assert 18 <= stats.total_rows / 30 <= 32


def test_people_have_search_columns_communes_and_french_names(generated):
    departement, _, _ = generated
    communes = {code: postal for code, _, postal, _ in COMMUNES}
    with departement_scope(departement):
        people = list(Beneficiaire.objects.all())
    for person in people:
        assert person.nom_recherche == search_text(person.nom_usage, person.nom_naissance, person.prenoms)
        assert person.trigrammes == name_trigrams(person.nom_usage, person.nom_naissance, person.prenoms)
        assert communes[person.commune_id] == person.code_postal
        assert person.civilite in ("mme", "m")
        assert len(person.numero_allocataire) == 7
        assert 18 <= (timezone.localdate() - person.date_naissance).days // 365 <= 64
    # The search of the page finds a generated person despite a typing error.
    person = people[0]
    with departement_scope(departement):
        found = Beneficiaire.objects.search_by_name(f"{person.prenoms.split()[0]} {person.nom_usage}x")
        assert person in list(found)


def test_each_carnet_has_a_group_a_plan_appointments_and_notes(generated):
    departement, _, _ = generated
    with departement_scope(departement):
        professionnels = set(
            Membership.objects.filter(role=Role.PROFESSIONNEL, is_active=True).values_list("user_id", "structure_id")
        )
        generated_users = Membership.objects.filter(user__email__endswith=f"@{GENERATED_EMAIL_DOMAIN}")
        assert len(professionnels) == POOL_SIZE
        assert all(not m.user.has_usable_password() for m in generated_users.select_related("user"))
        for carnet in Carnet.objects.all():
            membres = list(MembreGroupe.objects.filter(carnet=carnet, fin=None))
            assert 2 <= len(membres) <= 3
            assert sum(m.est_referent for m in membres) == 1
            assert len({m.user_id for m in membres}) == len(membres)
            assert {(m.user_id, m.structure_id) for m in membres} <= professionnels
            assert 1 <= SituationConstatee.objects.filter(carnet=carnet).count() <= 2
            axes = AxeDeTravail.objects.filter(carnet=carnet)
            assert 1 <= axes.count() <= 2
            assert Objectif.objects.filter(axe__carnet=carnet).count() == axes.count()
            assert axes.count() <= Action.objects.filter(objectif__axe__carnet=carnet).count() <= 2 * axes.count()
            rendez_vous = RendezVous.objects.filter(carnet=carnet)
            assert 3 <= rendez_vous.count() <= 6
            assert not rendez_vous.filter(date_heure__lt=timezone.now(), statut=StatutRendezVous.PREVU).exists()
            assert (
                not rendez_vous.filter(date_heure__gt=timezone.now()).exclude(statut=StatutRendezVous.PREVU).exists()
            )
            notes = Note.objects.filter(carnet=carnet)
            assert 2 <= notes.count() <= 3
            assert len({n.sensibilite for n in notes}) >= 2
            assert Contrat.objects.filter(carnet=carnet).count() <= 1
            events = Counter(Evenement.objects.filter(carnet=carnet).values_list("type", flat=True))
            assert events[TypeEvenement.CARNET_CREE] == 1
            assert events[TypeEvenement.REFERENT_CHANGE] == 1
            assert events[TypeEvenement.MEMBRE_AJOUTE] == len(membres) - 1
            assert events[TypeEvenement.NOTE] == notes.count()
        assert 0 < Contrat.objects.count() < 30
        assert (
            RendezVous.objects.filter(statut=StatutRendezVous.PRESENT).count()
            > RendezVous.objects.filter(statut=StatutRendezVous.ABSENT).count()
        )
        # Restricted and private notes never reach the timeline's text.
        restricted = Evenement.objects.filter(type=TypeEvenement.NOTE).exclude(sensibilite=Sensibilite.GENERALE)
        assert set(restricted.values_list("resume", flat=True)) <= {
            libelle_note(classe) for classe in Sensibilite.values if classe != Sensibilite.GENERALE
        }
    # Every carnet's person was informed of the sharing when the carnet was opened.
    assert InformationPersonne.unscoped_objects.filter(departement=departement).count() == 30


def test_denormalised_dates_match_the_service(generated):
    departement, _, _ = generated
    with departement_scope(departement):
        before = {
            c.pk: (c.dernier_rendez_vous, c.prochain_rendez_vous, c.fin_contrat_en_cours) for c in Carnet.objects.all()
        }
        for carnet in Carnet.objects.all():
            services.carnet_refresh_dates(carnet)
        after = {
            c.pk: (c.dernier_rendez_vous, c.prochain_rendez_vous, c.fin_contrat_en_cours) for c in Carnet.objects.all()
        }
    assert before == after
    # The data exercise the portfolio filters.
    values = list(before.values())
    assert any(dernier for dernier, _, _ in values)
    assert any(fin for _, _, fin in values) and any(fin is None for _, _, fin in values)


def test_command_prints_progress_and_summary(dep76):
    stdout = StringIO()
    call_command("generer_carnets", "--beneficiaires", "5", "--departement", "76", "--batch", "2", stdout=stdout)
    output = stdout.getvalue()
    assert "[76] 2/5 carnets" in output and "[76] 5/5 carnets" in output
    assert "5 carnets," in output and "lignes/s" in output
    with departement_scope(dep76):
        assert Carnet.objects.count() == 5


def test_command_refuses_a_departement_without_communes(db):
    DepartementFactory(code="08", nom="Ardennes")
    with pytest.raises(CommandError, match="charger_referentiels"):
        call_command("generer_carnets", "--beneficiaires", "5", "--departement", "08", stdout=StringIO())
    with pytest.raises(CommandError, match="introuvable"):
        call_command("generer_carnets", "--beneficiaires", "5", "--departement", "99", stdout=StringIO())


# --- bench_carnet: the hand-written SQL returns what the pages show --------------------------------


def _biggest_portfolio():
    counts = Counter(MembreGroupe.objects.filter(fin=None).values_list("user_id", "structure_id"))
    return counts.most_common(1)[0][0]


@pytest.mark.parametrize("filtre", ["", "sans_rdv", "fin_contrat", "sans_contrat", "nouveaux"])
def test_sql_portefeuille_returns_the_page_rows(generated, filtre):
    departement, _, _ = generated
    with departement_scope(departement):
        user_id, structure_id = _biggest_portfolio()
        rows = MembreGroupe.objects.filter(user_id=user_id, structure_id=structure_id, fin=None).select_related(
            "carnet", "carnet__beneficiaire"
        )
        rows = rows.portefeuille(filtre, 60).order_by(
            "carnet__beneficiaire__nom_usage", "carnet__beneficiaire__prenoms", "pk"
        )
        page = Paginator(rows, PAGE_SIZE).get_page(1)
        expected = [m.carnet.uid for m in page]
        count = page.paginator.count
    sql_count, sql_rows = sql_portefeuille(
        departement_id=departement.pk, user_id=user_id, structure_id=structure_id, filtre=filtre
    )
    assert (sql_count, [row[0] for row in sql_rows]) == (count, expected)
    if filtre == "":
        assert count > 0


def test_sql_carnet_returns_the_summary_rows(generated):
    departement, _, _ = generated
    generer_orientations(departement, charge_orientation=charge_orientation_de(departement))
    decided = 0
    with departement_scope(departement):
        for carnet in Carnet.objects.all()[:10]:
            referent = MembreGroupe.objects.get(carnet=carnet, fin=None, est_referent=True)
            summary = sql_carnet(departement_id=departement.pk, uid=carnet.uid, user_id=referent.user_id)
            assert len(summary["membres"]) == MembreGroupe.objects.filter(carnet=carnet, fin=None).count()
            assert summary["membres"][0][1] == referent.user_id
            contrat = Contrat.objects.filter(carnet=carnet, statut=StatutContrat.SIGNE).order_by("-date_fin").first()
            assert (summary["contrat"] is None) == (contrat is None)
            prochains = RendezVous.objects.filter(carnet=carnet, statut=StatutRendezVous.PREVU).order_by("date_heure")
            assert [r[0] for r in summary["rendez_vous"]] == [r.date_heure for r in prochains[:3]]
            decision = (
                Orientation.objects.filter(carnet=carnet, statut=StatutOrientation.VALIDEE)
                .order_by("-decidee_le")
                .first()
            )
            assert summary["orientation"][0] == (decision.uid if decision else None)
            decided += decision is not None
    assert decided  # the generator writes the orientation history
    assert sql_carnet(departement_id=departement.pk + 1, uid=carnet.uid, user_id=referent.user_id) is None


@pytest.mark.parametrize("way", ["pg_trgm", "tableau"])
def test_sql_recherche_returns_the_page_rows(generated, way, settings):
    if way == "pg_trgm" and not pg_trgm_index_ready():
        pytest.skip("PostgreSQL sans pg_trgm.")
    settings.SPIE_SEARCH_PG_TRGM = way == "pg_trgm"
    departement, _, _ = generated
    frequencies = gram_frequencies()
    with departement_scope(departement):
        user_id, structure_id = _biggest_portfolio()
        names = sorted(set(Beneficiaire.objects.values_list("nom_usage", flat=True)))[:8]
        assert names
        for name in names:
            for term in (name, typo(name, Random(name))):
                found = _with_groups(search_beneficiaires({"nom": term}), user_id, structure_id)[:MAX_RESULTS]
                expected = [(b.pk, b.referent_nom, b.dans_le_groupe) for b in found]
                kwargs = {
                    "departement_id": departement.pk,
                    "nom": term,
                    "user_id": user_id,
                    "structure_id": structure_id,
                }
                if way == "pg_trgm":
                    rows = sql_recherche_pg_trgm(**kwargs)
                else:
                    rows = sql_recherche(**kwargs, selective=True, frequencies=frequencies)
                    plain = sql_recherche(**kwargs)
                    assert [row[0] for row in plain] == [row[0] for row in rows]
                assert [(row[0], f"{row[6]} {row[7]}", row[9]) for row in rows] == expected
                if term == name:
                    assert name in [b.nom_usage for b in found]


def test_selective_search_stops_at_the_best_scores_with_the_same_result(generated, monkeypatch):
    # With a limit of 3 the decreasing thresholds stop early: the rows must still be the plain query's top 3.
    monkeypatch.setattr(bench_carnet, "MAX_RESULTS", 3)
    departement, _, _ = generated
    frequencies = gram_frequencies()
    with departement_scope(departement):
        people = list(Beneficiaire.objects.values_list("prenoms", "nom_usage")[:10])
    for prenoms, nom in people:
        for term in (f"{prenoms.split()[0]} {nom}", typo(nom, Random(nom))):
            kwargs = {"departement_id": departement.pk, "nom": term, "user_id": 0, "structure_id": 0}
            plain = [(row[1], row[2]) for row in sql_recherche(**kwargs)]
            selective = [(row[1], row[2]) for row in sql_recherche(**kwargs, selective=True, frequencies=frequencies)]
            assert selective == plain


def test_bench_command_measures_pages_and_sql(generated):
    stdout = StringIO()
    call_command(
        "bench_carnet",
        "--departement",
        "76",
        "--iterations",
        "3",
        "--portefeuille",
        "5",
        stdout=stdout,
        stderr=StringIO(),
    )
    output = stdout.getvalue()
    assert "30 carnets dans le département 76" in output
    for label in ("portefeuille (5 carnets)", "portefeuille ?filtre=sans_rdv (5", "fiche carnet", "recherche ?nom="):
        line = next(line for line in output.splitlines() if line.startswith(label))
        assert "—" not in line.split("|")[0], line  # the page itself was measured
    # The bench référent took over its carnets through the service: one référent per carnet still.
    with departement_scope(generated[0]):
        assert MembreGroupe.objects.filter(user__email__startswith="referent.bench.76@", fin=None).count() == 5
        assert all(
            MembreGroupe.objects.filter(carnet=carnet, fin=None, est_referent=True).count() == 1
            for carnet in Carnet.objects.all()
        )
