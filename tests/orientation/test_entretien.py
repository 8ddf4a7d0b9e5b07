"""Convocation (appointment, letter, e-mail), attendance, and the diagnostic interview: a draft saved at each
step and resumed, finished as a dated, authored new version that never erases the previous one."""

import datetime
import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from carnet.models import Evenement, ProjetProfessionnel, RendezVous, Situation, SituationConstatee, TypeEvenement
from orientation import services
from orientation.diagnostic import etapes
from orientation.models import Convocation, Diagnostic, DossierOrientation, StatutDossier
from tests.carnet.factories import MembreGroupeFactory
from tests.conftest import logged_client
from tests.orientation.factories import ConvocationFactory, DiagnosticFactory, DossierFactory
from tests.spie.factories import MembershipFactory

pytestmark = pytest.mark.usefixtures("scope_a")


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def dossier(nouvel_entrant, charge):
    return DossierFactory(carnet=nouvel_entrant, charge_orientation=charge)


def _convoquer(client, dossier, jours=3, **extra):
    day = timezone.localdate() + datetime.timedelta(days=jours)
    data = {"date": day.isoformat(), "heure": "10:30", "duree_minutes": 60, "mode": "sur_place"}
    data.update({"lieu": "Antenne insertion, 12 rue Jeanne d'Arc, Rouen", "envoyer_courriel": "on", **extra})
    return client.post(reverse("orientation:convoquer", kwargs={"uid": dossier.uid}), data)


# --- Convocation ----------------------------------------------------------------------------


def test_convocation_creates_the_appointment_and_emails_the_letter(
    client_charge, dossier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _convoquer(client_charge, dossier)
    assert response.status_code == 302
    convocation = Convocation.objects.get(dossier=dossier)
    rdv = convocation.rendez_vous
    assert (rdv.carnet_id, rdv.est_accompagnement, rdv.statut, rdv.mode) == (
        dossier.carnet_id,
        False,
        "prevu",
        "sur_place",
    )
    assert timezone.localtime(rdv.date_heure).strftime("%H:%M") == "10:30"
    dossier.refresh_from_db()
    assert (dossier.statut, dossier.date_premier_contact) == (StatutDossier.CONVOQUE, timezone.localdate())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lea.dupont@exemple.fr"]
    assert "entretien d'orientation" in message.body and "10h30" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("convocation.pdf", "application/pdf") and content.startswith(b"%PDF")
    convocation.refresh_from_db()
    assert convocation.email_envoye_le is not None
    assert Evenement.objects.filter(carnet=dossier.carnet, resume__startswith="Convocation n° 1").exists()


def test_the_email_task_never_sends_twice(dossier, charge, structure_a, django_capture_on_commit_callbacks):
    from orientation.tasks import envoyer_convocation

    with django_capture_on_commit_callbacks(execute=True):
        convocation = services.convocation_create(
            dossier=dossier,
            data={"date_heure": timezone.now() + datetime.timedelta(days=2), "duree_minutes": 45, "mode": "telephone"},
            envoyer_courriel=True,
            auteur=charge,
            structure=structure_a,
        )
    assert envoyer_convocation(convocation.pk, dossier.departement_id) is False
    assert len(mail.outbox) == 1


def test_no_email_without_an_address(client_charge, dossier, django_capture_on_commit_callbacks):
    dossier.carnet.beneficiaire.__class__.objects.filter(pk=dossier.carnet.beneficiaire_id).update(courriel="")
    with django_capture_on_commit_callbacks(execute=True):
        assert _convoquer(client_charge, dossier).status_code == 302
    assert mail.outbox == []
    assert Convocation.objects.get(dossier=dossier).courriel_demande is False


@pytest.mark.parametrize(
    "extra,message",
    [({"lieu": ""}, "Indiquez le lieu"), ({"date": "2020-01-01"}, "La date de l'entretien est passée")],
)
def test_bad_convocation_is_refused_and_nothing_is_written(client_charge, dossier, extra, message):
    response = _convoquer(client_charge, dossier, **extra)
    assert response.status_code == 200 and message in text(response)
    assert not Convocation.objects.exists() and not RendezVous.objects.filter(carnet=dossier.carnet).exists()
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.A_CONVOQUER


def _presence(client, convocation, statut):
    return client.post(reverse("orientation:presence", kwargs={"uid": convocation.uid}), {"statut": statut})


@pytest.mark.parametrize("statut", ["absent", "excuse"])
def test_absence_sends_back_to_convoke_then_a_new_convocation(client_charge, charge, nouvel_entrant, statut):
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, convoque=True)
    premiere = dossier.convocations.get()
    response = _presence(client_charge, premiere, statut)
    assert response["Location"] == reverse("orientation:convoquer", kwargs={"uid": dossier.uid})
    dossier.refresh_from_db()
    assert (dossier.statut, dossier.date_entretien) == (StatutDossier.A_CONVOQUER, None)
    assert RendezVous.objects.get(pk=premiere.rendez_vous_id).statut == statut
    assert _convoquer(client_charge, dossier).status_code == 302
    assert list(dossier.convocations.order_by("numero").values_list("numero", flat=True)) == [
        premiere.numero,
        premiere.numero + 1,
    ]
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.CONVOQUE
    # The former convocation can no longer be noted.
    response = _presence(client_charge, premiere, "present")
    assert "Seule la dernière convocation" in text(client_charge.get(response["Location"]))


def test_presence_starts_the_interview(client_charge, charge, nouvel_entrant):
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, convoque=True)
    response = _presence(client_charge, dossier.convocations.get(), "present")
    diagnostic = Diagnostic.objects.get(carnet=nouvel_entrant)
    assert response["Location"] == reverse(
        "orientation:diagnostic_etape", kwargs={"uid": diagnostic.uid, "etape": "logement"}
    )
    dossier.refresh_from_db()
    assert (dossier.statut, dossier.date_entretien) == (StatutDossier.ENTRETIEN, timezone.localdate())


def test_presence_cannot_be_noted_before_the_day(client_charge, charge, nouvel_entrant):
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, convoque=True, convocation=False)
    convocation = ConvocationFactory(
        dossier=dossier, rendez_vous__date_heure=timezone.now() + datetime.timedelta(days=2)
    )
    response = _presence(client_charge, convocation, "present")
    assert "n'a pas encore eu lieu" in text(client_charge.get(response["Location"]))
    assert DossierOrientation.objects.get(pk=dossier.pk).statut == StatutDossier.CONVOQUE


# --- Diagnostic -----------------------------------------------------------------------------


@pytest.fixture
def brouillon(nouvel_entrant, charge):
    dossier = DossierFactory(carnet=nouvel_entrant, charge_orientation=charge, statut=StatutDossier.ENTRETIEN)
    return services.diagnostic_start(dossier=dossier, auteur=charge)


def _step_url(diagnostic, etape):
    return reverse("orientation:diagnostic_etape", kwargs={"uid": diagnostic.uid, "etape": etape})


def _situation(libelle):
    return Situation.objects.get(libelle=libelle, departement=None)


def _post(client, diagnostic, etape, data, aller=None):
    diagnostic.refresh_from_db()
    payload = {"version": diagnostic.version, **data}
    if aller:
        payload["aller"] = aller
    return client.post(_step_url(diagnostic, etape), payload)


def test_each_step_is_saved_as_a_draft_and_resumed(client_charge, brouillon):
    locataire = _situation("Locataire du parc social")
    response = _post(client_charge, brouillon, "logement", {"situations": [str(locataire.uid)]}, aller="emploi")
    assert response["Location"] == _step_url(brouillon, "emploi")
    _post(client_charge, brouillon, "projet", {"metier": "Cariste", "code_rome": "n1101", "rayon_mobilite_km": 25})
    brouillon.refresh_from_db()
    assert brouillon.data["situations"]["logement"] == [str(locataire.uid)]
    assert brouillon.data["projet"]["code_rome"] == "N1101"
    assert brouillon.data["etapes"] == ["logement", "projet"]
    assert brouillon.statut == "brouillon" and brouillon.version == 3
    # Leaving and coming back: the saved answers are there.
    page = text(client_charge.get(_step_url(brouillon, "logement")))
    assert f'value="{locataire.uid}"' in page and "checked" in page.split(f'value="{locataire.uid}"')[1][:40]
    assert 'value="Cariste"' in text(client_charge.get(_step_url(brouillon, "projet")))
    # The dossier page offers to resume at the first step not saved yet.
    page = text(client_charge.get(reverse("orientation:dossier", kwargs={"uid": brouillon.dossier.uid})))
    assert _step_url(brouillon, "emploi") in page


def test_going_back_saves_the_step_too(client_charge, brouillon):
    response = _post(client_charge, brouillon, "projet", {"metier": "Boulanger"}, aller="numerique")
    assert response["Location"] == _step_url(brouillon, "numerique")
    brouillon.refresh_from_db()
    assert brouillon.data["projet"]["metier"] == "Boulanger"


def test_invalid_step_keeps_the_input_and_saves_nothing(client_charge, brouillon):
    response = _post(client_charge, brouillon, "projet", {"metier": "Cariste", "code_rome": "123"})
    assert response.status_code == 200
    assert "Le code ROME est composé" in text(response) and 'value="Cariste"' in text(response)
    brouillon.refresh_from_db()
    assert "projet" not in brouillon.data


def test_concurrent_save_is_not_lost(client_charge, charge, brouillon, structure_a):
    collegue = logged_client(MembershipFactory(structure=structure_a, role="charge_orientation").user)
    version = brouillon.version
    collegue.post(_step_url(brouillon, "projet"), {"version": version, "metier": "Cariste"})
    response = client_charge.post(_step_url(brouillon, "projet"), {"version": version, "metier": "Maçon"})
    assert response.status_code == 200 and "enregistré par quelqu'un d'autre" in text(response)
    assert 'value="Maçon"' in text(response)
    brouillon.refresh_from_db()
    assert brouillon.data["projet"]["metier"] == "Cariste"
    assert response.context["form"].data["version"] == brouillon.version  # saving again is a knowing overwrite


def test_steps_are_the_carnets_themes_and_referential(brouillon, dep_a):
    from carnet.models import Theme
    from tests.carnet.factories import theme

    locale = Situation.objects.create(theme=theme("logement"), libelle="Logement local 76", departement=dep_a)
    liste = etapes(dep_a)
    assert [e.slug for e in liste[: Theme.objects.count()]] == list(
        Theme.objects.order_by("ordre").values_list("code", flat=True)
    )
    assert [e.slug for e in liste[-7:]] == [
        "projet",
        "contraintes",
        "disponibilite",
        "souhaits",
        "criteres",
        "rqth",
        "recapitulatif",
    ]
    assert "rqth" not in [e.slug for e in etapes(dep_a, sensibles=False)]
    assert locale in next(e for e in liste if e.slug == "logement").situations


def _finish(client, diagnostic):
    diagnostic.refresh_from_db()
    return client.post(
        _step_url(diagnostic, "recapitulatif"),
        {"version": diagnostic.version, "personne_informee": "on", "terminer": "1"},
    )


def test_finishing_dates_authors_and_reports_into_the_carnet(client_charge, charge, brouillon, structure_a):
    carnet = brouillon.carnet
    locataire, sante = _situation("Locataire du parc social"), Situation.objects.filter(theme__code="sante").first()
    _post(client_charge, brouillon, "logement", {"situations": [str(locataire.uid)]})
    _post(client_charge, brouillon, "sante", {"situations": [str(sante.uid)]})
    _post(client_charge, brouillon, "projet", {"metier": "Cariste", "code_rome": "N1101"})
    # The person must have been told that the diagnostic is shared.
    brouillon.refresh_from_db()
    response = client_charge.post(
        _step_url(brouillon, "recapitulatif"), {"version": brouillon.version, "terminer": "1"}
    )
    assert response.status_code == 200 and "Informez la personne" in text(response)
    response = _finish(client_charge, brouillon)
    assert response["Location"] == reverse("orientation:dossier", kwargs={"uid": brouillon.dossier.uid})
    brouillon.refresh_from_db()
    assert (brouillon.statut, brouillon.auteur, brouillon.structure) == ("termine", charge, structure_a)
    assert brouillon.termine_le is not None
    assert DossierOrientation.objects.get(pk=brouillon.dossier_id).statut == StatutDossier.DIAGNOSTIC_TERMINE
    constatees = SituationConstatee.objects.filter(carnet=carnet, fin=None)
    assert set(constatees.values_list("situation", flat=True)) == {locataire.pk, sante.pk}
    assert constatees.get(situation=locataire).auteur == charge
    assert ProjetProfessionnel.objects.filter(carnet=carnet, metier="Cariste", code_rome="N1101").exists()
    events = Evenement.objects.filter(carnet=carnet)
    assert events.filter(type=TypeEvenement.ORIENTATION, resume="Diagnostic d'orientation terminé (version 1)")
    # The health situation reaches the timeline only as a restricted event that does not name it.
    assert not events.filter(resume__contains=sante.libelle).exists()
    assert events.filter(sensibilite="sante", resume="Situation d'un thème sensible constatée").exists()
    # Finished: the steps no longer change it.
    response = client_charge.get(_step_url(brouillon, "logement"))
    assert response["Location"] == reverse("orientation:diagnostic", kwargs={"uid": brouillon.uid})


def test_a_situation_already_current_is_not_doubled(client_charge, charge, brouillon, structure_a):
    locataire = _situation("Locataire du parc social")
    SituationConstatee.objects.create(
        departement=brouillon.departement,
        carnet=brouillon.carnet,
        situation=locataire,
        constatee_le=datetime.date(2025, 1, 1),
        auteur=charge,
        structure=structure_a,
    )
    _post(client_charge, brouillon, "logement", {"situations": [str(locataire.uid)]})
    _finish(client_charge, brouillon)
    assert SituationConstatee.objects.filter(carnet=brouillon.carnet, situation=locataire).count() == 1


def test_a_new_diagnostic_is_a_new_version_and_never_erases_the_previous(client_charge, charge, brouillon):
    locataire = _situation("Locataire du parc social")
    _post(client_charge, brouillon, "logement", {"situations": [str(locataire.uid)]})
    _finish(client_charge, brouillon)
    premier = Diagnostic.objects.get(pk=brouillon.pk)
    response = client_charge.post(reverse("orientation:diagnostic_commencer", kwargs={"uid": brouillon.dossier.uid}))
    second = Diagnostic.objects.exclude(pk=premier.pk).get()
    assert response["Location"] == _step_url(second, "logement")
    assert (second.numero_version, second.statut) == (2, "brouillon")
    assert second.data["situations"] == premier.data["situations"]  # prefilled: no story told twice
    assert DossierOrientation.objects.get(pk=brouillon.dossier_id).statut == StatutDossier.ENTRETIEN
    _post(client_charge, second, "logement", {"situations": []})
    _finish(client_charge, second)
    premier_apres = Diagnostic.objects.get(pk=premier.pk)
    assert (premier_apres.data, premier_apres.termine_le, premier_apres.version) == (
        premier.data,
        premier.termine_le,
        premier.version,
    )
    assert list(Diagnostic.objects.order_by("numero_version").values_list("numero_version", "statut")) == [
        (1, "termine"),
        (2, "termine"),
    ]


def test_sensitive_answers_are_hidden_from_another_charge_and_kept(brouillon, charge, structure_a):
    sante = Situation.objects.filter(theme__code="sante").first()
    services.diagnostic_save_step(
        diagnostic=brouillon,
        etape=next(e for e in etapes(brouillon.departement) if e.slug == "sante"),
        valeurs={"situations": [str(sante.uid)]},
        version=brouillon.version,
    )
    collegue = logged_client(MembershipFactory(structure=structure_a, role="charge_orientation").user)
    assert collegue.get(_step_url(brouillon, "sante")).status_code == 404
    page = text(collegue.get(_step_url(brouillon, "recapitulatif")))
    assert sante.libelle not in page and "<dt>Santé" not in page and "ne sont visibles que de l'auteur" in page
    brouillon.refresh_from_db()
    collegue.post(_step_url(brouillon, "contraintes"), {"version": brouillon.version, "poids_logement": "2"})
    brouillon.refresh_from_db()
    assert brouillon.data["situations"]["sante"] == [str(sante.uid)]
    assert "sante" not in brouillon.data["contraintes"] and brouillon.data["contraintes"]["logement"] == 2


# --- The carnet shows the latest diagnostic -------------------------------------------------


def test_the_carnet_situation_page_shows_the_latest_finished_diagnostic(
    dep_a, nouvel_entrant, charge, conseiller_ft, structure_ft
):
    MembreGroupeFactory(carnet=nouvel_entrant, user=conseiller_ft, structure=structure_ft, est_referent=True)
    dossier = DossierFactory(carnet=nouvel_entrant, statut=StatutDossier.ORIENTE)
    sante = Situation.objects.filter(theme__code="sante").first()
    DiagnosticFactory(dossier=dossier, termine=True, created_by=charge, data={"projet": {"metier": "Ancien métier"}})
    DiagnosticFactory(
        dossier=dossier,
        numero_version=2,
        termine=True,
        created_by=charge,
        data={"projet": {"metier": "Cariste"}, "situations": {"sante": [str(sante.uid)]}},
    )
    DiagnosticFactory(dossier=dossier, numero_version=3, created_by=charge, data={"projet": {"metier": "Brouillon"}})
    url = reverse("carnet:situation", kwargs={"uid": nouvel_entrant.uid})
    page = text(logged_client(conseiller_ft).get(url))
    assert "version 2" in page and "Cariste" in page
    assert "Ancien métier" not in page and "Brouillon" not in page
    assert sante.libelle in page  # the group reads sensitive themes
    # A chargé d'orientation who did not write it reads the carnet, not the health answers.
    lecteur = MembershipFactory(structure=structure_ft, role="charge_orientation").user
    page = text(logged_client(lecteur).get(url))
    assert "Cariste" in page and sante.libelle not in page
