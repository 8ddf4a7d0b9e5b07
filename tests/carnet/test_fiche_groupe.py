"""The person's identity (NIR), the carnet page and the minimal card, the follow-up group, search, portfolio."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet import search, services
from carnet.models import Beneficiaire, Carnet, DemandeAdhesion, Evenement, MembreGroupe
from carnet.nir import normalise_nir
from spie.models import AccessLog, Membership, Notification
from spie.tenancy import departement_scope
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory, MembreGroupeFactory, RendezVousFactory
from tests.spie.factories import MembershipFactory, StructureFactory, UserFactory

NIR = "295109912611193"


@pytest.fixture
def carnet_a(dep_a, structure_a, agent_a):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Lefèvre", beneficiaire__prenoms="Hélène")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


# --- NIR ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("295109912611193", "295109912611193"),
        ("2 95 10 99 126 111 93", "295109912611193"),
        ("2951099126111", "295109912611193"),
    ],
)
def test_nir_accepts_13_or_15_characters(value, expected):
    assert normalise_nir(value) == expected


def test_nir_of_corsica_is_accepted():
    from stdnum.fr import nir as stdnum_nir

    corsican = "185052A123456"
    full = corsican + stdnum_nir.calc_check_digits(corsican)
    assert normalise_nir(full) == full
    assert normalise_nir(corsican) == full


@pytest.mark.parametrize("value", ["295109912611194", "29510991261", "ABCDEFGHIJKLMNO"])
def test_invalid_nir_is_refused_with_a_message(value):
    with pytest.raises(ValidationError):
        normalise_nir(value)


def test_nir_is_stored_encrypted_and_never_in_clear(dep_a):
    beneficiaire = BeneficiaireFactory(departement=dep_a, nir=NIR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM carnet_beneficiaire WHERE id = %s", [beneficiaire.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert NIR not in row
    from spie.crypto import decrypt

    assert decrypt(Beneficiaire.unscoped_objects.get(pk=beneficiaire.pk).nir_chiffre) == NIR


def test_creating_a_person_with_a_nir_already_used_is_refused(client_agent_a, dep_a, unscoped):
    BeneficiaireFactory(departement=dep_a, nir=NIR)
    before = Beneficiaire.objects.count()
    response = client_agent_a.post(
        reverse("carnet:beneficiaire_creer"),
        {
            "nom_usage": "Martin",
            "prenoms": "Paul",
            "date_naissance": "1990-01-01",
            "nir": NIR,
            "organisme_payeur": "caf",
        },
    )
    assert response.status_code == 200
    assert "déjà utilisé par une autre personne" in response.content.decode()
    assert Beneficiaire.objects.count() == before
    assert NIR not in response.content.decode().replace('value="' + NIR, "")


def test_invalid_nir_key_is_refused_and_input_kept(client_agent_a, unscoped):
    response = client_agent_a.post(
        reverse("carnet:beneficiaire_creer"),
        {"nom_usage": "Martin", "prenoms": "Paul", "date_naissance": "1990-01-01", "nir": "295109912611194"},
    )
    page = response.content.decode()
    assert "La clé du NIR ne correspond pas" in page
    assert 'value="Martin"' in page
    assert not Beneficiaire.objects.filter(nom_usage="Martin").exists()


@pytest.mark.parametrize("telephone", ["+44 20 7946 0958", "12345", "06 12 34", "01 02 03 04 05 06 07"])
def test_a_phone_number_that_is_not_french_is_refused_with_a_message(client_agent_a, telephone, unscoped):
    response = client_agent_a.post(
        reverse("carnet:beneficiaire_creer"),
        {"nom_usage": "Martin", "prenoms": "Paul", "date_naissance": "1990-01-01", "telephone": telephone},
    )
    assert "Numéro de téléphone invalide : saisissez un numéro français" in response.content.decode()
    assert not Beneficiaire.objects.filter(nom_usage="Martin").exists()


@pytest.mark.parametrize("telephone", ["06 12 34 56 78", "+33 2 35 00 00 00", "0692 12 34 56", "0590 12 34 56"])
def test_french_numbers_are_accepted_overseas_too(client_agent_a, telephone, unscoped):
    response = client_agent_a.post(
        reverse("carnet:beneficiaire_creer"),
        {
            "civilite": "m",
            "nom_usage": "Martin",
            "prenoms": "Paul",
            "date_naissance": "1990-01-01",
            "organisme_payeur": "caf",
            "telephone": telephone,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Beneficiaire.objects.get(nom_usage="Martin").telephone == telephone


def test_professional_opens_a_carnet_and_joins_its_group(client_agent_a, agent_a, unscoped):
    response = client_agent_a.post(
        reverse("carnet:beneficiaire_creer"),
        {
            "civilite": "m",
            "nom_usage": "Martin",
            "prenoms": "Paul",
            "date_naissance": "1990-01-01",
            "nir": "1850578006084 91",
            "organisme_payeur": "caf",
        },
    )
    carnet = Carnet.objects.get(beneficiaire__nom_usage="Martin")
    assert response.status_code == 302 and response["Location"] == reverse("carnet:detail", kwargs={"uid": carnet.uid})
    assert MembreGroupe.objects.filter(carnet=carnet, user=agent_a, fin=None).exists()
    assert Evenement.objects.filter(carnet=carnet, type="carnet_cree").exists()
    assert carnet.beneficiaire.a_un_nir


# --- Carnet page, minimal card, access log ----------------------------------------------------


def test_member_sees_the_summary_and_the_read_is_logged(client_agent_a, carnet_a, agent_a, unscoped):
    response = client_agent_a.get(reverse("carnet:detail", kwargs={"uid": carnet_a.uid}))
    assert response.status_code == 200
    assert "Groupe de suivi" in response.content.decode()
    log = AccessLog.objects.filter(object_uid=carnet_a.uid, action="consultation").get()
    assert log.user == agent_a and log.departement_id == carnet_a.departement_id


def test_summary_query_count_does_not_grow_with_members_appointments_and_requests(client_agent_a, carnet_a, unscoped):
    def add(n):
        for _ in range(n):
            MembreGroupeFactory(carnet=carnet_a)
            RendezVousFactory(carnet=carnet_a)
            DemandeAdhesion.objects.create(
                departement=carnet_a.departement,
                carnet=carnet_a,
                user=UserFactory(),
                structure=StructureFactory(departement=carnet_a.departement),
                motif="Je l'accompagne aussi.",
            )

    url = reverse("carnet:detail", kwargs={"uid": carnet_a.uid})
    add(3)
    client_agent_a.get(url)
    with CaptureQueriesContext(connection) as three:
        response = client_agent_a.get(url)
    assert "3 demandes d'adhésion en attente" in response.content.decode()
    add(3)
    with CaptureQueriesContext(connection) as six:
        response = client_agent_a.get(url)
    assert response.content.decode().count('<li class="fr-mb-1w">') == 7
    assert len(three) == len(six)


def test_other_professional_sees_only_the_minimal_card(carnet_a, partner_a, agent_a, unscoped):
    carnet_a.beneficiaire.telephone = "0611223344"
    carnet_a.beneficiaire.save()
    page = client_for(partner_a).get(reverse("carnet:detail", kwargs={"uid": carnet_a.uid})).content.decode()
    assert "Fiche minimale" in page
    assert agent_a.get_full_name() in page  # who follows, how to reach them
    assert "0611223344" not in page
    assert "Droits et coordonnées" not in page


def test_nir_never_appears_in_pages(client_agent_a, carnet_a, unscoped):
    beneficiaire = carnet_a.beneficiaire
    beneficiaire.set_nir(NIR)
    beneficiaire.save()
    for name in ("carnet:detail", "carnet:beneficiaire_modifier"):
        page = client_agent_a.get(reverse(name, kwargs={"uid": carnet_a.uid})).content.decode()
        assert NIR not in page and "295 10 99" not in page
    assert (
        "Enregistré (non affiché)"
        in client_agent_a.get(reverse("carnet:detail", kwargs={"uid": carnet_a.uid})).content.decode()
    )


def test_another_departement_gets_404(carnet_a, client_admin_b):
    assert client_admin_b.get(reverse("carnet:detail", kwargs={"uid": carnet_a.uid})).status_code == 404


def test_concurrent_identity_edits_do_not_overwrite(client_agent_a, carnet_a, unscoped):
    url = reverse("carnet:beneficiaire_modifier", kwargs={"uid": carnet_a.uid})
    form = client_agent_a.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {"nom_usage": "Lefèvre", "prenoms": "Hélène", "date_naissance": "1988-04-12", "organisme_payeur": "caf"}
    )
    first = dict(data, telephone="0600000001")
    second = dict(data, telephone="0600000002")
    assert client_agent_a.post(url, first).status_code == 302
    response = client_agent_a.post(url, second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "modifiée par quelqu" in page and "0600000002" in page
    assert Beneficiaire.objects.get(pk=carnet_a.beneficiaire.pk).telephone == "0600000001"


# --- Group --------------------------------------------------------------------------------------


def test_only_one_active_referent_is_allowed_by_the_database(carnet_a, structure_a, unscoped):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembreGroupeFactory(carnet=carnet_a, structure=structure_a, est_referent=True)


def test_changing_the_referent_keeps_history(carnet_a, agent_a, structure_a, dep_a, unscoped):
    other = MembershipFactory(structure=structure_a, role="professionnel").user
    with departement_scope(dep_a):
        services.groupe_add_member(carnet=carnet_a, user=other, structure=structure_a, referent=True)
        rows = MembreGroupe.objects.filter(carnet=carnet_a)
        assert rows.get(est_referent=True, fin=None).user == other
        assert rows.filter(user=agent_a, est_referent=True).exclude(fin=None).exists()  # history
        assert rows.filter(user=agent_a, est_referent=False, fin=None).exists()  # stays a member
        assert Evenement.objects.filter(carnet=carnet_a, type="referent_change").exists()


def test_join_request_notifies_the_referent_who_accepts(carnet_a, partner_a, agent_a, unscoped):
    client = client_for(partner_a)
    response = client.post(
        reverse("carnet:adhesion_demander", kwargs={"uid": carnet_a.uid}), {"motif": "Suivi emploi"}
    )
    assert response.status_code == 302
    demande = DemandeAdhesion.objects.get(carnet=carnet_a, user=partner_a)
    assert Notification.objects.filter(user=agent_a, cle=f"adhesion:{demande.uid}").exists()
    # Asking twice is refused, nothing duplicated.
    client.post(reverse("carnet:adhesion_demander", kwargs={"uid": carnet_a.uid}), {"motif": "Encore"})
    assert DemandeAdhesion.objects.filter(carnet=carnet_a, user=partner_a).count() == 1
    # The partner cannot decide; the référent can.
    url = reverse("carnet:adhesion_decider", kwargs={"uid": carnet_a.uid, "demande_uid": demande.uid})
    assert client.post(url, {"decision": "accepter"}).status_code == 403
    assert client_for(agent_a).post(url, {"decision": "accepter"}).status_code == 302
    assert MembreGroupe.objects.filter(carnet=carnet_a, user=partner_a, fin=None).exists()
    assert client.get(reverse("carnet:detail", kwargs={"uid": carnet_a.uid})).context["relation"].est_membre


def test_referent_cannot_be_removed_without_a_successor(carnet_a, agent_a, unscoped):
    membre = MembreGroupe.objects.get(carnet=carnet_a, user=agent_a)
    url = reverse("carnet:membre_retirer", kwargs={"uid": carnet_a.uid, "membre_uid": membre.uid})
    client_for(agent_a).post(url)
    assert MembreGroupe.objects.get(pk=membre.pk).fin is None


# --- Search ---------------------------------------------------------------------------------------


@pytest.fixture(params=["pg_trgm", "tableau"])
def way(request, settings, db):
    """Both ways of the name search: pg_trgm where the test server has it, and the trigram array."""
    if request.param == "pg_trgm":
        if not search.pg_trgm_index_ready():
            pytest.skip("PostgreSQL sans pg_trgm : seule la recherche par tableau de trigrammes est possible.")
    else:
        settings.SPIE_SEARCH_PG_TRGM = False
    return request.param


@pytest.fixture
def people(dep_a, unscoped):
    BeneficiaireFactory(
        departement=dep_a, nom_usage="Lefèvre", prenoms="Hélène", date_naissance=datetime.date(1980, 1, 2)
    )
    BeneficiaireFactory(departement=dep_a, nom_usage="Dupont", prenoms="Jean", numero_allocataire="7654321")
    BeneficiaireFactory(departement=dep_a, nom_usage="Martin", prenoms="Chloé", identifiant_france_travail="FT123")
    for b in Beneficiaire.objects.filter(carnet__isnull=True):
        Carnet.unscoped_objects.create(departement=dep_a, beneficiaire=b)


@pytest.mark.parametrize(
    "term", ["lefevre", "LEFÈVRE", "Lefebvre", "lefevr", "Lefèvvre", "Lfeèvre", "Lexèvre", "helene lefevre"]
)
def test_search_by_name_ignores_case_accents_and_small_typos(client_agent_a, people, way, term):
    response = client_agent_a.get(reverse("carnet:recherche"), {"nom": term})
    names = [b.nom_usage for b in response.context["results"]]
    assert names and names[0] == "Lefèvre"
    assert "Dupont" not in names


def test_search_uses_pg_trgm_where_the_index_exists_unless_told_not_to(db, settings):
    # Migration carnet.0005 creates the index wherever the server offers pg_trgm.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        available = cursor.fetchone() is not None
    assert search.pg_trgm_index_ready() is available
    assert search.uses_pg_trgm() is available
    settings.SPIE_SEARCH_PG_TRGM = False
    assert search.uses_pg_trgm() is False


def test_the_pg_trgm_index_is_by_departement_and_searches_use_both_its_columns(dep_a, people):
    # Migration carnet.0007 puts the département in the GIN index where btree_gin exists; the query must give
    # a bigint for it to be an index condition (btree_gin has no cross-type operators).
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_available_extensions WHERE name IN ('pg_trgm', 'btree_gin')")
        if len(cursor.fetchall()) < 2:
            pytest.skip("PostgreSQL sans pg_trgm ni btree_gin : l'index par département n'existe pas.")
    assert search.pg_trgm_index() == "beneficiaire_dep_nom_trgm_gin"
    params = {"limit": 50, "text": "lefevre"}
    with departement_scope(dep_a):
        sql = search._TRGM_RANKED_IDS_SQL.format(departement_clause=search._departement_clause(params))
    with transaction.atomic(), connection.cursor() as cursor:
        # Three rows: the planner would rather read the table, or the département's b-tree. Both are put out of
        # its reach until the rollback, leaving the GIN index, by its two columns or by the name alone.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'carnet_beneficiaire' "
            "AND indexdef LIKE '%%USING btree (departement_id%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        # The GIN of the whole words (carnet.0023) also starts with the département: out of reach as well.
        cursor.execute("DROP INDEX IF EXISTS beneficiaire_dep_mots_gin")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    index_scan = re.search(r"Bitmap Index Scan on beneficiaire_dep_nom_trgm_gin.*\n\s+Index Cond: (.*)", plan)
    assert index_scan and "departement_id = " in index_scan.group(1), plan


def test_search_by_birth_date_caf_and_france_travail_numbers(client_agent_a, people):
    url = reverse("carnet:recherche")
    rows = lambda params: [b.nom_usage for b in client_agent_a.get(url, params).context["results"]]  # noqa: E731
    assert rows({"date_naissance": "1980-01-02"}) == ["Lefèvre"]
    assert rows({"numero_allocataire": "7654321"}) == ["Dupont"]
    # The start of a CAF number is enough; the middle of one is not a match.
    assert rows({"numero_allocataire": "76543"}) == ["Dupont"]
    assert rows({"numero_allocataire": "54321"}) == []
    assert rows({"identifiant_france_travail": "FT123"}) == ["Martin"]


def test_search_by_nir_is_post_only_exact_and_not_echoed(client_agent_a, dep_a, unscoped):
    CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Nirtest", beneficiaire__nir=NIR)
    url = reverse("carnet:recherche")
    assert client_agent_a.get(url, {"nir": NIR}).context["results"] is None
    response = client_agent_a.post(url, {"nir": NIR})
    assert [b.nom_usage for b in response.context["results"]] == ["Nirtest"]
    assert NIR not in response.content.decode()
    assert client_agent_a.post(url, {"nir": "1850578006084 91"}).context["results"] == []
    assert "nir" in AccessLog.objects.filter(action="recherche").latest("id").details["critere"]


def test_search_shows_minimal_card_to_non_members(client_agent_a, people):
    response = client_agent_a.get(reverse("carnet:recherche"), {"nom": "dupont"})
    assert response.context["results"][0].dans_le_groupe is False


def test_search_shows_the_referent_and_the_persons_the_user_follows(
    client_agent_a, carnet_a, agent_a, partner_a, unscoped
):
    other = CarnetFactory(departement=carnet_a.departement, beneficiaire__nom_usage="Lefebvre")
    partner_structure = Membership.unscoped_objects.get(user=partner_a).structure
    MembreGroupeFactory(carnet=other, user=partner_a, structure=partner_structure, est_referent=True)
    response = client_agent_a.get(reverse("carnet:recherche"), {"nom": "lefevre"})
    rows = {b.nom_usage: b for b in response.context["results"]}
    assert rows["Lefèvre"].dans_le_groupe is True
    assert rows["Lefèvre"].referent_nom == agent_a.get_full_name()
    assert rows["Lefebvre"].dans_le_groupe is False
    assert rows["Lefebvre"].referent_structure == partner_structure.nom
    assert carnet_a.get_absolute_url() == reverse("carnet:detail", kwargs={"uid": carnet_a.uid})
    assert f'href="{carnet_a.get_absolute_url()}"' in response.content.decode()


def test_search_never_returns_another_departement(client_agent_a, dep_b, people, way):
    other = BeneficiaireFactory(departement=dep_b, nom_usage="Lefèvre", prenoms="Autre")
    Carnet.unscoped_objects.create(departement=dep_b, beneficiaire=other)
    response = client_agent_a.get(reverse("carnet:recherche"), {"nom": "lefevre"})
    assert [b.prenoms for b in response.context["results"]] == ["Hélène"]


def test_common_name_page_is_its_whole_word_matches_in_name_order(dep_a, unscoped, way):
    # Four "Martin" (whole word, in the name or the first names) and near names that rank after them.
    for nom, prenoms in [("Martin", "Zoé"), ("Martin", "Anne"), ("Bernard", "Martin"), ("Martin", "Luc")]:
        BeneficiaireFactory(departement=dep_a, nom_usage=nom, prenoms=prenoms)
    for nom in ("Martine", "Martinez", "Marin"):
        BeneficiaireFactory(departement=dep_a, nom_usage=nom, prenoms="Alain")
    by_id = {b.pk: f"{b.nom_usage} {b.prenoms}" for b in Beneficiaire.objects.all()}
    with departement_scope(dep_a):
        # The page is full of whole-word matches: they are the page, by name then first names.
        assert [by_id[i] for i in search.ranked_ids("MARTIN", limit=3)] == [
            "Bernard Martin",
            "Martin Anne",
            "Martin Luc",
        ]
        # Not enough of them: the similarity search ranks them first, then the near names.
        found = [by_id[i] for i in search.ranked_ids("martin", limit=10)]
    assert found[:4] == ["Bernard Martin", "Martin Anne", "Martin Luc", "Martin Zoé"]
    assert "Martinez Alain" in found[4:] or "Martine Alain" in found[4:]


def test_search_query_count_does_not_grow_with_results(client_agent_a, dep_a, unscoped, way, structure_a, agent_a):
    def add(n):
        for i in range(n):
            carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Lefèvre", beneficiaire__prenoms=f"P{i}")
            MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)

    url = reverse("carnet:recherche")
    add(3)
    client_agent_a.get(url, {"nom": "lefevr"})
    with CaptureQueriesContext(connection) as three:
        assert len(client_agent_a.get(url, {"nom": "lefevr"}).context["results"]) == 3
    add(3)
    with CaptureQueriesContext(connection) as six:
        assert len(client_agent_a.get(url, {"nom": "lefevr"}).context["results"]) == 6
    assert len(three) == len(six)


# --- Portfolio ------------------------------------------------------------------------------------


def _portfolio(agent, structure, dep, n):
    carnets = []
    for i in range(n):
        carnet = CarnetFactory(departement=dep, beneficiaire__nom_usage=f"Personne{i:02d}")
        MembreGroupeFactory(carnet=carnet, user=agent, structure=structure, est_referent=True)
        carnets.append(carnet)
    return carnets


def test_portfolio_filters(client_agent_a, agent_a, structure_a, dep_a, unscoped):
    seen, unseen, ending, none = _portfolio(agent_a, structure_a, dep_a, 4)
    now = timezone.now()
    today = timezone.localdate()
    Carnet.objects.filter(pk=seen.pk).update(dernier_rendez_vous=now - datetime.timedelta(days=5))
    Carnet.objects.filter(pk=unseen.pk).update(dernier_rendez_vous=now - datetime.timedelta(days=90))
    Carnet.objects.filter(pk=ending.pk).update(fin_contrat_en_cours=today + datetime.timedelta(days=10))
    Carnet.objects.filter(pk=none.pk).update(fin_contrat_en_cours=today + datetime.timedelta(days=100))
    url = reverse("carnet:portefeuille")

    def names(params):
        return {row.carnet.beneficiaire.nom_usage for row in client_agent_a.get(url, params).context["page"]}

    assert names({"filtre": "fin_contrat"}) == {"Personne02"}
    assert names({"filtre": "sans_contrat"}) == {"Personne00", "Personne01"}
    assert "Personne00" not in names({"filtre": "sans_rdv", "jours": 60})
    assert "Personne01" in names({"filtre": "sans_rdv", "jours": 60})
    assert len(names({})) == 4


def test_portfolio_pages_keep_the_filters(client_agent_a, agent_a, structure_a, dep_a, unscoped, monkeypatch):
    from carnet.views import portefeuille

    monkeypatch.setattr(portefeuille, "PAGE_SIZE", 2)
    _portfolio(agent_a, structure_a, dep_a, 5)
    page = client_agent_a.get(reverse("carnet:portefeuille"), {"filtre": "sans_rdv", "jours": 30}).content.decode()
    assert 'href="?filtre=sans_rdv&amp;jours=30&amp;page=2"' in page


def test_portfolio_query_count_does_not_grow_with_rows(client_agent_a, agent_a, structure_a, dep_a, unscoped):
    url = reverse("carnet:portefeuille")
    _portfolio(agent_a, structure_a, dep_a, 3)
    client_agent_a.get(url)
    with CaptureQueriesContext(connection) as three:
        client_agent_a.get(url)
    _portfolio(agent_a, structure_a, dep_a, 3)
    with CaptureQueriesContext(connection) as six:
        client_agent_a.get(url)
    assert len(three) == len(six)


def test_structure_portfolio_for_managers_only(dep_a, structure_a, agent_a, unscoped):
    manager = MembershipFactory(structure=structure_a, role="responsable_structure").user
    carnets = _portfolio(agent_a, structure_a, dep_a, 3)
    url = reverse("carnet:portefeuille_structure")
    assert client_for(agent_a).get(url).status_code == 403
    client = client_for(manager)
    response = client.get(url)
    assert {c.pk for c in response.context["page"]} == {c.pk for c in carnets}
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    _portfolio(agent_a, structure_a, dep_a, 3)
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(three) == len(six)


def test_refresh_dates_feeds_the_portfolio(carnet_a, dep_a, unscoped):
    RendezVousFactory(carnet=carnet_a, date_heure=timezone.now() - datetime.timedelta(days=3), statut="present")
    RendezVousFactory(carnet=carnet_a, date_heure=timezone.now() + datetime.timedelta(days=3))
    with departement_scope(dep_a):
        services.carnet_refresh_dates(carnet_a)
    carnet_a.refresh_from_db()
    assert carnet_a.dernier_rendez_vous and carnet_a.prochain_rendez_vous > timezone.now()
