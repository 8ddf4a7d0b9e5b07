"""The person's plan and contract (agreement or disagreement on an objective), their messages to the group
(observations dated on receipt, acknowledged by the référent), and the evaluation questionnaire answered from
the space without the e-mailed link."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import Evenement, Objectif, ObservationPersonne
from carnet.services import RegleMetier
from spie.models import Notification
from spie.tenancy import departement_scope
from suivi import services as suivi_services
from suivi.models import Questionnaire, ReponseQuestionnaire
from tests.carnet.factories import (
    ActionFactory,
    ActiviteEngagementFactory,
    AxeFactory,
    CarnetFactory,
    ContratFactory,
    MembreGroupeFactory,
    ObjectifFactory,
    theme,
)
from tests.conftest import logged_client
from tests.suivi.factories import QuestionnaireFactory
from tests.usager.conftest import client_usager


@pytest.fixture
def suivi(dep_a, structure_a, agent_a):
    """A carnet whose référent is agent_a, with an objective, an action and a signed contrat d'engagement."""
    carnet = CarnetFactory(departement=dep_a, beneficiaire__prenoms="Léa")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    axe = AxeFactory(carnet=carnet, created_by=agent_a)
    objectif = ObjectifFactory(axe=axe, libelle="Trouver un emploi de cariste")
    ActionFactory(objectif=objectif, libelle="Passer le CACES 1")
    contrat = ContratFactory(
        carnet=carnet,
        structure=structure_a,
        created_by=agent_a,
        type="contrat_engagement",
        statut="signe",
        heures_hebdomadaires=12,
        engagements_personne="Venir aux ateliers du mardi",
        motif_reduction_heures="sante",
        precision_reduction_heures="SENTINELLE-MOTIF-REDUCTION",
    )
    contrat.objectifs.add(objectif)
    return carnet, objectif, agent_a


def _maintenant(instant):
    return timezone.now() - datetime.timedelta(minutes=1) < instant <= timezone.now()


def _avis(client, objectif, **data):
    return client.post(
        reverse("usager:objectif_avis", kwargs={"uid": objectif.uid}), {"version": objectif.version, **data}
    )


def test_mon_plan_montre_le_contrat_les_heures_et_les_objectifs_sans_le_theme_protege(suivi):
    carnet, objectif, agent = suivi
    sante = ObjectifFactory(
        axe=AxeFactory(carnet=carnet, created_by=agent, theme=theme("sante")), libelle="SENTINELLE-OBJECTIF-SANTE"
    )
    page = client_usager(carnet).get(reverse("usager:mon_plan")).content.decode()
    assert "Trouver un emploi de cariste" in page and "Passer le CACES 1" in page
    assert "12 heures" in page and "Venir aux ateliers du mardi" in page
    assert "SENTINELLE-MOTIF-REDUCTION" not in page and "Santé" not in page
    assert sante.libelle not in page
    # The protected objective cannot be answered either.
    assert _avis(client_usager(carnet), sante, accord="oui").status_code == 404


@pytest.mark.clock("2026-12-09T10:00:00+01:00")  # a Wednesday
def test_mon_plan_montre_les_heures_des_dernieres_semaines_sans_le_detail(suivi):
    carnet, _, _ = suivi
    with departement_scope(carnet.departement_id):
        contrat = carnet.contrats.get()
        contrat.date_debut = datetime.date(2026, 11, 23)  # a Monday: this week and the two before
        contrat.save(update_fields=["date_debut"])
        ActiviteEngagementFactory(contrat=contrat, date=datetime.date(2026, 11, 24), duree_minutes=300)
        ActiviteEngagementFactory(contrat=contrat, date=datetime.date(2026, 12, 8), duree_minutes=270)
        ActiviteEngagementFactory(contrat=contrat, date=datetime.date(2026, 12, 11), duree_minutes=120, etat="prevue")
    page = client_usager(carnet).get(reverse("usager:mon_plan")).content.decode()
    lignes = [" ".join(ligne.split()) for ligne in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    texte = [re.sub(r"<[^>]+>", " ", ligne) for ligne in lignes]
    texte = [" ".join(t.split()) for t in texte]
    assert "du 7 décembre au 13 décembre (en cours) 12 h 2 h 4 h 30" in texte
    assert "du 30 novembre au 6 décembre 12 h 0 h 0 h — moins que prévu dans le contrat" in texte
    assert "du 23 novembre au 29 novembre 12 h 0 h 5 h — moins que prévu dans le contrat" in texte
    assert "Atelier" not in page  # what each activity was stays with the group


def test_accord_enregistre_date_journalise_et_signale_au_referent(suivi):
    carnet, objectif, agent = suivi
    client = client_usager(carnet)
    response = _avis(client, objectif, accord="oui")
    assert response.status_code == 302
    with departement_scope(carnet.departement_id):
        objectif.refresh_from_db()
        assert objectif.consentement and _maintenant(objectif.consentement_le)
        evenement = Evenement.objects.get(carnet=carnet, object_uid=objectif.uid)
    assert evenement.auteur is None and "accord donné par la personne" in evenement.resume
    assert Notification.objects.filter(user=agent, titre="Accord sur un objectif").count() == 1
    assert "Je suis d'accord depuis le" in client.get(reverse("usager:mon_plan")).content.decode()


def test_desaccord_demande_un_commentaire_puis_le_referent_le_lit(suivi):
    carnet, objectif, agent = suivi
    client = client_usager(carnet)
    response = _avis(client, objectif, accord="non", commentaire="  ")
    assert response.status_code == 302
    with departement_scope(carnet.departement_id):
        objectif.refresh_from_db()
        assert objectif.desaccord_le is None and objectif.version == 1  # nothing half-saved
        assert not Evenement.objects.filter(object_uid=objectif.uid).exists()
    _avis(client, objectif, accord="non", commentaire="Je préfère la logistique en entrepôt.")
    with departement_scope(carnet.departement_id):
        objectif.refresh_from_db()
    assert not objectif.consentement and objectif.desaccord_le is not None
    assert Notification.objects.filter(user=agent, titre="Désaccord sur un objectif").exists()
    plan_pro = logged_client(agent).get(reverse("carnet:plan", kwargs={"uid": carnet.uid})).content.decode()
    assert "Désaccord de la personne le" in plan_pro and "Je préfère la logistique en entrepôt." in plan_pro


def test_avis_sur_une_version_perimee_refuse_sans_rien_ecrire(suivi):
    carnet, objectif, agent = suivi
    stale = objectif.version
    Objectif.unscoped_objects.filter(pk=objectif.pk).update(libelle="Autre objectif", version=stale + 1)
    client = client_usager(carnet)
    response = client.post(
        reverse("usager:objectif_avis", kwargs={"uid": objectif.uid}), {"version": stale, "accord": "oui"}, follow=True
    )
    assert "Votre référent vient de changer cet objectif" in response.content.decode()
    assert not Objectif.unscoped_objects.get(pk=objectif.pk).consentement


def test_avis_refuse_sur_un_objectif_qui_n_est_plus_en_cours(suivi):
    carnet, objectif, _ = suivi
    Objectif.unscoped_objects.filter(pk=objectif.pk).update(statut="atteint")
    objectif.refresh_from_db()
    with departement_scope(carnet.departement_id), pytest.raises(RegleMetier, match="plus en cours"):
        carnet_services.objectif_avis_personne(objectif=objectif, accord=True, version=objectif.version)


def test_accord_du_professionnel_remplace_le_desaccord(suivi, structure_a):
    carnet, objectif, agent = suivi
    with departement_scope(carnet.departement_id):
        carnet_services.objectif_avis_personne(objectif=objectif, accord=False, commentaire="Non", version=1)
        carnet_services.objectif_update(
            objectif=objectif,
            libelle=objectif.libelle,
            statut="en_cours",
            consentement=True,
            version=objectif.version,
            auteur=agent,
            structure=structure_a,
        )
        objectif.refresh_from_db()
    assert objectif.consentement and objectif.desaccord_le is None and objectif.desaccord_commentaire == ""


# --- Observations -----------------------------------------------------------------------------


def test_message_envoye_date_journalise_lu_par_le_referent(suivi):
    carnet, _, agent = suivi
    client = client_usager(carnet)
    response = client.post(
        reverse("usager:observations"), {"texte": "Je suis malade cette semaine.", "demande_audition": "on"}
    )
    assert response.status_code == 302
    observation = ObservationPersonne.unscoped_objects.get(carnet=carnet)
    assert _maintenant(observation.recue_le) and observation.demande_audition and observation.lue_le is None
    evenement = Evenement.unscoped_objects.get(carnet=carnet, type="observation")
    assert "Je suis malade" not in evenement.resume and "demande à être reçue" in evenement.resume
    assert Notification.objects.filter(user=agent, titre="Observations de la personne à lire").exists()
    assert "Pas encore lu." in client.get(reverse("usager:observations")).content.decode()

    pro = logged_client(agent)
    url = reverse("usager:pro_observations", kwargs={"uid": carnet.uid})
    assert "Je suis malade cette semaine." in pro.get(url).content.decode()
    assert pro.post(url, {"observation": observation.uid}).status_code == 302
    observation.refresh_from_db()
    assert observation.lue_par == agent and observation.lue_le is not None
    assert "Lu par mon référent le" in client.get(reverse("usager:observations")).content.decode()
    # The first reading is kept.
    with departement_scope(carnet.departement_id), pytest.raises(RegleMetier, match="déjà marquées"):
        carnet_services.observation_marquer_lue(observation=observation, lecteur=agent)


def test_message_vide_refuse_sans_rien_enregistrer(suivi):
    carnet, _, _ = suivi
    response = client_usager(carnet).post(reverse("usager:observations"), {"texte": "   "})
    assert response.status_code == 400 and "Écrivez vos observations" in response.content.decode()
    assert not ObservationPersonne.unscoped_objects.filter(carnet=carnet).exists()
    assert not Evenement.unscoped_objects.filter(carnet=carnet, type="observation").exists()


def test_observation_apres_le_delai_refusee(suivi):
    carnet, _, _ = suivi
    limite = timezone.now() - datetime.timedelta(minutes=1)
    with departement_scope(carnet.departement_id), pytest.raises(RegleMetier, match="Le délai pour répondre"):
        carnet_services.observation_envoyer(
            carnet=carnet, texte="Trop tard", objet_type="sanction", date_limite=limite
        )
    assert not ObservationPersonne.unscoped_objects.filter(carnet=carnet).exists()
    with departement_scope(carnet.departement_id):
        dans_les_temps = carnet_services.observation_envoyer(
            carnet=carnet, texte="À temps", date_limite=timezone.now() + datetime.timedelta(days=10)
        )
    assert dans_les_temps.texte == "À temps"


def test_seul_le_referent_marque_un_message_lu(suivi, structure_a, dep_a):
    from tests.spie.factories import MembershipFactory

    carnet, _, _ = suivi
    with departement_scope(dep_a):
        observation = carnet_services.observation_envoyer(carnet=carnet, texte="Bonjour")
    membre = MembershipFactory(structure=structure_a, role="professionnel").user
    MembreGroupeFactory(carnet=carnet, user=membre, structure=structure_a)
    url = reverse("usager:pro_observations", kwargs={"uid": carnet.uid})
    client = logged_client(membre)
    assert client.get(url).status_code == 200
    assert client.post(url, {"observation": observation.uid}).status_code == 403
    observation.refresh_from_db()
    assert observation.lue_le is None


# --- Questionnaire ----------------------------------------------------------------------------


def test_questionnaire_repondu_depuis_l_espace_sans_lien(suivi, structure_a):
    carnet, _, _ = suivi
    questionnaire = QuestionnaireFactory(carnet=carnet, structure=structure_a, token="jeton-du-courriel-0001-abcdef")
    client = client_usager(carnet)
    accueil = client.get(reverse("usager:accueil")).content.decode()
    url = reverse("usager:questionnaire", kwargs={"uid": questionnaire.uid})
    assert url in accueil
    assert client.post(url, {"q1": "5"}).status_code == 400  # incomplete: nothing recorded
    assert not ReponseQuestionnaire.unscoped_objects.exists()
    reponses = {f"q{i}": "4" for i in range(1, 6)} | {"commentaire": "Merci"}
    assert client.post(url, reponses).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.repondu_le is not None
    reponse = ReponseQuestionnaire.unscoped_objects.get()
    assert reponse.q5 == 4 and reponse.structure_id == structure_a.pk
    # One answer per questionnaire: the e-mailed link is used up, and the space no longer offers it.
    with pytest.raises(suivi_services.QuestionnaireInvalide):
        suivi_services.questionnaire_trouver("jeton-du-courriel-0001-abcdef")
    assert url not in client.get(reverse("usager:accueil")).content.decode()
    assert client.get(url).status_code == 302
    assert ReponseQuestionnaire.unscoped_objects.count() == 1


def test_questionnaire_expire_n_est_plus_propose(suivi, structure_a):
    carnet, _, _ = suivi
    questionnaire = QuestionnaireFactory(
        carnet=carnet, structure=structure_a, expire_le=timezone.now() - datetime.timedelta(seconds=1)
    )
    client = client_usager(carnet)
    url = reverse("usager:questionnaire", kwargs={"uid": questionnaire.uid})
    assert url not in client.get(reverse("usager:accueil")).content.decode()
    assert client.post(url, {f"q{i}": "3" for i in range(1, 6)}).status_code == 302
    assert Questionnaire.unscoped_objects.get(pk=questionnaire.pk).repondu_le is None
    assert not ReponseQuestionnaire.unscoped_objects.exists()
