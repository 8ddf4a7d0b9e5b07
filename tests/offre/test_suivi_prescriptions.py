"""Prescriptions followed to the end: the outcome steps after acceptance (service, web on both sides, partner
API), the reminders when an outcome is overdue, and the uptake and completion indicators."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import Evenement
from offre import services
from offre.models import EtapePrescription, Prescription
from partenaires.models import Scope
from spie.models import Notification
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.offre.factories import ServiceFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db
JOUR = datetime.timedelta(days=1)


@pytest.fixture
def association(dep_a):
    return StructureFactory(departement=dep_a, type="association", nom="Association Tremplin")


@pytest.fixture
def receveur(association):
    return MembershipFactory(structure=association, role="professionnel").user


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Dupont")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


@pytest.fixture
def acceptee(dep_a, carnet, association, agent_a, structure_a, receveur):
    """A prescription sent by the référent and accepted by the association, 3 days ago."""
    service = ServiceFactory(structure=association, nom="Chantier d'insertion")
    with departement_scope(dep_a):
        prescription = services.prescription_send(
            carnet=carnet, service=service, message="Bonjour", consentement=True, auteur=agent_a, structure=structure_a
        )
        services.prescription_answer(prescription=prescription, accepte=True, auteur=receveur, structure=association)
        Prescription.objects.filter(pk=prescription.pk).update(repondue_le=timezone.now() - 3 * JOUR)
        prescription.refresh_from_db()
    return prescription


def etape(prescription, nom, *, par, structure, jours=0, motif=""):
    with departement_scope(prescription.departement):
        prescription = Prescription.objects.select_related("service", "carnet").get(pk=prescription.pk)
        return services.prescription_etape_enregistrer(
            prescription=prescription,
            etape=nom,
            date=timezone.localdate() - jours * JOUR,
            motif=motif,
            auteur=par,
            structure=structure,
        )


def test_full_path_to_completion_is_kept_step_by_step(acceptee, receveur, association, agent_a, dep_a):
    for nom in ("presente", "retenue", "entree", "terminee"):
        etape(acceptee, nom, par=receveur, structure=association, jours=1)
    with departement_scope(dep_a):
        acceptee.refresh_from_db()
        assert acceptee.etape == "terminee"
        assert [e.etape for e in EtapePrescription.objects.filter(prescription=acceptee)] == [
            "presente",
            "retenue",
            "entree",
            "terminee",
        ]
        resumes = list(Evenement.objects.filter(carnet=acceptee.carnet).values_list("resume", flat=True))
        assert any("action terminée" in r for r in resumes)
        assert services.etapes_possibles(acceptee) == ()
    # The prescriber hears of each step recorded by the receiving structure.
    assert Notification.objects.filter(user=agent_a, titre="Suivi d'une prescription").count() == 4


def test_order_reasons_and_dates_are_enforced(acceptee, receveur, association):
    with pytest.raises(services.RegleMetier, match="ne peut pas suivre"):
        etape(acceptee, "entree", par=receveur, structure=association)
    with pytest.raises(services.RegleMetier, match="motif"):
        etape(acceptee, "absente", par=receveur, structure=association)
    with pytest.raises(services.RegleMetier, match="futur"):
        etape(acceptee, "presente", par=receveur, structure=association, jours=-1)
    with pytest.raises(services.RegleMetier, match="précéder"):
        etape(acceptee, "presente", par=receveur, structure=association, jours=10)
    with pytest.raises(services.RegleMetier, match="ne prend pas de motif"):
        etape(acceptee, "presente", par=receveur, structure=association, motif="autre")
    with pytest.raises(services.RegleMetier, match="motif"):
        etape(acceptee, "absente", par=receveur, structure=association, motif="emploi")  # not a reason of absence
    assert not EtapePrescription.unscoped_objects.exists()


def test_absent_then_came_after_a_new_convocation(acceptee, receveur, association):
    etape(acceptee, "absente", par=receveur, structure=association, motif="injoignable")
    etape(acceptee, "presente", par=receveur, structure=association)
    etape(acceptee, "non_retenue", par=receveur, structure=association, motif="prerequis")
    with pytest.raises(services.RegleMetier, match="le suivi est terminé"):
        etape(acceptee, "entree", par=receveur, structure=association)


def test_no_step_before_acceptance(dep_a, carnet, association, agent_a, structure_a, receveur):
    with departement_scope(dep_a):
        prescription = services.prescription_send(
            carnet=carnet,
            service=ServiceFactory(structure=association),
            message="Bonjour",
            consentement=True,
            auteur=agent_a,
            structure=structure_a,
        )
    with pytest.raises(services.RegleMetier, match="acceptée"):
        etape(prescription, "presente", par=receveur, structure=association)


def test_a_stale_step_loses_the_race(acceptee, receveur, association, dep_a):
    with departement_scope(dep_a):
        perime = Prescription.objects.select_related("service", "carnet").get(pk=acceptee.pk)
    etape(acceptee, "presente", par=receveur, structure=association)
    with departement_scope(dep_a), pytest.raises(services.RegleMetier, match="rechargez"):
        # The copy read before says "no step yet": its "absente" would overwrite the step just recorded.
        services.prescription_etape_enregistrer(
            prescription=perime,
            etape="absente",
            date=timezone.localdate(),
            motif="injoignable",
            auteur=receveur,
            structure=association,
        )


# --- Web, both sides ------------------------------------------------------------------------------------------


def test_receiving_structure_records_a_step_on_its_page(acceptee, receveur):
    client = logged_client(receveur)
    page = client.get(reverse("offre:prescription_recue", kwargs={"uid": acceptee.uid})).content.decode()
    assert "Suivi après l'acceptation" in page and "La personne s&#x27;est présentée" in page
    response = client.post(
        reverse("offre:prescription_etape", kwargs={"uid": acceptee.uid}),
        {"etape": "absente", "date": timezone.localdate().isoformat(), "motif": "mobilite"},
    )
    assert response.status_code == 302
    assert EtapePrescription.unscoped_objects.get().motif == "mobilite"


def test_referent_records_a_step_from_the_carnet(acceptee, client_agent_a, carnet, receveur):
    page = client_agent_a.get(reverse("offre:carnet_prescriptions", kwargs={"uid": carnet.uid})).content.decode()
    assert "enregistrer l'étape suivante" in page
    prefix = str(acceptee.uid)
    response = client_agent_a.post(
        reverse("offre:carnet_prescription_etape", kwargs={"uid": carnet.uid, "prescription_uid": acceptee.uid}),
        {f"{prefix}-etape": "presente", f"{prefix}-date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert Prescription.unscoped_objects.get(pk=acceptee.pk).etape == "presente"
    # The receiving structure hears of it.
    assert Notification.objects.filter(user=receveur, titre="Suivi d'une prescription").exists()


def test_invalid_step_on_the_web_saves_nothing_and_says_why(acceptee, receveur):
    response = logged_client(receveur).post(
        reverse("offre:prescription_etape", kwargs={"uid": acceptee.uid}),
        {"etape": "terminee", "date": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "n&#x27;est pas enregistrée" in response.content.decode()
    assert not EtapePrescription.unscoped_objects.exists()


@pytest.mark.parametrize(("qui", "attendu"), [("autre_structure", 404), ("meme_departement_hors_groupe", 403)])
def test_who_may_record_a_step(qui, attendu, acceptee, dep_a, carnet):
    autre = MembershipFactory(structure=StructureFactory(departement=dep_a, type="association")).user
    if qui == "autre_structure":
        url = reverse("offre:prescription_etape", kwargs={"uid": acceptee.uid})
    else:
        url = reverse("offre:carnet_prescription_etape", kwargs={"uid": carnet.uid, "prescription_uid": acceptee.uid})
    response = logged_client(autre).post(url, {"etape": "presente", "date": timezone.localdate().isoformat()})
    assert response.status_code == attendu
    assert not EtapePrescription.unscoped_objects.exists()


def test_other_departement_gets_404(acceptee, client_admin_b):
    response = client_admin_b.post(reverse("offre:prescription_etape", kwargs={"uid": acceptee.uid}), {})
    assert response.status_code == 404


# --- Partner API ----------------------------------------------------------------------------------------------


@pytest.fixture
def client_assoc(association):
    return api(make_token(association, scopes=[Scope.PRESCRIPTIONS_WRITE])[1])


def _url(prescription):
    return reverse("api:prescription_etapes", kwargs={"uid": prescription.uid})


def test_api_records_and_reads_the_steps(acceptee, client_assoc):
    corps = {"etape": "presente", "date": timezone.localdate().isoformat()}
    response = client_assoc.post(_url(acceptee), corps, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["etape"] == "presente" and data["etapes_possibles"] == ["retenue", "non_retenue"]
    assert client_assoc.get(_url(acceptee)).json()["etapes"][0]["etape"] == "presente"


def test_api_refuses_out_of_order_with_409_and_bad_input_with_400(acceptee, client_assoc):
    conflit = client_assoc.post(
        _url(acceptee), {"etape": "entree", "date": timezone.localdate().isoformat()}, content_type="application/json"
    )
    assert conflit.status_code == 409
    invalide = client_assoc.post(_url(acceptee), {"etape": "presente"}, content_type="application/json")
    assert invalide.status_code == 400


def test_api_is_idempotent_with_a_key(acceptee, client_assoc):
    corps = {"etape": "presente", "date": timezone.localdate().isoformat()}
    for _ in range(2):
        response = client_assoc.post(
            _url(acceptee), corps, content_type="application/json", headers={"Idempotency-Key": "etape-1"}
        )
        assert response.status_code == 201
    assert EtapePrescription.unscoped_objects.count() == 1


def test_api_another_structure_gets_404_and_a_missing_scope_403(acceptee, dep_a):
    autre = StructureFactory(departement=dep_a, type="association")
    assert api(make_token(autre, scopes=[Scope.PRESCRIPTIONS_WRITE])[1]).get(_url(acceptee)).status_code == 404
    sans_droit = api(make_token(acceptee.structure_destinataire, scopes=[])[1])
    assert sans_droit.get(_url(acceptee)).status_code == 403
    assert api("inconnu").get(_url(acceptee)).status_code == 401


# --- Reminders and indicators ---------------------------------------------------------------------------------


def test_overdue_outcome_is_reminded_once_per_step(acceptee, receveur, association, agent_a, _clock):
    assert services.prescriptions_suivi_relancer() == 0
    _clock.shift(20 * JOUR)
    assert services.prescriptions_suivi_relancer() == 1
    assert services.prescriptions_suivi_relancer() == 0
    assert Notification.objects.filter(user=receveur, titre="Suivi de prescription à compléter").count() == 1
    assert Notification.objects.filter(user=agent_a, titre="Suivi de prescription à compléter").count() == 1
    etape(acceptee, "presente", par=receveur, structure=association)
    _clock.shift(22 * JOUR)
    assert services.prescriptions_suivi_relancer() == 1
    etape(acceptee, "non_retenue", par=receveur, structure=association, motif="plus_de_place")
    _clock.shift(60 * JOUR)
    assert services.prescriptions_suivi_relancer() == 0  # a final step is never overdue


def test_beat_schedules_the_reminder():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["offre-relancer-suivi-prescriptions"]["task"] == (
        "offre.tasks.relancer_suivi_prescriptions"
    )


def test_uptake_and_completion_by_service(acceptee, receveur, association, dep_a, carnet, agent_a, structure_a):
    for nom in ("presente", "retenue", "entree", "terminee"):
        etape(acceptee, nom, par=receveur, structure=association)
    with departement_scope(dep_a):
        autre = services.prescription_send(
            carnet=CarnetFactory(departement=dep_a),
            service=acceptee.service,
            message="x",
            consentement=True,
            auteur=agent_a,
            structure=structure_a,
        )
        services.prescription_answer(prescription=autre, accepte=True, auteur=receveur, structure=association)
    etape(autre, "absente", par=receveur, structure=association, motif="renonce")
    with departement_scope(dep_a):
        [ligne] = services.indicateurs_prescriptions(Prescription.objects.all())
        [par_structure] = services.indicateurs_prescriptions(Prescription.objects.all(), par="structure")
    assert ligne["nom"] == "Chantier d'insertion"
    assert (ligne["acceptees"], ligne["entrees"], ligne["terminees"]) == (2, 1, 1)
    assert ligne["taux_entree"] == 50 and ligne["taux_achevement"] == 100
    assert par_structure["nom"] == "Association Tremplin"


def test_dashboard_shows_uptake_and_completion(acceptee, receveur, association, client_admin_a):
    for nom in ("presente", "retenue", "entree"):
        etape(acceptee, nom, par=receveur, structure=association)
    page = client_admin_a.get(reverse("suivi:tableau_de_bord")).content.decode()
    assert "Prescriptions : entrée et achèvement" in page
    assert "Chantier d&#x27;insertion" in page and "Association Tremplin" in page
    assert "100 %" in page  # 1 entered of 1 accepted


def test_a_structure_manager_sees_only_its_services_in_the_dashboard(acceptee, association, structure_a):
    manager = MembershipFactory(structure=structure_a, role="responsable_structure").user
    page = logged_client(manager).get(reverse("suivi:tableau_de_bord")).content.decode()
    assert "Prescriptions : entrée et achèvement" in page and "Chantier d&#x27;insertion" not in page
    responsable_assoc = MembershipFactory(structure=association, role="responsable_structure").user
    page = logged_client(responsable_assoc).get(reverse("suivi:tableau_de_bord")).content.decode()
    assert "Chantier d&#x27;insertion" in page


def test_dashboard_counts_only_the_prescriptions_of_the_period(acceptee, client_admin_a, dep_a):
    Prescription.unscoped_objects.filter(pk=acceptee.pk).update(created_at=timezone.now() - 400 * JOUR)
    page = client_admin_a.get(reverse("suivi:tableau_de_bord")).content.decode()
    assert "Aucune prescription sur la période." in page and "Chantier d&#x27;insertion" not in page
