"""Partner API: sanctions. The paying body (a CAF or MSA token, `sanctions:read`) reads the amounts, dates and state
of the sanctions of the people it pays, and hears of them by webhook; France Travail or the organisme référent
(`sanctions:propose`) proposes a failure, which opens the file through the sanctions' services (nothing saved on a
refusal, problem+json), and reads its proposal's outcome only. Sentinels in the facts, the observations, the
reasons and the remobilisation never leave through any of it."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from partenaires.models import AbonnementWebhook, LivraisonWebhook, Scope
from sanctions.models import DossierManquement, EtapeDossier, PropositionPartenaire
from spie.crypto import encrypt
from spie.models import AccessLog
from spie.tenancy import all_departements
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory, MembreGroupeFactory
from tests.partenaires.test_api import api, make_token
from tests.sanctions.outils import decision, dossier_notifie, franchir
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db

FAITS = "SENTINELLE-FAITS-SANCTION-2b71"
REPONSE = "SENTINELLE-OBSERVATION-SANCTION-93ce"
MOTIFS = "SENTINELLE-MOTIFS-SANCTION-5f0a"
REMOBILISATION = "SENTINELLE-REMOBILISATION-77d3"
SENTINELLES = (FAITS, REPONSE, MOTIFS, REMOBILISATION)


@pytest.fixture
def caf(monde):
    return StructureFactory(departement=monde.departement, type="caf", nom="CAF de Seine-Maritime")


@pytest.fixture
def client_caf(caf):
    return api(make_token(caf, scopes=[Scope.SANCTIONS_READ])[1])


@pytest.fixture
def france_travail(monde):
    """The France Travail agency following the person (one of its advisers is in the group)."""
    structure = StructureFactory(departement=monde.departement, type="france_travail", nom="France Travail Rouen")
    conseiller = MembershipFactory(structure=structure, role="professionnel").user
    MembreGroupeFactory(carnet=monde.carnet, user=conseiller, structure=structure)
    return structure


@pytest.fixture
def leve(monde):
    """A sanction decided then lifted on remobilisation, with a sentinel in every free text of the file."""
    from sanctions import services

    dossier = dossier_notifie(monde, faits=FAITS)
    services.observation_enregistrer(
        dossier=dossier,
        source="courrier",
        texte=REPONSE,
        recue_le=datetime.datetime(2026, 11, 10, 9, tzinfo=datetime.UTC),
        auteur=monde.referent,
        structure=monde.structure,
    )
    dossier = franchir(
        monde, dossier, "decider", par="decideur", **decision(motifs=MOTIFS, montant_mensuel=Decimal("600.00"))
    )
    with time_machine.travel(datetime.datetime(2027, 1, 10, 9, tzinfo=datetime.UTC), tick=False):
        return franchir(
            monde,
            dossier,
            "remobiliser",
            par="decideur",
            date=datetime.date(2027, 1, 10),
            remobilisation=REMOBILISATION,
        )


def sans_sentinelle(response):
    body = response.content.decode()
    assert not [s for s in SENTINELLES if s in body], body


# --- The paying body ------------------------------------------------------------------------------------------------


def test_the_caf_reads_the_amounts_dates_and_state_and_nothing_else(monde, leve, client_caf):
    response = client_caf.get(reverse("api:sanction", kwargs={"uid": leve.uid}))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["etat"] == "levee_remobilisation" and (body["taux"], body["duree_mois"]) == (30, 2)
    assert body["effet_du"] == "2026-12-01" and body["fin_prevue_le"] == "2027-02-01"
    assert body["montant_mensuel_retenu"] == "180.00" and body["levee_le"] == "2027-01-10"
    assert (body["rattrapage_mois"], body["rattrapage_montant"]) == (2, "360.00")
    assert body["numero_allocataire"] == "7654321"
    assert set(body) == {
        "id", "organisme_payeur", "numero_allocataire", "nom", "prenoms", "date_naissance", "etat", "nature", "taux",
        "duree_mois", "decidee_le", "effet_du", "fin_prevue_le", "montant_mensuel_retenu", "levee_le",
        "rattrapage_mois", "rattrapage_montant",
    }  # fmt: skip
    sans_sentinelle(response)
    assert AccessLog.objects.filter(object_uid=monde.carnet.uid, api_token_id__isnull=False).exists()
    liste = client_caf.get(reverse("api:sanctions"))
    assert liste.status_code == 200 and [s["id"] for s in liste.json()["results"]] == [str(leve.uid)]
    sans_sentinelle(liste)


def test_the_list_has_a_constant_query_count(monde, client_caf):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.sanctions.factories import DossierManquementFactory

    def ajouter(n):
        for _ in range(n):
            beneficiaire = BeneficiaireFactory(departement=monde.departement)
            carnet = CarnetFactory(departement=monde.departement, beneficiaire=beneficiaire)
            DossierManquementFactory(carnet=carnet, created_by=monde.referent, decide=True)

    ajouter(3)
    with CaptureQueriesContext(connection) as trois:
        response = client_caf.get(reverse("api:sanctions"))
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    ajouter(3)
    with CaptureQueriesContext(connection) as six:
        response = client_caf.get(reverse("api:sanctions"))
    assert len(response.json()["results"]) == 6 and len(six) == len(trois)


def test_an_msa_does_not_see_the_people_the_caf_pays(monde, leve):
    msa = StructureFactory(departement=monde.departement, type="msa")
    client_msa = api(make_token(msa, scopes=[Scope.SANCTIONS_READ])[1])
    assert client_msa.get(reverse("api:sanction", kwargs={"uid": leve.uid})).status_code == 404
    assert client_msa.get(reverse("api:sanctions")).json()["results"] == []


@pytest.mark.parametrize("type_structure", ["france_travail", "departement", "association"])
def test_another_kind_of_structure_cannot_read_sanctions(monde, leve, type_structure):
    structure = StructureFactory(departement=monde.departement, type=type_structure)
    client = api(make_token(structure)[1])  # every scope
    for url in (reverse("api:sanctions"), reverse("api:sanction", kwargs={"uid": leve.uid})):
        response = client.get(url)
        assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
        sans_sentinelle(response)


def test_a_caf_token_without_the_scope_gets_403(monde, leve, caf):
    client = api(make_token(caf, scopes=[Scope.BENEFICIAIRES_READ])[1])
    assert client.get(reverse("api:sanction", kwargs={"uid": leve.uid})).status_code == 403


def ailleurs(type_structure):
    """A client with a token (every scope) of a structure of another département (built outside the test's scope)."""
    with all_departements():
        return api(make_token(StructureFactory(departement=DepartementFactory(code="08"), type=type_structure))[1])


def test_another_departements_caf_gets_404(monde, leve):
    assert ailleurs("caf").get(reverse("api:sanction", kwargs={"uid": leve.uid})).status_code == 404


def test_the_caf_hears_of_the_decision_the_lift_and_the_arrears_by_webhook(
    monde, caf, django_capture_on_commit_callbacks
):
    jeton, _ = make_token(caf, scopes=[Scope.SANCTIONS_READ])
    AbonnementWebhook.objects.create(
        departement=monde.departement,
        structure=caf,
        jeton=jeton,
        url="https://caf.example/webhooks",
        evenements=["sanction.decidee", "sanction.levee", "sanction.rattrapage"],
        secret_chiffre=encrypt("secret"),
    )
    ailleurs = StructureFactory(departement=monde.departement, type="association")
    AbonnementWebhook.objects.create(
        departement=monde.departement,
        structure=ailleurs,
        url="https://asso.example/webhooks",
        evenements=["sanction.decidee"],
        secret_chiffre=encrypt("secret"),
    )
    with django_capture_on_commit_callbacks():
        dossier = dossier_notifie(monde, faits=FAITS)
        dossier = franchir(monde, dossier, "decider", par="decideur", **decision(motifs=MOTIFS))
        with time_machine.travel(datetime.datetime(2027, 1, 10, 9, tzinfo=datetime.UTC), tick=False):
            leve = franchir(
                monde,
                dossier,
                "remobiliser",
                par="decideur",
                date=datetime.date(2027, 1, 10),
                remobilisation=REMOBILISATION,
            )
    livraisons = list(LivraisonWebhook.objects.order_by("created_at", "id"))
    assert [(x.abonnement.structure_id, x.evenement) for x in livraisons] == [
        (caf.pk, "sanction.decidee"),
        (caf.pk, "sanction.levee"),
        (caf.pk, "sanction.rattrapage"),
    ]
    donnees = livraisons[-1].payload["donnees"]
    assert donnees["id"] == str(leve.uid) and donnees["mouvement"] == "rattrapage" and donnees["rattrapage_mois"] == 2
    assert donnees["carnet_id"] == str(monde.carnet.uid)
    texte = json.dumps([x.payload for x in livraisons], ensure_ascii=False)
    assert not [s for s in SENTINELLES if s in texte]


def test_a_subscription_to_sanction_events_needs_the_scope(monde, caf, monkeypatch):
    monkeypatch.setattr("partenaires.webhook_targets.resolve", lambda host, port: ["1.1.1.1"])
    client = api(make_token(caf, scopes=[Scope.BENEFICIAIRES_READ])[1])
    response = client.post(
        reverse("api:webhooks"),
        {"url": "https://caf.example/webhooks", "evenements": ["sanction.decidee"]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "sanctions:read" in response.content.decode()


# --- Proposals ------------------------------------------------------------------------------------------------------


def corps(monde, **extra):
    return {
        "carnet": str(monde.carnet.uid),
        "motif": "obligation",
        "obligation": "rendez_vous",
        "contrat": str(monde.contrat.uid),
        "rendez_vous": [str(monde.rdv.uid)],
        "faits": FAITS,
        "faits_du": "2026-10-14",
        "faits_au": "2026-10-31",
        "nature": "suspension",
        "taux": 30,
        "duree": 1,
        "reference": "FT-2026-1142",
        **extra,
    }


def proposer(client, body, **headers):
    return client.post(reverse("api:propositions_sanction"), body, content_type="application/json", headers=headers)


@pytest.fixture
def client_ft(france_travail):
    return api(make_token(france_travail, scopes=[Scope.SANCTIONS_PROPOSE])[1])


def test_france_travail_proposes_and_the_file_opens_with_its_proposal(monde, client_ft, france_travail):
    response = proposer(client_ft, corps(monde))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["issue"] == "en_instruction" and body["proposition"] == {
        "nature": "suspension",
        "taux": 30,
        "duree": 1,
    }
    sans_sentinelle(response)
    proposition = PropositionPartenaire.objects.get(uid=body["id"])
    dossier = proposition.dossier
    assert (dossier.etat, dossier.created_by, proposition.structure) == ("ouvert", None, france_travail)
    assert dossier.proposition_ft and (dossier.proposition_ft_taux, dossier.proposition_ft_duree) == (30, 1)
    assert dossier.proposition_ft_reference == "FT-2026-1142" and list(dossier.rendez_vous.all()) == [monde.rdv]
    assert EtapeDossier.objects.get(dossier=dossier).transition == "ouvrir"
    # The décideur follows the proposal unchanged: the contradictory step is France Travail's.
    dossier = franchir(monde, dossier, "sans_motif_legitime", raison="Aucun justificatif.")
    franchir(monde, dossier, "decider_proposition_ft", par="decideur", **decision(duree=1))
    issue = client_ft.get(reverse("api:proposition_sanction", kwargs={"uid": proposition.uid})).json()
    assert issue["issue"] == "sanction_decidee" and issue["suivie_sans_modification"] is True
    assert (issue["taux"], issue["duree_mois"], issue["effet_du"]) == (30, 1, "2026-12-01")


def test_the_organisme_referent_proposes_without_skipping_the_contradictory_step(monde):
    client = api(make_token(monde.structure, scopes=[Scope.SANCTIONS_PROPOSE])[1])
    response = proposer(client, corps(monde))
    assert response.status_code == 201, response.content
    dossier = PropositionPartenaire.objects.get(uid=response.json()["id"]).dossier
    assert dossier.etat == "ouvert" and not dossier.proposition_ft


def test_the_file_page_names_the_proposing_structure(monde, client_ft):
    from django.test import Client

    proposer(client_ft, corps(monde))
    dossier = DossierManquement.objects.get()
    c = Client()
    c.force_login(monde.decideur)
    page = c.get(reverse("sanctions:dossier", kwargs={"uid": dossier.uid})).content.decode()
    assert "France Travail Rouen (par l'API" in page and "France Travail Rouen (API)" in page


@pytest.mark.parametrize(
    "changement, champ, message",
    [
        ({"duree": 3}, "proposition", "hors barème"),
        ({"faits_au": "2027-01-05"}, "proposition", "futur"),
        ({"contrat": "00000000-0000-4000-8000-000000000000"}, "contrat", "Aucun contrat"),
        ({"rendez_vous": ["00000000-0000-4000-8000-000000000000"]}, "rendez_vous", "pas ceux"),
        ({"taux": 20}, "taux", ""),
        ({"nature": "radiation"}, "nature", ""),
        ({"faits": ""}, "faits", ""),
    ],
)
def test_bad_input_is_refused_with_problem_json_and_nothing_saved(monde, client_ft, changement, champ, message):
    response = proposer(client_ft, corps(monde, **changement))
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert champ in errors and message in " ".join(errors[champ])
    assert not DossierManquement.objects.exists() and not PropositionPartenaire.objects.exists()
    assert not EtapeDossier.objects.exists()


def test_a_person_outside_the_rights_and_duties_and_a_second_proposal_are_refused(monde, client_ft):
    beneficiaires = type(monde.beneficiaire).objects.filter(pk=monde.beneficiaire.pk)
    beneficiaires.update(soumis_droits_devoirs=False)
    response = proposer(client_ft, corps(monde))
    assert response.status_code == 400 and "droits et devoirs" in response.content.decode()
    assert not DossierManquement.objects.exists()
    beneficiaires.update(soumis_droits_devoirs=True)
    assert proposer(client_ft, corps(monde)).status_code == 201
    second = proposer(client_ft, corps(monde))
    assert second.status_code == 400 and "déjà ouvert" in second.content.decode()
    assert DossierManquement.objects.count() == 1 and PropositionPartenaire.objects.count() == 1


def test_a_replay_with_the_same_key_opens_one_file(monde, client_ft):
    first = proposer(client_ft, corps(monde), **{"Idempotency-Key": "essai-1"})
    again = proposer(client_ft, corps(monde), **{"Idempotency-Key": "essai-1"})
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert DossierManquement.objects.count() == 1


def test_a_structure_that_is_neither_france_travail_nor_the_referent_cannot_propose(monde):
    association = StructureFactory(departement=monde.departement, type="association")
    MembreGroupeFactory(carnet=monde.carnet, user=MembershipFactory(structure=association).user, structure=association)
    response = proposer(api(make_token(association)[1]), corps(monde))
    assert response.status_code == 403 and not DossierManquement.objects.exists()


def test_an_unknown_or_other_departements_carnet_is_404(monde, client_ft):
    with all_departements():
        autre = CarnetFactory(departement=DepartementFactory(code="08"))
    assert proposer(client_ft, corps(monde, carnet=str(autre.uid))).status_code == 404


def test_only_the_proposing_structure_reads_the_outcome(monde, client_ft):
    uid = proposer(client_ft, corps(monde)).json()["id"]
    url = reverse("api:proposition_sanction", kwargs={"uid": uid})
    autre_ft = StructureFactory(departement=monde.departement, type="france_travail")
    assert api(make_token(autre_ft)[1]).get(url).status_code == 403
    caf = StructureFactory(departement=monde.departement, type="caf")
    assert api(make_token(caf)[1]).get(url).status_code == 403
    assert ailleurs("france_travail").get(url).status_code == 404
    lu = client_ft.get(url)
    assert lu.status_code == 200 and lu.json()["issue"] == "en_instruction"
    sans_sentinelle(lu)
