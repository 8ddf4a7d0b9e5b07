"""CAF/MSA flux, what issue 14 asked besides the matching: the "no fixed abode" flag kept and shown, the explicit
replay of an older file (web confirmation step, API field), people absent from a month's file."""

import datetime
import html

import pytest
from django.urls import reverse

from carnet.models import Beneficiaire, Evenement, TypeEvenement
from partenaires.dev.generation_flux import flux_bytes
from partenaires.models import ImportFlux, Scope
from spie.models import AccessLog
from spie.tenancy import departement_scope
from tests.carnet.factories import MembreGroupeFactory
from tests.partenaires.test_api import api, make_token
from tests.partenaires.test_flux import foyer, upload

NOVEMBRE = datetime.date(2026, 11, 30)
OCTOBRE = datetime.date(2026, 10, 31)
DECEMBRE = datetime.date(2026, 12, 31)


# --- TOPSANSDOMFIXE ------------------------------------------------------------------------------------------------


def test_no_fixed_abode_is_kept_updated_and_shown_on_the_carnet(dep_a, deposer, client_agent_a, agent_a, structure_a):
    household = foyer(0, sans_domicile_fixe=True)
    assert deposer(flux_bytes([household], date_reference=NOVEMBRE)).crees == 1
    with departement_scope(dep_a):
        person = Beneficiaire.objects.select_related("carnet").get()
        assert person.sans_domicile_fixe
        MembreGroupeFactory(carnet=person.carnet, user=agent_a, structure=structure_a, est_referent=True)
    page = client_agent_a.get(reverse("carnet:detail", kwargs={"uid": person.carnet.uid})).content.decode()
    assert "Sans domicile fixe" in page

    household.sans_domicile_fixe = False
    run = deposer(flux_bytes([household], date_reference=DECEMBRE))
    assert run.mis_a_jour == 1
    with departement_scope(dep_a):
        person.refresh_from_db()
        assert not person.sans_domicile_fixe
        assert Evenement.objects.filter(
            carnet=person.carnet, type=TypeEvenement.BENEFICIAIRE_MODIFIE, resume__contains="sans domicile fixe"
        ).exists()
    page = client_agent_a.get(reverse("carnet:detail", kwargs={"uid": person.carnet.uid})).content.decode()
    assert "Sans domicile fixe" not in page
    # Unchanged afterwards: nothing written.
    assert deposer(flux_bytes([household], date_reference=DECEMBRE)).inchanges == 1


# --- Replay of an older file -----------------------------------------------------------------------------------


@pytest.fixture
def octobre_refuse(dep_a, deposer):
    """November imported, then October deposited: refused for its DTREF."""
    household = foyer(0)
    assert deposer(flux_bytes([household], date_reference=NOVEMBRE)).statut == "termine"
    household.etat = "4"
    household.motif_suspension, household.date_suspension = "06", NOVEMBRE - datetime.timedelta(days=40)
    refused = deposer(flux_bytes([household], date_reference=OCTOBRE))
    assert refused.statut == "echec" and refused.rapport["rejeu_possible"] and not refused.rejeu
    return refused


def test_the_admin_confirms_the_replay_of_a_refused_older_file_on_its_page(
    dep_a, admin_a, client_admin_a, octobre_refuse, django_capture_on_commit_callbacks
):
    detail = reverse("partenaires:flux_detail", args=[octobre_refuse.uid])
    page = html.unescape(client_admin_a.get(detail).content.decode())
    assert "DTREF" in page and "Confirmer le rejeu de ce fichier" in page
    assert "Relancer le traitement" not in page  # a plain restart would be refused again

    url = reverse("partenaires:flux_rejouer", args=[octobre_refuse.uid])
    unconfirmed = client_admin_a.post(url, {})
    assert unconfirmed.status_code == 200
    assert "Cochez la case pour confirmer le rejeu" in html.unescape(unconfirmed.content.decode())
    with departement_scope(dep_a):
        octobre_refuse.refresh_from_db()
        assert octobre_refuse.statut == "echec" and not octobre_refuse.rejeu
        assert Beneficiaire.objects.get().etat_droit_rsa == "2"

    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(url, {"confirmation": "on"})
    assert response.status_code == 302 and response["Location"] == detail
    with departement_scope(dep_a):
        run = ImportFlux.objects.get(pk=octobre_refuse.pk)
        assert run.statut == "termine" and run.rejeu and run.mis_a_jour == 1
        assert run.rejeu_confirme_par == admin_a and run.rejeu_confirme_le is not None
        assert any("Rejeu confirmé" in a for a in run.rapport["avertissements"])
        assert Beneficiaire.objects.get().etat_droit_rsa == "4"
        log = AccessLog.objects.filter(object_uid=run.uid, action="modification", user=admin_a).first()
        assert log is not None and log.details["rejeu"] is True and log.details["fichier"] == run.nom_fichier
    page = html.unescape(client_admin_a.get(detail).content.decode())
    assert f"Rejeu d'un fichier plus ancien confirmé par {admin_a.get_full_name()}" in page
    assert "Confirmer le rejeu de ce fichier" not in page
    # Once replayed, the run cannot be confirmed again.
    with django_capture_on_commit_callbacks(execute=True):
        client_admin_a.post(url, {"confirmation": "on"})
    with departement_scope(dep_a):
        assert ImportFlux.objects.get(pk=run.pk).mis_a_jour == 1


def test_a_run_refused_for_another_reason_offers_no_replay(dep_a, deposer, client_admin_a):
    content = flux_bytes([foyer(0)])
    refused = deposer(content.replace(b"<NBTOTDOSRSATRANSM>1<", b"<NBTOTDOSRSATRANSM>3<"))
    assert refused.statut == "echec"
    page = client_admin_a.get(reverse("partenaires:flux_detail", args=[refused.uid])).content.decode()
    assert "Confirmer le rejeu" not in page
    client_admin_a.post(reverse("partenaires:flux_rejouer", args=[refused.uid]), {"confirmation": "on"})
    with departement_scope(dep_a):
        refused.refresh_from_db()
        assert refused.statut == "echec" and not refused.rejeu


def test_the_replay_page_is_for_the_departement_admin_only(client_agent_a, octobre_refuse):
    url = reverse("partenaires:flux_rejouer", args=[octobre_refuse.uid])
    assert client_agent_a.post(url, {"confirmation": "on"}).status_code == 403


def test_api_replay_needs_the_replay_scope_and_is_recorded(
    dep_a, deposer, structure_a, django_capture_on_commit_callbacks
):
    household = foyer(0)
    assert deposer(flux_bytes([household], date_reference=NOVEMBRE)).statut == "termine"
    household.etat = "4"
    household.motif_suspension, household.date_suspension = "06", NOVEMBRE - datetime.timedelta(days=40)
    october = flux_bytes([household], date_reference=OCTOBRE)

    _, deposit_only = make_token(structure_a, scopes=[Scope.IMPORTS_WRITE])
    refused = api(deposit_only).post(reverse("api:flux_caf"), {"fichier": upload(october), "rejeu": "true"})
    assert refused.status_code == 403 and "flux:rejeu" in refused.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        plain = api(deposit_only).post(reverse("api:flux_caf"), {"fichier": upload(october)})
    assert plain.status_code == 202
    body = api(deposit_only).get(plain.json()["url_statut"]).json()
    assert body["statut"] == "echec" and "rejeu=true" in body["message"] and body["rejeu"] is False

    token, admin_token = make_token(structure_a, scopes=[Scope.IMPORTS_WRITE, Scope.FLUX_REJEU])
    with django_capture_on_commit_callbacks(execute=True):
        replay = api(admin_token).post(reverse("api:flux_caf"), {"fichier": upload(october), "rejeu": "true"})
    assert replay.status_code == 202, replay.content
    body = api(admin_token).get(replay.json()["url_statut"]).json()
    assert body["statut"] == "termine" and body["rejeu"] is True and body["rejeu_confirme_le"]
    assert body["personnes_mises_a_jour"] == 1
    with departement_scope(dep_a):
        run = ImportFlux.objects.get(uid=body["id"])
        assert run.jeton_id == token.pk and run.rejeu_confirme_le is not None
        assert Beneficiaire.objects.get().etat_droit_rsa == "4"


def test_the_replay_field_is_in_the_openapi_schema(db, client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    depot = schema["components"]["schemas"]["FluxDepotRequest"]["properties"]
    assert depot["rejeu"]["type"] == "boolean" and "flux:rejeu" in depot["rejeu"]["description"]
