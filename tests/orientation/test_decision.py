"""Proposal and decision: with and without the département's validation, sending back with a comment, the
change of référent with its history, notifications, the référent designated later, bad input refused with
nothing half-saved, and the milestone dates (including the first accompaniment appointment)."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import Evenement, MembreGroupe, TypeEvenement
from orientation import services
from orientation.models import DossierOrientation, Orientation, StatutDossier, StatutOrientation
from spie.models import Departement, Notification
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, RendezVousFactory
from tests.conftest import logged_client
from tests.orientation.factories import DiagnosticFactory, DispositifFactory, DossierFactory, dispositif, earlier_today
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory

pytestmark = pytest.mark.usefixtures("scope_a")


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def dossier(nouvel_entrant, charge):
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, statut=StatutDossier.DIAGNOSTIC_TERMINE)
    DiagnosticFactory(dossier=dossier, termine=True, created_by=charge)
    return dossier


def _proposer(client, dossier, **data):
    payload = {
        "type_orientation": "pro",
        "dispositif": dispositif(dossier.departement, "pro").pk,
        "motif": "Projet clair, disponible rapidement.",
        **data,
    }
    return client.post(reverse("orientation:proposer", kwargs={"uid": dossier.uid}), payload)


def test_proposal_waits_for_the_valideur_who_is_notified(client_charge, dossier, structure_ft, valideur):
    response = _proposer(client_charge, dossier, structure=structure_ft.pk)
    orientation = Orientation.objects.get(dossier=dossier)
    assert response["Location"] == reverse("orientation:orientation", kwargs={"uid": orientation.uid})
    assert (orientation.statut, orientation.decidee_le) == (StatutOrientation.PROPOSEE, None)
    assert orientation.diagnostic is not None
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.ORIENTATION_PROPOSEE
    assert valideur.notifications.filter(titre="Une orientation attend votre validation").exists()
    assert not MembreGroupe.objects.filter(carnet=dossier.carnet).exists()
    page = text(logged_client(valideur).get(reverse("orientation:a_valider")))
    assert dossier.carnet.beneficiaire.nom_complet in page


def test_valideur_accepts_and_the_carnet_gets_its_referent(
    client_charge, client_valideur, dossier, structure_ft, conseiller_ft, responsable_ft, charge
):
    _proposer(client_charge, dossier, structure=structure_ft.pk, referent=str(conseiller_ft.uid))
    orientation = Orientation.objects.get(dossier=dossier)
    response = client_valideur.post(reverse("orientation:valider", kwargs={"uid": orientation.uid}))
    assert response.status_code == 302
    orientation.refresh_from_db()
    assert orientation.statut == StatutOrientation.VALIDEE and orientation.decidee_le is not None
    dossier.refresh_from_db()
    assert (dossier.statut, dossier.date_decision) == (StatutDossier.ORIENTE, timezone.localdate())
    referent = MembreGroupe.objects.referents().get(carnet=dossier.carnet)
    assert (referent.user, referent.structure) == (conseiller_ft, structure_ft)
    assert conseiller_ft.notifications.filter(titre="Vous êtes désigné référent").exists()
    assert responsable_ft.notifications.filter(titre="Une personne est orientée vers votre structure").exists()
    assert charge.notifications.filter(titre="Orientation validée").exists()
    resumes = list(Evenement.objects.filter(carnet=dossier.carnet).values_list("resume", flat=True))
    assert any(r.startswith("Orientation proposée : professionnelle") for r in resumes)
    assert any(r.startswith("Orientation décidée : professionnelle") for r in resumes)
    # The référent now sees the carnet, its orientation and the decision letter.
    page = text(logged_client(conseiller_ft).get(reverse("carnet:detail", kwargs={"uid": dossier.carnet.uid})))
    assert "Fiche minimale" not in page and structure_ft.nom in page and "Courrier de décision" in page
    # And the person has left the queue.
    queue = client_charge.get(reverse("orientation:file")).context["rows"]
    assert dossier.carnet_id not in {row.pk for row in queue}


def test_without_validation_setting_the_proposal_is_final_at_once(
    client_charge, dossier, structure_ft, conseiller_ft, valideur, dep_a
):
    Departement.objects.filter(pk=dep_a.pk).update(orientation_validation_requise=False)
    _proposer(client_charge, dossier, structure=structure_ft.pk, referent=str(conseiller_ft.uid))
    orientation = Orientation.objects.get(dossier=dossier)
    assert orientation.statut == StatutOrientation.VALIDEE
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.ORIENTE
    assert MembreGroupe.objects.referents().get(carnet=dossier.carnet).user == conseiller_ft
    assert not valideur.notifications.exists()


def test_renvoi_with_a_comment_goes_back_to_the_charge(client_charge, client_valideur, charge, dossier, structure_ft):
    _proposer(client_charge, dossier, structure=structure_ft.pk)
    orientation = Orientation.objects.get(dossier=dossier)
    url = reverse("orientation:renvoyer", kwargs={"uid": orientation.uid})
    # Without a comment: refused, nothing changes.
    client_valideur.post(url, {"commentaire": "  "})
    assert Orientation.objects.get(pk=orientation.pk).statut == StatutOrientation.PROPOSEE
    client_valideur.post(url, {"commentaire": "Une orientation sociale semble plus adaptée."})
    orientation.refresh_from_db()
    assert (orientation.statut, orientation.commentaire) == (
        StatutOrientation.RENVOYEE,
        "Une orientation sociale semble plus adaptée.",
    )
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.DIAGNOSTIC_TERMINE
    assert charge.notifications.filter(titre="Une orientation vous est renvoyée").exists()
    assert not Evenement.objects.filter(resume__contains="sociale semble").exists()  # comments stay off the timeline
    page = text(client_charge.get(reverse("orientation:proposer", kwargs={"uid": dossier.uid})))
    assert "Une orientation sociale semble plus adaptée." in page
    # The chargé proposes again; the valideur can validate the new proposal.
    _proposer(
        client_charge,
        dossier,
        structure=structure_ft.pk,
        type_orientation="social",
        dispositif=dispositif(dossier.departement, "social").pk,
    )
    nouvelle = Orientation.objects.get(dossier=dossier, statut=StatutOrientation.PROPOSEE)
    assert nouvelle.type_orientation == "social"


def test_only_a_valideur_validates(client_charge, dossier, structure_ft):
    _proposer(client_charge, dossier, structure=structure_ft.pk)
    orientation = Orientation.objects.get(dossier=dossier)
    for name in ("valider", "renvoyer"):
        response = client_charge.post(reverse(f"orientation:{name}", kwargs={"uid": orientation.uid}))
        assert response.status_code == 403
    assert Orientation.objects.get(pk=orientation.pk).statut == StatutOrientation.PROPOSEE


def test_decision_changes_the_referent_and_keeps_the_former_one_in_history(
    dossier, charge, structure_a, structure_ft, conseiller_ft, valideur
):
    ancien = MembershipFactory(structure=structure_a, role="professionnel").user
    MembreGroupeFactory(carnet=dossier.carnet, user=ancien, structure=structure_a, est_referent=True)
    orientation = services.orientation_propose(
        dossier=dossier,
        type_orientation="pro",
        dispositif=dispositif(dossier.departement, "pro"),
        structure=structure_ft,
        referent=conseiller_ft,
        motif="Projet emploi",
        auteur=charge,
        auteur_structure=structure_a,
    )
    services.orientation_validate(orientation=orientation, auteur=valideur, auteur_structure=structure_a)
    rows = MembreGroupe.objects.filter(carnet=dossier.carnet).order_by("debut", "pk")
    referents = [(m.user, m.est_referent, m.fin is None) for m in rows]
    assert (ancien, True, False) in referents  # the former référent row ended...
    assert (ancien, False, True) in referents  # ...and they stay in the group as a member
    assert (conseiller_ft, True, True) in referents
    assert Evenement.objects.filter(carnet=dossier.carnet, type=TypeEvenement.REFERENT_CHANGE).exists()
    assert ancien.notifications.filter(titre="Nouvelle orientation d'une personne que vous accompagnez").exists()


def test_without_referent_the_structure_designates_one(
    client_charge, client_valideur, dossier, structure_ft, conseiller_ft, responsable_ft
):
    _proposer(client_charge, dossier, structure=structure_ft.pk)
    orientation = Orientation.objects.get(dossier=dossier)
    client_valideur.post(reverse("orientation:valider", kwargs={"uid": orientation.uid}))
    notification = responsable_ft.notifications.get(titre="Une personne est orientée vers votre structure")
    assert "Désignez son référent" in notification.message
    assert not MembreGroupe.objects.referents().filter(carnet=dossier.carnet).exists()
    responsable = logged_client(responsable_ft)
    url = reverse("orientation:designer_referent", kwargs={"uid": orientation.uid})
    assert responsable.get(url).status_code == 200
    assert client_charge.get(url).status_code == 403  # not the organisme référent
    responsable.post(url, {"referent": conseiller_ft.pk})
    assert MembreGroupe.objects.referents().get(carnet=dossier.carnet).user == conseiller_ft
    assert Orientation.objects.get(pk=orientation.pk).referent == conseiller_ft
    # Once only.
    assert responsable.get(url).status_code == 302


# --- Bad input: refused with a clear message, nothing half-saved ----------------------------


def _nothing_saved(dossier):
    assert not Orientation.objects.filter(dossier=dossier).exists()
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.DIAGNOSTIC_TERMINE
    assert not Evenement.objects.filter(carnet=dossier.carnet, type=TypeEvenement.ORIENTATION).exists()
    assert not Notification.objects.exists()


def test_a_decision_without_a_structure_is_refused(client_charge, dossier, valideur):
    response = _proposer(client_charge, dossier)
    assert response.status_code == 200
    assert "Choisissez l'organisme référent" in text(response)
    _nothing_saved(dossier)


def test_a_dispositif_of_another_departement_is_refused(client_charge, dossier, structure_ft, unscoped):
    autre = DepartementFactory(code="08")
    etranger = dispositif(autre, "pro")
    response = _proposer(client_charge, dossier, structure=structure_ft.pk, dispositif=etranger.pk)
    assert response.status_code == 200
    assert "Ce dispositif n'est pas un dispositif actif de votre département." in text(response)
    _nothing_saved(dossier)


def test_the_service_refuses_them_too(dossier, charge, structure_a, structure_ft, unscoped):
    autre = DepartementFactory(code="08")
    base = {
        "dossier": dossier,
        "type_orientation": "pro",
        "dispositif": dispositif(dossier.departement, "pro"),
        "structure": structure_ft,
        "referent": None,
        "motif": "Motif",
        "auteur": charge,
        "auteur_structure": structure_a,
    }
    cases = [
        ({"structure": None}, "Choisissez l'organisme référent"),
        ({"dispositif": dispositif(autre, "pro")}, "n'appartient pas à votre département"),
        ({"structure": StructureFactory(departement=autre)}, "structure active de votre département"),
        ({"type_orientation": "social"}, "relève d'une orientation professionnelle"),
        (
            {"dispositif": DispositifFactory(departement=dossier.departement, actif=False, type_orientation="pro")},
            "n'est plus proposé",
        ),
        ({"referent": MembershipFactory(structure=structure_a).user}, "n'exerce pas dans la structure"),
        ({"motif": " "}, "Indiquez le motif"),
    ]
    for change, message in cases:
        with pytest.raises(carnet_services.RegleMetier, match=message):
            services.orientation_propose(**{**base, **change})
    _nothing_saved(dossier)


def test_a_type_that_does_not_match_the_dispositif_is_refused_on_the_page(client_charge, dossier, structure_ft):
    response = _proposer(client_charge, dossier, structure=structure_ft.pk, type_orientation="social")
    assert response.status_code == 200 and "choisissez un dispositif du type retenu" in text(response)
    _nothing_saved(dossier)


# --- Milestone dates ------------------------------------------------------------------------


def test_every_milestone_is_recorded_with_its_date(
    client_charge,
    client_valideur,
    charge,
    nouvel_entrant,
    structure_ft,
    conseiller_ft,
    django_capture_on_commit_callbacks,
):
    entree = nouvel_entrant.beneficiaire.date_entree_rsa
    client_charge.post(reverse("orientation:dossier_ouvrir", kwargs={"uid": nouvel_entrant.uid}))
    dossier = DossierOrientation.objects.get(carnet=nouvel_entrant)
    assert dossier.date_entree_rsa == entree
    day = timezone.localdate() + datetime.timedelta(days=1)
    client_charge.post(
        reverse("orientation:convoquer", kwargs={"uid": dossier.uid}),
        {"date": day.isoformat(), "heure": "09:00", "duree_minutes": 60, "mode": "telephone"},
    )
    convocation = dossier.convocations.get()
    # The interview took place: move the appointment to this morning, as if the day had come.
    convocation.rendez_vous.__class__.objects.filter(pk=convocation.rendez_vous_id).update(
        date_heure=earlier_today(datetime.timedelta(hours=1))
    )
    client_charge.post(reverse("orientation:presence", kwargs={"uid": convocation.uid}), {"statut": "present"})
    DossierOrientation.objects.filter(pk=dossier.pk).update(statut=StatutDossier.DIAGNOSTIC_TERMINE)
    _proposer(client_charge, dossier, structure=structure_ft.pk, referent=str(conseiller_ft.uid))
    client_valideur.post(reverse("orientation:valider", kwargs={"uid": Orientation.objects.get(dossier=dossier).uid}))
    dossier.refresh_from_db()
    today = timezone.localdate()
    assert (dossier.date_premier_contact, dossier.date_entretien, dossier.date_decision) == (today, today, today)
    assert dossier.date_premier_rdv_accompagnement is None
    # The interview itself (not an accompaniment appointment) never counts as the first accompaniment one.
    RendezVousFactory(
        carnet=nouvel_entrant,
        statut="present",
        est_accompagnement=False,
        date_heure=earlier_today(datetime.timedelta()),
    )
    # A planned appointment of the référent, noted present through the carnet's service.
    rdv = RendezVousFactory(
        carnet=nouvel_entrant,
        professionnel=conseiller_ft,
        structure=structure_ft,
        date_heure=earlier_today(datetime.timedelta(minutes=5)),
    )
    dossier.refresh_from_db()
    assert dossier.date_premier_rdv_accompagnement is None
    carnet_services.rendez_vous_update(
        rendez_vous=rdv, data={"statut": "present"}, version=rdv.version, auteur=conseiller_ft, structure=structure_ft
    )
    dossier.refresh_from_db()
    assert dossier.date_premier_rdv_accompagnement == today
    # A later appointment never moves it.
    RendezVousFactory(carnet=nouvel_entrant, statut="present", date_heure=timezone.now() + datetime.timedelta(days=9))
    dossier.refresh_from_db()
    assert dossier.date_premier_rdv_accompagnement == today
    jalons = client_charge.get(reverse("orientation:dossier", kwargs={"uid": dossier.uid})).context["jalons"]
    assert [j for _, _, j in jalons] == [
        0,
        (today - entree).days,
        (today - entree).days,
        (today - entree).days,
        (today - entree).days,
    ]


def test_an_appointment_before_the_decision_is_not_the_first_accompaniment(nouvel_entrant):
    dossier = DossierFactory(carnet=nouvel_entrant, statut=StatutDossier.ORIENTE, date_decision=timezone.localdate())
    RendezVousFactory(carnet=nouvel_entrant, statut="present", date_heure=timezone.now() - datetime.timedelta(days=3))
    dossier.refresh_from_db()
    assert dossier.date_premier_rdv_accompagnement is None


def test_the_receiver_works_outside_any_scope(dep_a, unscoped):
    carnet = CarnetFactory(departement=dep_a)
    DossierFactory(carnet=carnet, statut=StatutDossier.ORIENTE, date_decision=timezone.localdate())
    from spie.tenancy import no_scope

    with no_scope():
        RendezVousFactory(carnet=carnet, statut="present", date_heure=timezone.now())
    assert DossierOrientation.objects.get(carnet=carnet).date_premier_rdv_accompagnement == timezone.localdate()
