"""CAF/MSA flux, what issue 14 asked besides the matching: the "no fixed abode" flag kept and shown, the explicit
replay of an older file (web confirmation step, API field), people absent from a month's file."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carnet.models import Beneficiaire, Evenement, InformationPersonne, TypeEvenement
from carnet.services import RegleMetier
from carnet.services.beneficiaires import beneficiaire_update
from partenaires.dev.generation_flux import flux_bytes
from partenaires.models import ImportFlux, LivraisonWebhook, Scope
from spie.models import AccessLog
from spie.tenancy import departement_scope
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory, MembreGroupeFactory
from tests.partenaires.test_api import api, make_token
from tests.partenaires.test_flux import foyer, upload, writes
from tests.partenaires.test_webhooks import Receiver, subscribe
from tests.spie.factories import MembershipFactory, StructureFactory

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


# --- The CAF/MSA number + role rule through the web form and the API ----------------------------------------------


@pytest.fixture
def allocataire_connu(dep_a):
    """Claire Martin, known as the applicant of CAF household 4242424 (as the flux created her)."""
    with departement_scope(dep_a):
        return BeneficiaireFactory(
            departement=dep_a,
            nom_usage="Martin",
            nom_naissance="Durand",
            prenoms="Claire",
            date_naissance=datetime.date(1985, 3, 14),
            numero_allocataire="4242424",
            role_foyer="dem",
        )


def _formulaire(**values):
    data = {"civilite": "mme", "nom_usage": "Leroy", "prenoms": "Sophie", "date_naissance": "1990-01-01"}
    data.update({"organisme_payeur": "caf", "numero_allocataire": "4242424", "role_foyer": "dem"})
    data.update(values)
    return data


def test_web_form_refuses_a_caf_number_and_role_held_by_another_identity(dep_a, client_agent_a, allocataire_connu):
    response = client_agent_a.post(reverse("carnet:beneficiaire_creer"), _formulaire())
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "est déjà celui d'une autre personne du département" in page and "jamais fusionnées" in page
    with departement_scope(dep_a):
        assert list(Beneficiaire.objects.values_list("nom_usage", flat=True)) == ["Martin"]
        allocataire_connu.refresh_from_db()
        assert allocataire_connu.prenoms == "Claire"  # untouched, nothing merged


def test_web_form_refuses_a_second_carnet_for_the_same_identity_under_the_same_number(
    dep_a, client_agent_a, allocataire_connu
):
    # Birth name typed as usage name, accents and case aside: the same person.
    data = _formulaire(nom_usage="DURAND", prenoms="claire", date_naissance="1985-03-14")
    response = client_agent_a.post(reverse("carnet:beneficiaire_creer"), data)
    assert response.status_code == 200 and "Cette personne est déjà connue" in html.unescape(response.content.decode())
    # Another role in the same household (the spouse) is another person: accepted.
    response = client_agent_a.post(reverse("carnet:beneficiaire_creer"), _formulaire(role_foyer="cjt"))
    assert response.status_code == 302
    with departement_scope(dep_a):
        assert Beneficiaire.objects.filter(numero_allocataire="4242424").count() == 2


def test_an_edit_refuses_taking_the_caf_number_and_role_of_another_person(
    dep_a, client_agent_a, agent_a, structure_a, allocataire_connu
):
    with departement_scope(dep_a):
        other = CarnetFactory(
            departement=dep_a, beneficiaire__nom_usage="Leroy", beneficiaire__prenoms="Sophie"
        ).beneficiaire
        MembreGroupeFactory(carnet=other.carnet, user=agent_a, structure=structure_a, est_referent=True)
    numero = other.numero_allocataire
    with pytest.raises(RegleMetier, match="déjà celui d'une autre personne"):
        with departement_scope(dep_a):
            beneficiaire_update(
                beneficiaire=other,
                data={"numero_allocataire": "4242424", "role_foyer": "dem"},
                version=other.version,
            )
    with departement_scope(dep_a):
        other.refresh_from_db()
        assert other.numero_allocataire == numero != "4242424"


def test_api_create_refuses_a_caf_number_and_role_held_by_another_identity(dep_a, structure_a, allocataire_connu):
    _, value = make_token(structure_a, scopes=[Scope.BENEFICIAIRES_WRITE])
    body = {
        "nom_usage": "Leroy",
        "prenoms": "Sophie",
        "date_naissance": "1990-01-01",
        "numero_allocataire": "4242424",
        "role_foyer": "dem",
    }
    response = api(value).post(reverse("api:beneficiaires"), body, content_type="application/json")
    assert response.status_code == 409, response.content
    assert "est déjà celui d'une autre personne du département" in response.json()["detail"]
    with departement_scope(dep_a):
        assert Beneficiaire.objects.count() == 1
        allocataire_connu.refresh_from_db()
        assert allocataire_connu.nom_usage == "Martin"


# --- A household absent from a month's file ------------------------------------------------------------------------


def test_a_closed_household_sent_once_then_absent_stays_closed_and_nothing_is_written(dep_a, deposer):
    open_household, closing = foyer(0), foyer(1)
    assert deposer(flux_bytes([open_household, closing], date_reference=OCTOBRE)).crees == 2
    closing.etat, closing.motif_cloture, closing.date_cloture = "6", "PCG", NOVEMBRE - datetime.timedelta(days=5)
    november = deposer(flux_bytes([open_household, closing], date_reference=NOVEMBRE))
    assert november.mis_a_jour == 1 and not november.rapport.get("absents")
    # December: the closed dossier is no longer sent (it was, once); the open one is.
    with CaptureQueriesContext(connection) as queries:
        december = deposer(flux_bytes([open_household], date_reference=DECEMBRE))
    assert december.statut == "termine" and december.inchanges == 1 and december.mis_a_jour == 0
    assert not december.rapport.get("absents") and december.rapport["avertissements"] == []
    assert writes(queries.captured_queries) == []
    with departement_scope(dep_a):
        closed = Beneficiaire.objects.get(numero_allocataire=closing.matricule)
        assert closed.etat_droit_rsa == "6" and closed.motif_cloture == "PCG"  # not reopened


def test_an_open_household_absent_from_the_file_is_reported_not_closed_nor_silently_kept(dep_a, deposer):
    staying, missing = foyer(0), foyer(1)
    msa = foyer(2, organisme="MSA", numero_organisme="762")
    assert deposer(flux_bytes([staying, missing], date_reference=NOVEMBRE)).crees == 2
    assert deposer(flux_bytes([msa], date_reference=NOVEMBRE)).crees == 1
    with CaptureQueriesContext(connection) as queries:
        december = deposer(flux_bytes([staying], date_reference=DECEMBRE))
    assert december.statut == "termine" and december.rapport["absents"] == 1
    warning = december.rapport["avertissements"][0]
    # The MSA household is not in a CAF file: not absent.
    assert f"numéros d'allocataire : {missing.matricule})" in warning and msa.matricule not in warning
    assert "dossier clos une seule fois" in warning and "ne sont pas modifiés" in warning
    assert writes(queries.captured_queries) == []
    with departement_scope(dep_a):
        assert Beneficiaire.objects.get(numero_allocataire=missing.matricule).etat_droit_rsa == "2"


# --- Timeline events written in bulk still reach the webhooks ------------------------------------------------------


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def test_flux_updates_written_in_bulk_are_announced_to_the_followers_webhooks_only(dep_a, deposer, receiver):
    followed, other = foyer(0), foyer(1)
    assert deposer(flux_bytes([followed, other], date_reference=NOVEMBRE)).crees == 2
    ft = StructureFactory(departement=dep_a, type="france_travail")
    with departement_scope(dep_a):
        carnet = Beneficiaire.objects.get(numero_allocataire=followed.matricule).carnet
        # The person was informed of the sharing (without it, nothing leaves for another structure).
        InformationPersonne.objects.create(
            departement=dep_a, carnet=carnet, informee_le=NOVEMBRE, canal="entretien", version_notice="2026-01"
        )
        MembreGroupeFactory(carnet=carnet, user=MembershipFactory(structure=ft).user, structure=ft)
    _, value = make_token(ft)
    subscribe(value, receiver.url, ["carnet.modifie"])
    for household in (followed, other):
        household.etat, household.motif_suspension, household.date_suspension = "4", "06", NOVEMBRE
    run = deposer(flux_bytes([followed, other], date_reference=DECEMBRE))
    assert run.mis_a_jour == 2
    with departement_scope(dep_a):
        livraisons = list(LivraisonWebhook.objects.all())
        assert Evenement.objects.filter(type=TypeEvenement.DROITS).count() == 2
    assert [liv.payload["donnees"]["carnet_id"] for liv in livraisons] == [str(carnet.uid)]
    assert livraisons[0].payload["donnees"]["type"] == TypeEvenement.DROITS
