"""The point sent to the professionals: content, weekly notification, e-mail according to the preference."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from carnet.models import Carnet, DemandeAdhesion
from spie.models import Membership, Notification
from spie.tenancy import all_departements, departement_scope
from suivi import tasks
from suivi.models import FrequenceCourriel, Message, PreferenceNotification
from suivi.services import digests_envoyer
from tests.carnet.factories import CarnetFactory, ContratFactory, MembreGroupeFactory, RendezVousFactory
from tests.spie.factories import MembershipFactory, UserFactory
from tests.suivi.factories import regles

pytestmark = pytest.mark.django_db


def _carnet(dep, user, structure, *, referent=True, nom="Durand", rdv=(), contrat=None):
    """A carnet followed by `user`, with its appointments `rdv` ((days from now, statut)...) and a signed
    contract ending in `contrat` days: real rows, the lists read them (not the carnet's denormalised dates)."""
    carnet = CarnetFactory(departement=dep, beneficiaire__nom_usage=nom, beneficiaire__prenoms="Léa")
    MembreGroupeFactory(carnet=carnet, user=user, structure=structure, est_referent=referent)
    for jours, statut in rdv:
        RendezVousFactory(carnet=carnet, date_heure=timezone.now() + datetime.timedelta(days=jours), statut=statut)
    if contrat is not None:
        today = timezone.localdate()
        ContratFactory(
            carnet=carnet,
            statut="signe",
            date_debut=today - datetime.timedelta(days=100),
            date_signature=today - datetime.timedelta(days=100),
            date_fin=today + datetime.timedelta(days=contrat),
        )
    return carnet


@pytest.fixture
def referent(dep_a, structure_a, agent_a):
    """A référent with: one person last seen 90 days ago, one whose contract ends in 10 days, one with a
    planned appointment and a long contract, and a pending join request."""
    _carnet(dep_a, agent_a, structure_a, nom="Sansrdv", rdv=[(-90, "present")])
    fin = _carnet(dep_a, agent_a, structure_a, nom="Fincontrat", rdv=[(-5, "present")], contrat=10)
    _carnet(dep_a, agent_a, structure_a, nom="Atour", rdv=[(5, "prevu")], contrat=100)
    DemandeAdhesion.unscoped_objects.create(
        departement=dep_a, carnet=fin, user=UserFactory(), structure=structure_a, motif="Suivi emploi"
    )
    regles(dep_a, digest_jour_semaine=timezone.localdate().weekday())
    return agent_a


def test_digest_run_twice_notifies_and_mails_once(referent, run_twice):
    run_twice(tasks.digests_referents)
    assert Notification.objects.filter(user=referent).count() == 1
    assert len(mail.outbox) == 1
    with all_departements():
        assert Message.objects.count() == 1


def test_digest_lists_the_people_who_need_attention(referent, dep_a, run_twice):
    run_twice(tasks.digests_referents)
    body = mail.outbox[0].body
    assert mail.outbox[0].to == [referent.email]
    assert "Personnes sans rendez-vous à moins de 60 jours : 1" in body and "Léa SANSRDV" in body
    assert "Contrats se terminant dans les 30 jours : 1" in body and "Léa FINCONTRAT" in body
    assert "Personnes reçues sans contrat en cours : 1" in body
    assert "Personnes reçues sans diagnostic : 2" in body
    assert "Demandes d'adhésion en attente : 1" in body
    assert "Léa ATOUR" not in body
    # Each heading leads to the same list on the home page ("Ma journée").
    assert "/#liste-sans_rdv" in body
    notification = Notification.objects.get(user=referent)
    assert "Contrats se terminant dans les 30 jours : 1" in notification.message
    assert notification.departement_id == dep_a.pk


def test_preference_jamais_keeps_the_notification_without_email(referent, run_twice):
    PreferenceNotification.objects.create(user=referent, frequence_courriel=FrequenceCourriel.JAMAIS)
    run_twice(tasks.digests_referents)
    assert mail.outbox == []
    assert Notification.objects.filter(user=referent).count() == 1


def _jour(weekday):
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)


def test_weekly_email_only_on_the_rules_day(referent, dep_a, django_capture_on_commit_callbacks):
    regles(dep_a, digest_jour_semaine=0)
    with django_capture_on_commit_callbacks(execute=True), departement_scope(dep_a):
        assert digests_envoyer(departement=dep_a, jour=_jour(2)) == {"notifications": 0, "courriels": 0}
        assert digests_envoyer(departement=dep_a, jour=_jour(0)) == {"notifications": 1, "courriels": 1}
    assert len(mail.outbox) == 1


def test_daily_preference_gets_an_email_every_working_day(referent, dep_a, django_capture_on_commit_callbacks):
    PreferenceNotification.objects.create(user=referent, frequence_courriel=FrequenceCourriel.QUOTIDIEN)
    lundi = _jour(0)
    with django_capture_on_commit_callbacks(execute=True), departement_scope(dep_a):
        for offset in range(7):
            for _ in range(2):
                digests_envoyer(departement=dep_a, jour=lundi + datetime.timedelta(days=offset))
    assert len(mail.outbox) == 5
    assert "point du jour" in mail.outbox[0].subject
    # The in-app notification stays weekly.
    assert Notification.objects.filter(user=referent).count() == 1


def test_nothing_to_report_sends_nothing(dep_a, structure_a, agent_a, run_twice):
    regles(dep_a, digest_jour_semaine=timezone.localdate().weekday())
    _carnet(dep_a, agent_a, structure_a, rdv=[(3, "prevu")], contrat=200)
    run_twice(tasks.digests_referents)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_disabled_digest_sends_nothing(referent, dep_a, run_twice):
    regles(dep_a, digest_actif=False)
    run_twice(tasks.digests_referents)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_professional_whose_membership_ended_gets_nothing(referent, run_twice):
    Membership.unscoped_objects.filter(user=referent).update(is_active=False)
    run_twice(tasks.digests_referents)
    assert mail.outbox == []


def test_digest_counts_only_the_departement_of_the_run(referent, dep_b, run_twice):
    """The same person followed in another département gets a separate point for it."""
    from tests.spie.factories import StructureFactory

    structure_b = StructureFactory(departement=dep_b)
    MembershipFactory(user=referent, structure=structure_b)
    _carnet(dep_b, referent, structure_b, nom="Ardennes")
    regles(dep_b, digest_jour_semaine=timezone.localdate().weekday())
    run_twice(tasks.digests_referents)
    assert len(mail.outbox) == 2
    corps = sorted(m.body for m in mail.outbox)
    assert sum("Léa ARDENNES" in body for body in corps) == 1
    assert Notification.objects.filter(user=referent).count() == 2


def test_pending_prescriptions_on_the_referents_carnets_are_counted(referent, dep_a, structure_a, run_twice):
    from django.apps import apps

    try:
        Service = apps.get_model("offre", "Service")
        Prescription = apps.get_model("offre", "Prescription")
    except LookupError:
        pytest.skip("le catalogue (offre) ne définit pas de prescriptions")
    service = Service.unscoped_objects.create(
        departement=dep_a,
        structure=structure_a,
        source="spie-76",
        di_id="spie-76--atelier",
        nom="Atelier CV",
        description="Un atelier pour préparer son CV.",
        date_maj=timezone.localdate(),
    )
    with all_departements():
        carnets = list(Carnet.objects.filter(membres__user=referent).order_by("pk"))
    common = {
        "departement": dep_a,
        "service": service,
        "structure_destinataire": structure_a,
        "structure_prescriptrice": structure_a,
        "prescripteur": referent,
        "personne_prenom": "Léa",
        "personne_nom": "Durand",
        "message": "Bonjour",
    }
    Prescription.unscoped_objects.create(carnet=carnets[0], statut="en_attente", **common)
    Prescription.unscoped_objects.create(carnet=carnets[1], statut="en_attente", **common)
    Prescription.unscoped_objects.create(carnet=carnets[1], statut="acceptee", **common)
    other = _carnet(dep_a, UserFactory(), structure_a, nom="Autre")
    Prescription.unscoped_objects.create(carnet=other, statut="en_attente", **common)
    run_twice(tasks.digests_referents)
    assert "Prescriptions en attente de réponse : 2" in mail.outbox[0].body
