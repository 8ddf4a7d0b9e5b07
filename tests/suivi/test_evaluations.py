"""Evaluation by the people accompanied: sending once, single-use link, answers aggregated, never individual."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from spie.tenancy import all_departements, departement_scope
from suivi import tasks
from suivi.models import Message, Questionnaire, ReponseQuestionnaire
from suivi.services import SEUIL_ANONYMAT, agregats_evaluations, questionnaires_ouverts
from tests.carnet.factories import CarnetFactory, ContratFactory
from tests.spie.factories import StructureFactory, TerritoireFactory
from tests.suivi.factories import QuestionnaireFactory, ReponseFactory, regles
from usager.models import CompteUsager

pytestmark = pytest.mark.django_db

REPONSES = {"q1": "5", "q2": "4", "q3": "3", "q4": "4", "q5": "5", "commentaire": "Très bon accueil."}


def _url(token):
    return reverse("evaluation:repondre", kwargs={"token": token})


# --- Sending --------------------------------------------------------------------------------


@pytest.fixture
def contrat_termine(dep_a):
    today = timezone.localdate()
    structure = StructureFactory(departement=dep_a, nom="PLIE de Rouen")
    carnet = CarnetFactory(departement=dep_a, beneficiaire__courriel="lea@exemple.fr")
    return ContratFactory(
        carnet=carnet,
        structure=structure,
        statut="termine",
        termine_le=today - datetime.timedelta(days=1),
        date_debut=today - datetime.timedelta(days=200),
        date_fin=today + datetime.timedelta(days=10),
    )


def test_ended_contract_sends_one_questionnaire_when_run_twice(contrat_termine, run_twice):
    run_twice(tasks.envoyer_questionnaires)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["lea@exemple.fr"] and "PLIE de Rouen" in email.body
    with all_departements():
        questionnaire = Questionnaire.objects.get()
        assert questionnaire.motif == "fin_contrat" and questionnaire.structure == contrat_termine.structure
        message = Message.objects.get()
    token = re.search(r"/evaluation/([^/\s]+)/", email.body).group(1)
    # Only the hash is stored: neither the questionnaire nor the sent message keeps the clear link.
    assert token not in questionnaire.token_hash and token not in message.corps
    assert Client().get(_url(token)).status_code == 200


def test_contract_past_its_end_date_counts_as_ended_but_a_renewed_one_does_not(dep_a, run_twice):
    today = timezone.localdate()
    common = {"date_debut": today - datetime.timedelta(days=200)}
    ended = ContratFactory(
        carnet=CarnetFactory(departement=dep_a, beneficiaire__courriel="a@exemple.fr"),
        statut="signe",
        date_fin=today - datetime.timedelta(days=2),
        **common,
    )
    renewed = ContratFactory(
        carnet=CarnetFactory(departement=dep_a, beneficiaire__courriel="b@exemple.fr"),
        statut="termine",
        termine_le=today - datetime.timedelta(days=1),
        date_fin=today,
        **common,
    )
    ContratFactory(
        carnet=renewed.carnet, precedent=renewed, statut="signe", date_fin=today + datetime.timedelta(days=90)
    )
    ContratFactory(
        carnet=CarnetFactory(departement=dep_a, beneficiaire__courriel="c@exemple.fr"),
        statut="brouillon",
        date_fin=today - datetime.timedelta(days=2),
        **common,
    )
    ContratFactory(
        carnet=CarnetFactory(departement=dep_a, beneficiaire__courriel="d@exemple.fr"),
        statut="termine",
        termine_le=today - datetime.timedelta(days=400),
        date_fin=today - datetime.timedelta(days=400),
        date_debut=today - datetime.timedelta(days=600),
    )
    run_twice(tasks.envoyer_questionnaires)
    assert [m.to[0] for m in mail.outbox] == [ended.carnet.beneficiaire.courriel]


def test_no_email_address_no_questionnaire(dep_a, run_twice):
    today = timezone.localdate()
    ContratFactory(
        carnet=CarnetFactory(departement=dep_a),
        statut="termine",
        termine_le=today,
        date_debut=today - datetime.timedelta(days=30),
    )
    run_twice(tasks.envoyer_questionnaires)
    assert mail.outbox == []
    with all_departements():
        assert not Questionnaire.objects.exists()


def _compte(carnet, *, connecte):
    with departement_scope(carnet.departement_id):
        return CompteUsager.objects.create(
            departement_id=carnet.departement_id,
            beneficiaire=carnet.beneficiaire,
            derniere_connexion=timezone.now() if connecte else None,
        )


@pytest.mark.parametrize("connecte", [True, False])
def test_without_email_the_questionnaire_waits_in_the_space_of_a_person_who_uses_it(dep_a, run_twice, connecte):
    today = timezone.localdate()
    contrat = ContratFactory(
        carnet=CarnetFactory(departement=dep_a),
        statut="termine",
        termine_le=today,
        date_debut=today - datetime.timedelta(days=30),
    )
    _compte(contrat.carnet, connecte=connecte)
    run_twice(tasks.envoyer_questionnaires)
    assert mail.outbox == []
    with all_departements():
        assert not Message.objects.exists()
        if not connecte:  # an account never opened: nobody would see it
            assert not Questionnaire.objects.exists()
            return
        questionnaire = Questionnaire.objects.get()
    with departement_scope(dep_a.pk):
        assert list(questionnaires_ouverts(contrat.carnet)) == [questionnaire]


def test_disabled_evaluations_send_nothing(contrat_termine, dep_a, run_twice):
    regles(dep_a, evaluations_actives=False)
    run_twice(tasks.envoyer_questionnaires)
    assert mail.outbox == []


def test_orientation_decided_30_days_ago_sends_a_questionnaire(dep_a, structure_a, agent_a, run_twice):
    from orientation.models import Dispositif, DossierOrientation, Orientation

    carnet = CarnetFactory(departement=dep_a, beneficiaire__courriel="o@exemple.fr")
    dispositif = Dispositif.unscoped_objects.filter(departement=dep_a).first()
    now = timezone.now()
    for jours in (32, 10, 80):
        dossier = DossierOrientation.unscoped_objects.create(departement=dep_a, carnet=carnet, statut="oriente")
        Orientation.unscoped_objects.create(
            departement=dep_a,
            carnet=carnet,
            dossier=dossier,
            type_orientation="pro",
            dispositif=dispositif,
            structure=structure_a,
            motif="Projet professionnel",
            statut="validee",
            proposee_par=agent_a,
            decidee_le=now - datetime.timedelta(days=jours),
        )
    run_twice(tasks.envoyer_questionnaires)
    assert len(mail.outbox) == 1
    assert "orienté" in mail.outbox[0].body
    with all_departements():
        assert Questionnaire.objects.get().motif == "orientation"


# --- Answering ------------------------------------------------------------------------------


@pytest.fixture
def questionnaire(dep_a):
    structure = StructureFactory(departement=dep_a, nom="Association Tremplin")
    territoire = TerritoireFactory(departement=dep_a, nom="Boucles de Seine")
    carnet = CarnetFactory(departement=dep_a)
    return QuestionnaireFactory(
        carnet=carnet, token="lien-secret-0123456789", structure=structure, territoire=territoire
    )


def test_get_shows_the_form_without_consuming_the_link(questionnaire):
    client = Client()
    for _ in range(2):
        response = client.get(_url("lien-secret-0123456789"))
        assert response.status_code == 200
    page = response.content.decode()
    assert "<legend" in page and "1. L&#x27;accueil et l&#x27;écoute" in page
    assert 'type="radio"' in page and "Association Tremplin" in page
    with all_departements():
        questionnaire.refresh_from_db()
    assert questionnaire.repondu_le is None


def test_post_consumes_the_link_and_stores_the_answers_apart(questionnaire):
    client = Client()
    response = client.post(_url("lien-secret-0123456789"), REPONSES)
    assert response.status_code == 200 and "Merci" in response.content.decode()
    with all_departements():
        questionnaire.refresh_from_db()
        reponse = ReponseQuestionnaire.objects.get()
    assert questionnaire.repondu_le is not None
    assert (reponse.q1, reponse.q3, reponse.commentaire) == (5, 3, "Très bon accueil.")
    assert reponse.structure_id == questionnaire.structure_id and reponse.territoire_id == questionnaire.territoire_id
    assert reponse.mois == timezone.localdate().replace(day=1)
    # Nothing ties the answer to the person or the questionnaire.
    fields = {f.name for f in ReponseQuestionnaire._meta.get_fields()}
    assert not fields & {"carnet", "questionnaire", "beneficiaire", "created_at", "repondu_le"}
    again = client.post(_url("lien-secret-0123456789"), REPONSES)
    assert again.status_code == 410 and "déjà répondu" in again.content.decode()
    assert client.get(_url("lien-secret-0123456789")).status_code == 410
    with all_departements():
        assert ReponseQuestionnaire.objects.count() == 1


def test_incomplete_answers_are_refused_and_the_link_stays_valid(questionnaire):
    response = Client().post(_url("lien-secret-0123456789"), {"q1": "5", "q2": "9"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choisissez une note de 1 à 5." in page and "fr-fieldset--error" in page
    with all_departements():
        assert not ReponseQuestionnaire.objects.exists()
        questionnaire.refresh_from_db()
    assert questionnaire.repondu_le is None


def test_expired_or_unknown_link_gets_410(questionnaire):
    with all_departements():
        Questionnaire.objects.filter(pk=questionnaire.pk).update(expire_le=timezone.now() - datetime.timedelta(days=1))
    for url in (_url("lien-secret-0123456789"), _url("inconnu")):
        assert Client().get(url).status_code == 410
        assert Client().post(url, REPONSES).status_code == 410
    with all_departements():
        assert not ReponseQuestionnaire.objects.exists()


def test_a_logged_in_professional_of_another_departement_can_still_answer_their_own_link(questionnaire, admin_b):
    client = Client()
    client.force_login(admin_b)
    assert client.post(_url("lien-secret-0123456789"), REPONSES).status_code == 200
    with all_departements():
        assert ReponseQuestionnaire.objects.get().departement_id == questionnaire.departement_id


# --- Aggregates -----------------------------------------------------------------------------


def test_aggregates_hide_groups_under_the_threshold(dep_a, dep_b):
    big = StructureFactory(departement=dep_a, nom="A grande")
    small = StructureFactory(departement=dep_a, nom="B petite")
    territoire = TerritoireFactory(departement=dep_a, nom="Boucles de Seine")
    for note in (5, 4, 4, 3, 4):
        ReponseFactory(departement=dep_a, structure=big, territoire=territoire, q1=note)
    ReponseFactory.create_batch(SEUIL_ANONYMAT - 1, departement=dep_a, structure=small, q1=1)
    ReponseFactory.create_batch(7, departement=dep_b, structure=StructureFactory(departement=dep_b))
    with departement_scope(dep_a):
        agregats = agregats_evaluations(dep_a, None)
    grande, petite = agregats.structures
    assert (grande.libelle, grande.nombre, grande.visible, grande.moyennes[0]) == ("A grande", 5, True, 4.0)
    assert grande.moyenne == 4.0
    assert petite.libelle == "B petite" and not petite.visible and petite.moyennes == []
    assert agregats.total.nombre == 9 and agregats.total.moyennes[0] == pytest.approx(round(24 / 9, 1))
    assert [(t.libelle, t.nombre, t.visible) for t in agregats.territoires] == [
        ("Boucles de Seine", 5, True),
        ("Hors territoire défini", 4, False),
    ]


def test_aggregates_of_a_period_and_of_one_structure(dep_a):
    structure = StructureFactory(departement=dep_a)
    ReponseFactory.create_batch(5, departement=dep_a, structure=structure)
    old = datetime.date(2020, 1, 1)
    ReponseFactory.create_batch(5, departement=dep_a, structure=structure, mois=old)
    ReponseFactory.create_batch(5, departement=dep_a, structure=StructureFactory(departement=dep_a))
    today = timezone.localdate()
    with departement_scope(dep_a):
        assert agregats_evaluations(dep_a, (today.replace(day=1), today)).total.nombre == 10
        mine = agregats_evaluations(dep_a, None, structure=structure)
    assert mine.total.nombre == 10 and len(mine.structures) == 1 and mine.territoires == []
