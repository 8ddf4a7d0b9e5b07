"""Prescriptions: sent from a carnet by a member of the group, answered by the receiving structure; reminder
at 10 days and expiry at 30 days (beat tasks, idempotent); each step in the carnet's timeline.

Personas: `agent_a` (référent of the carnet, structure A), `receveur` (member of the association that runs
the service), `autre_structure` (member of a third structure of the same département), `partner_a`
(professional of the same département outside the group), `admin_b` (another département).
"""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet.models import Evenement
from offre import services
from offre.models import Prescription
from offre.tasks import expirer_prescriptions, relancer_prescriptions
from spie.models import AccessLog, Notification
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, NoteFactory
from tests.conftest import logged_client
from tests.offre.factories import PrescriptionFactory, ServiceFactory, SessionFactory
from tests.spie.factories import MembershipFactory, StructureFactory

NIR = "295109912611193"


@pytest.fixture
def association(dep_a):
    return StructureFactory(departement=dep_a, type="association", nom="Association Tremplin")


@pytest.fixture
def receveur(association):
    return MembershipFactory(structure=association, role="professionnel").user


@pytest.fixture
def collegue_receveur(association):
    return MembershipFactory(structure=association, role="responsable_structure").user


@pytest.fixture
def autre_structure(dep_a):
    return MembershipFactory(structure=StructureFactory(departement=dep_a), role="professionnel").user


@pytest.fixture
def service(association):
    return ServiceFactory(structure=association, nom="Atelier CV")


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(
        departement=dep_a,
        beneficiaire__nom_usage="Dupont",
        beneficiaire__prenoms="Léa Marie",
        beneficiaire__telephone="06 11 22 33 44",
        beneficiaire__courriel="lea.dupont@exemple.fr",
        beneficiaire__nir=NIR,
    )
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    NoteFactory(carnet=carnet, auteur=agent_a, structure=structure_a, texte="Note confidentielle du référent")
    return carnet


def url_prescrire(carnet, service):
    return reverse("offre:prescrire", args=[carnet.uid, service.uid])


def send(client, carnet, service, **data):
    payload = {"message": "Disponible le matin.", "consentement": "on", "partager_telephone": "on", **data}
    return client.post(url_prescrire(carnet, service), payload)


def events(carnet):
    return list(Evenement.unscoped_objects.filter(carnet=carnet, type="prescription").order_by("id"))


# --- Sending --------------------------------------------------------------------------------------------


def test_member_of_the_group_sends_a_prescription(
    client_agent_a, agent_a, carnet, service, receveur, collegue_receveur
):
    response = send(client_agent_a, carnet, service)
    assert response.status_code == 302
    assert response["Location"] == reverse("offre:carnet_prescriptions", args=[carnet.uid])
    prescription = Prescription.unscoped_objects.get()
    assert (prescription.statut, prescription.prescripteur, prescription.structure_destinataire) == (
        "en_attente",
        agent_a,
        service.structure,
    )
    # Only what the prescription needs is copied: first name, name, the phone the person agreed to share.
    assert (prescription.personne_prenom, prescription.personne_nom) == ("Léa", "Dupont")
    assert (prescription.personne_telephone, prescription.personne_courriel) == ("06 11 22 33 44", "")
    assert [e.resume for e in events(carnet)] == ["Prescription envoyée vers « Atelier CV » (Association Tremplin)"]
    notified = set(
        Notification.objects.filter(cle=f"prescription:{prescription.uid}:recue").values_list("user", flat=True)
    )
    assert notified == {receveur.pk, collegue_receveur.pk}
    page = client_agent_a.get(reverse("offre:carnet_prescriptions", args=[carnet.uid])).content.decode()
    assert "Atelier CV" in page and "En attente de réponse" in page


def test_the_person_must_agree_and_a_pending_prescription_is_not_sent_twice(client_agent_a, carnet, service):
    response = send(client_agent_a, carnet, service, consentement="")
    assert response.status_code == 200 and not Prescription.unscoped_objects.exists()
    assert send(client_agent_a, carnet, service).status_code == 302
    response = send(client_agent_a, carnet, service)
    assert "attend déjà la réponse" in response.content.decode()
    assert Prescription.unscoped_objects.count() == 1


def test_a_session_can_be_chosen_and_a_full_one_cannot(client_agent_a, carnet, service):
    ouverte = SessionFactory(service=service, places_restantes=2)
    pleine = SessionFactory(service=service, places_restantes=0)
    form = client_agent_a.get(url_prescrire(carnet, service)).context["form"]
    assert list(form.fields["session"].queryset) == [ouverte]
    response = send(client_agent_a, carnet, service, session=pleine.pk)
    assert response.status_code == 200 and not Prescription.unscoped_objects.exists()
    assert send(client_agent_a, carnet, service, session=ouverte.pk).status_code == 302
    assert Prescription.unscoped_objects.get().session == ouverte


def test_professional_outside_the_group_cannot_prescribe(client_agent_a, partner_a, carnet, service):
    client = logged_client(partner_a)
    assert client.get(url_prescrire(carnet, service)).status_code == 403
    assert send(client, carnet, service).status_code == 403
    assert client.get(reverse("offre:carnet_recherche", args=[carnet.uid])).status_code == 403
    assert not Prescription.unscoped_objects.exists()


def test_other_departement_gets_404(client_admin_b, carnet, service):
    assert client_admin_b.get(url_prescrire(carnet, service)).status_code == 404
    assert send(client_admin_b, carnet, service).status_code == 404


def test_unpublished_service_cannot_be_prescribed(client_agent_a, carnet, association):
    service = ServiceFactory(structure=association, a_valider=True)
    assert client_agent_a.get(url_prescrire(carnet, service)).status_code == 404


def test_carnet_search_starts_from_the_persons_commune_and_offers_to_prescribe(client_agent_a, carnet, service):
    page = client_agent_a.get(reverse("offre:carnet_recherche", args=[carnet.uid])).content.decode()
    assert url_prescrire(carnet, service) in page


# --- Receiving structure --------------------------------------------------------------------------------


@pytest.fixture
def prescription(client_agent_a, carnet, service):
    send(client_agent_a, carnet, service, message="Merci de la recevoir rapidement.")
    return Prescription.unscoped_objects.get()


def test_receiving_structure_sees_only_what_the_prescription_needs(receveur, prescription, carnet):
    client = logged_client(receveur)
    inbox = client.get(reverse("offre:prescriptions_recues")).content.decode()
    assert "Léa Dupont" in inbox
    response = client.get(reverse("offre:prescription_recue", args=[prescription.uid]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "06 11 22 33 44" in page and "Merci de la recevoir rapidement." in page
    for secret in (NIR, "Note confidentielle", "lea.dupont@exemple.fr", str(carnet.uid), "Marie"):
        assert secret not in page
    log = AccessLog.objects.filter(object_type="offre.prescription").get()
    assert (log.action, log.user, log.object_uid) == ("consultation", receveur, prescription.uid)
    # The receiving structure does not read the carnet.
    assert client.get(reverse("carnet:notes", args=[carnet.uid])).status_code == 403


def test_another_structure_cannot_see_the_prescription(autre_structure, prescription, client_admin_b):
    client = logged_client(autre_structure)
    assert "Léa Dupont" not in client.get(reverse("offre:prescriptions_recues")).content.decode()
    assert client.get(reverse("offre:prescription_recue", args=[prescription.uid])).status_code == 404
    response = client.post(reverse("offre:prescription_repondre", args=[prescription.uid]), {"decision": "accepter"})
    assert response.status_code == 404
    assert client_admin_b.get(reverse("offre:prescription_recue", args=[prescription.uid])).status_code == 404


def test_receiving_structure_accepts(receveur, prescription, carnet, agent_a, service):
    session = SessionFactory(service=service, places_restantes=3)
    Prescription.unscoped_objects.filter(pk=prescription.pk).update(session=session)
    client = logged_client(receveur)
    response = client.post(
        reverse("offre:prescription_repondre", args=[prescription.uid]),
        {"decision": "accepter", "precision": "Rendez-vous le 3 mars."},
    )
    assert response.status_code == 302
    prescription.refresh_from_db()
    session.refresh_from_db()
    assert (prescription.statut, prescription.repondue_par, prescription.precision_reponse) == (
        "acceptee",
        receveur,
        "Rendez-vous le 3 mars.",
    )
    assert session.places_restantes == 2
    assert events(carnet)[-1].resume == "Prescription vers « Atelier CV » acceptée par Association Tremplin"
    assert Notification.objects.filter(user=agent_a, cle=f"prescription:{prescription.uid}:reponse").exists()
    # Answered once: a second answer is refused.
    response = client.post(
        reverse("offre:prescription_repondre", args=[prescription.uid]), {"decision": "refuser", "motif": "autre"}
    )
    prescription.refresh_from_db()
    assert prescription.statut == "acceptee"


def test_receiving_structure_refuses_with_a_reason(receveur, prescription, carnet):
    client = logged_client(receveur)
    url = reverse("offre:prescription_repondre", args=[prescription.uid])
    assert client.post(url, {"decision": "refuser"}).status_code == 400
    assert client.post(url, {"decision": "refuser", "motif": "plus_de_place"}).status_code == 302
    prescription.refresh_from_db()
    assert (prescription.statut, prescription.get_motif_refus_display()) == ("refusee", "Plus de place disponible")
    assert events(carnet)[-1].resume.endswith("refusée par Association Tremplin : Plus de place disponible")


def test_prescriber_cancels(client_agent_a, prescription, carnet, receveur):
    url = reverse("offre:prescription_annuler", args=[carnet.uid, prescription.uid])
    assert client_agent_a.get(url).status_code == 405
    assert client_agent_a.post(url).status_code == 302
    prescription.refresh_from_db()
    assert prescription.statut == "annulee"
    assert events(carnet)[-1].resume == "Prescription vers « Atelier CV » annulée"
    assert Notification.objects.filter(user=receveur, cle=f"prescription:{prescription.uid}:annulee").exists()


# --- Reminder at 10 days, expiry at 30 days ----------------------------------------------------------


def _age(prescription, days):
    Prescription.unscoped_objects.filter(pk=prescription.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_reminder_after_10_days_is_sent_once(
    prescription, carnet, receveur, collegue_receveur, django_capture_on_commit_callbacks
):
    _age(prescription, 9)
    with django_capture_on_commit_callbacks(execute=True):
        assert relancer_prescriptions() == 0
    assert not mail.outbox
    _age(prescription, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert relancer_prescriptions() == 1
        assert relancer_prescriptions() == 0
    prescription.refresh_from_db()
    assert prescription.relancee_le is not None and prescription.statut == "en_attente"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([receveur.email, collegue_receveur.email])
    assert "Atelier CV" in mail.outbox[0].body and "Léa" not in mail.outbox[0].body
    assert Notification.objects.filter(cle=f"prescription:{prescription.uid}:relance").count() == 2
    assert [e.resume.split(" :")[0] for e in events(carnet)] == [
        "Prescription envoyée vers « Atelier CV » (Association Tremplin)",
        "Relance",
    ]


def test_expiry_after_30_days_happens_once(prescription, carnet, agent_a, django_capture_on_commit_callbacks):
    _age(prescription, 29)
    with django_capture_on_commit_callbacks(execute=True):
        assert expirer_prescriptions() == 0
    _age(prescription, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert expirer_prescriptions() == 1
        assert expirer_prescriptions() == 0
        assert relancer_prescriptions() == 0  # an expired prescription is no longer reminded
    prescription.refresh_from_db()
    assert prescription.statut == "expiree" and prescription.cloturee_le is not None
    assert [m.to for m in mail.outbox] == [[agent_a.email]]
    assert Notification.objects.filter(user=agent_a, cle=f"prescription:{prescription.uid}:expiree").count() == 1
    assert events(carnet)[-1].resume == "Prescription vers « Atelier CV » expirée sans réponse après 30 jours"
    with departement_scope(prescription.departement_id), pytest.raises(services.RegleMetier):
        services.prescription_answer(
            prescription=prescription, accepte=True, auteur=agent_a, structure=prescription.structure_destinataire
        )


def test_answered_prescriptions_are_neither_reminded_nor_expired(prescription, receveur, association):
    with departement_scope(prescription.departement_id):
        services.prescription_answer(prescription=prescription, accepte=True, auteur=receveur, structure=association)
    _age(prescription, 40)
    assert (relancer_prescriptions(), expirer_prescriptions()) == (0, 0)


# --- Query counts ---------------------------------------------------------------------------------------


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_inbox_and_carnet_list_query_counts_do_not_depend_on_the_number_of_rows(
    client_agent_a, receveur, carnet, service, structure_a, agent_a
):
    def add(n):
        for _ in range(n):
            PrescriptionFactory(
                service=ServiceFactory(structure=service.structure),
                carnet=carnet,
                prescripteur=agent_a,
                structure_prescriptrice=structure_a,
                session=SessionFactory(service=service),
            )

    inbox, carnet_list = (
        reverse("offre:prescriptions_recues"),
        reverse("offre:carnet_prescriptions", args=[carnet.uid]),
    )
    client = logged_client(receveur)
    add(3)
    few = (_count(client, inbox), _count(client_agent_a, carnet_list))
    add(4)
    assert (_count(client, inbox), _count(client_agent_a, carnet_list)) == few
