"""Partner API: tokens, scopes, errors, no lost update, safe retries, rate limit, call log, resources."""

import datetime
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carnet.models import Beneficiaire, Evenement, RendezVous, Situation, SituationConstatee, TypeEvenement
from partenaires.models import AppelApi, JetonApi, Scope, hash_token
from spie.models import AccessLog
from tests.carnet.factories import (
    CarnetFactory,
    ContratFactory,
    MembreGroupeFactory,
    NoteFactory,
    RendezVousFactory,
)
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory

NIR = "295109912611193"


def make_token(structure, scopes=None, **extra):
    value, prefix, digest = JetonApi.generate()
    admin = MembershipFactory(structure=structure, role="admin_departement").user
    jeton = JetonApi.unscoped_objects.create(
        departement=structure.departement,
        structure=structure,
        nom="Connecteur",
        prefixe=prefix,
        hash=digest,
        scopes=[s.value for s in Scope] if scopes is None else scopes,
        created_by=admin,
        **extra,
    )
    return jeton, value


def api(value):
    return Client(headers={"Authorization": f"Bearer {value}"})


@pytest.fixture
def ft(dep_a):
    """A France Travail agency of département A following a carnet."""
    return StructureFactory(departement=dep_a, type="france_travail", nom="France Travail Rouen")


@pytest.fixture
def carnet_suivi(dep_a, ft):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Lefèvre", beneficiaire__nir=NIR)
    conseiller = MembershipFactory(structure=ft, role="professionnel").user
    MembreGroupeFactory(carnet=carnet, user=conseiller, structure=ft, est_referent=True)
    return carnet


# --- Tokens ---------------------------------------------------------------------------------


def test_admin_creates_a_token_shown_once_and_stored_hashed(client_admin_a, structure_a, unscoped):
    response = client_admin_a.post(
        reverse("partenaires:jetons"),
        {"nom": "Logiciel", "structure": structure_a.pk, "scopes": ["beneficiaires:read"]},
    )
    value = response.context["nouveau"]["valeur"]
    jeton = JetonApi.objects.get(nom="Logiciel")
    assert jeton.hash == hash_token(value) and value not in json.dumps(list(JetonApi.objects.values()), default=str)
    assert value not in client_admin_a.get(reverse("partenaires:jetons")).content.decode()
    assert api(value).get(reverse("api:beneficiaires"), {"nom": "x"}).status_code == 200


def test_revocation_is_effective_at_the_next_call(client_admin_a, structure_a, unscoped):
    jeton, value = make_token(structure_a)
    url = reverse("api:beneficiaires")
    assert api(value).get(url, {"nom": "x"}).status_code == 200
    client_admin_a.post(reverse("partenaires:jeton_revoquer", kwargs={"uid": jeton.uid}))
    response = api(value).get(url, {"nom": "x"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "révoqué" in response.json()["detail"]


def test_expired_and_unknown_tokens_are_refused(structure_a, unscoped):
    _, value = make_token(structure_a, expire_le=timezone.now() - datetime.timedelta(minutes=1))
    url = reverse("api:beneficiaires")
    assert "expiré" in api(value).get(url, {"nom": "x"}).json()["detail"]
    assert api("spie_00000000_inconnu").get(url, {"nom": "x"}).status_code == 401
    assert Client().get(url, {"nom": "x"}).status_code == 401


def test_token_without_the_scope_gets_403(structure_a, unscoped):
    _, value = make_token(structure_a, scopes=[Scope.OFFRE_READ])
    response = api(value).get(reverse("api:beneficiaires"), {"nom": "x"})
    assert response.status_code == 403
    body = response.json()
    assert body["status"] == 403 and "beneficiaires:read" in body["detail"] and body["title"] == "Accès refusé"


def test_every_call_is_logged_and_last_use_recorded(structure_a, carnet_suivi, unscoped):
    jeton, value = make_token(structure_a)
    api(value).get(reverse("api:carnet", kwargs={"uid": carnet_suivi.uid}))
    call = AppelApi.objects.latest("id")
    assert call.jeton_id == jeton.pk and call.statut == 200 and call.methode == "GET"
    assert carnet_suivi.uid in call.objets and "carnets" in call.route
    jeton.refresh_from_db()
    assert jeton.dernier_usage_le is not None
    log = AccessLog.objects.filter(object_uid=carnet_suivi.uid, canal="api").get()
    assert log.api_token_id == jeton.pk and log.user is None


def test_rate_limit_answers_429_with_retry_after(structure_a, monkeypatch, unscoped):
    from partenaires.api.base import JetonRateThrottle

    monkeypatch.setattr(JetonRateThrottle, "THROTTLE_RATES", {"jeton": "3/minute"})
    _, value = make_token(structure_a)
    client = api(value)
    statuses = [client.get(reverse("api:beneficiaires"), {"nom": "x"}).status_code for _ in range(3)]
    response = client.get(reverse("api:beneficiaires"), {"nom": "x"})
    assert statuses == [200, 200, 200] and response.status_code == 429
    assert int(response["Retry-After"]) > 0 and "Réessayez" in response.json()["detail"]


# --- Bénéficiaires: search, create-or-match ---------------------------------------------------


def test_a_nul_character_in_a_filter_is_a_bad_request_not_a_server_error(structure_a, unscoped):
    _, value = make_token(structure_a)
    response = api(value).get(reverse("api:beneficiaires"), {"numero_allocataire": "12\x0034"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "caractère nul" in json.dumps(response.json(), ensure_ascii=False)


def test_search_needs_a_criterion_and_returns_minimal_cards(structure_a, carnet_suivi, unscoped):
    _, value = make_token(structure_a)
    client = api(value)
    assert client.get(reverse("api:beneficiaires")).status_code == 400
    body = client.get(reverse("api:beneficiaires"), {"nom": "lefevre"}).json()
    assert [r["nom_usage"] for r in body["results"]] == ["Lefèvre"]
    assert set(body["results"][0]) == {
        "id",
        "carnet_id",
        "civilite",
        "nom_usage",
        "prenoms",
        "date_naissance",
        "referent",
    }
    assert NIR not in json.dumps(body)


def test_create_then_match_by_nir_with_idempotency(structure_a, unscoped):
    _, value = make_token(structure_a)
    client = api(value)
    payload = {"nom_usage": "Martin", "prenoms": "Claire", "date_naissance": "1990-05-17", "nir": NIR}
    url = reverse("api:beneficiaires")
    first = client.post(url, payload, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201 and first["X-Rapprochement"] == "creation" and "nir" not in first.json()
    again = client.post(url, payload, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Beneficiaire.objects.filter(nom_usage="Martin").count() == 1
    other_body = client.post(
        url, {**payload, "prenoms": "Autre"}, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    assert other_body.status_code == 422
    matched = client.post(url, {**payload, "prenoms": "Claire Anne"}, content_type="application/json")
    assert matched.status_code == 200 and matched["X-Rapprochement"] == "nir"
    assert matched.json()["id"] == first.json()["id"]


def test_match_by_email_and_first_name_refuses_a_conflicting_nir(structure_a, dep_a, unscoped):
    CarnetFactory(
        departement=dep_a,
        beneficiaire__courriel="claire@exemple.fr",
        beneficiaire__prenoms="Claire",
        beneficiaire__nir=NIR,
    )
    _, value = make_token(structure_a)
    response = api(value).post(
        reverse("api:beneficiaires"),
        {
            "nom_usage": "Martin",
            "prenoms": "Claire",
            "date_naissance": "1990-05-17",
            "courriel": "claire@exemple.fr",
            "nir": "1850578006084 91",
        },
        content_type="application/json",
    )
    assert response.status_code == 409 and "NIR" in response.json()["detail"]


def test_invalid_payload_is_a_problem_with_field_errors(structure_a, unscoped):
    _, value = make_token(structure_a)
    response = api(value).post(
        reverse("api:beneficiaires"), {"nom_usage": "", "nir": "123"}, content_type="application/json"
    )
    body = response.json()
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert {"nom_usage", "prenoms", "date_naissance", "nir"} <= set(body["errors"])


# --- No lost update ---------------------------------------------------------------------------


def test_patch_needs_if_match_and_refuses_a_stale_etag(ft, carnet_suivi, unscoped):
    _, value = make_token(ft)
    client = api(value)
    url = reverse("api:beneficiaire", kwargs={"uid": carnet_suivi.beneficiaire.uid})
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"telephone": "0600000001"}, content_type="application/json").status_code == 428
    ok = client.patch(url, {"telephone": "0600000001"}, content_type="application/json", headers={"If-Match": etag})
    assert ok.status_code == 200 and ok["ETag"] != etag
    stale = client.patch(url, {"telephone": "0600000002"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412
    assert Beneficiaire.objects.get(pk=carnet_suivi.beneficiaire.pk).telephone == "0600000001"


def test_if_match_star_is_refused_on_every_versioned_write(ft, carnet_suivi, unscoped):
    """`If-Match: *` ("any version") would skip the lost-update check: 428, nothing written."""
    from tests.offre.factories import ServiceFactory

    client = api(make_token(ft)[1])
    rdv = RendezVousFactory(carnet=carnet_suivi, structure=ft, date_heure=timezone.now() - datetime.timedelta(hours=2))
    service = ServiceFactory(structure=ft)
    writes = [
        ("patch", reverse("api:beneficiaire", kwargs={"uid": carnet_suivi.beneficiaire.uid}), {"telephone": "0611"}),
        ("patch", reverse("api:rendez_vous", kwargs={"uid": rdv.uid}), {"statut": "absent"}),
        ("put", reverse("api:offre_service", kwargs={"uid": service.uid}), {}),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, body, content_type="application/json", headers={"If-Match": "*"})
        assert response.status_code == 428, (url, response.content)
        assert "If-Match: *" in response.json()["detail"]
    assert Beneficiaire.objects.get(pk=carnet_suivi.beneficiaire.pk).telephone != "0611"
    assert RendezVous.objects.get(pk=rdv.pk).statut != "absent"


# --- Carnet summary: field filtering ------------------------------------------------------------


def test_carnet_summary_never_carries_nir_notes_or_sensitive_themes(ft, carnet_suivi, dep_a, unscoped):
    referent = carnet_suivi.membres.get().user
    NoteFactory(carnet=carnet_suivi, auteur=referent, structure=ft, sensibilite="justice", texte="SENTINELLE-NOTE")
    NoteFactory(carnet=carnet_suivi, auteur=referent, structure=ft, texte="SENTINELLE-GENERALE")
    # The reason of a contrat d'engagement's reduced hours is restricted: the hours go out, never the reason.
    ContratFactory(
        carnet=carnet_suivi,
        structure=ft,
        type="contrat_engagement",
        statut="signe",
        heures_hebdomadaires=9,
        motif_reduction_heures="invalidite",
        precision_reduction_heures="SENTINELLE-REDUCTION",
    )
    common = {"departement": dep_a, "carnet": carnet_suivi, "auteur": referent, "structure": ft}
    for libelle in (
        "Reconnaissance de travailleur handicapé (RQTH)",
        "Sans permis de conduire",
        "Hébergé chez un tiers",
    ):
        situation = Situation.objects.get(libelle=libelle, departement=None)
        SituationConstatee.unscoped_objects.create(**common, situation=situation, constatee_le=timezone.localdate())
    _, value = make_token(ft)
    body = api(value).get(reverse("api:carnet", kwargs={"uid": carnet_suivi.uid})).json()
    text = json.dumps(body, ensure_ascii=False)
    assert NIR not in text and "SENTINELLE" not in text and "RQTH" not in text
    assert body["contrat_en_cours"]["heures_hebdomadaires"] == 9
    assert "invalidit" not in text.lower() and "motif" not in text and "reduction" not in text
    # France Travail reads the professional themes only: mobility yes, housing no.
    assert [s["libelle"] for s in body["situations"]] == ["Sans permis de conduire"]
    assert body["groupe_de_suivi"][0]["referent"] is True


def test_a_partner_outside_the_group_cannot_read_the_carnet(dep_a, carnet_suivi, unscoped):
    association = StructureFactory(departement=dep_a, type="association")
    _, value = make_token(association)
    assert api(value).get(reverse("api:carnet", kwargs={"uid": carnet_suivi.uid})).status_code == 403


# --- Rendez-vous ---------------------------------------------------------------------------------


def test_partner_creates_an_appointment_and_records_attendance(ft, carnet_suivi, unscoped):
    _, value = make_token(ft)
    client = api(value)
    when = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    created = client.post(
        reverse("api:carnet_rendez_vous", kwargs={"uid": carnet_suivi.uid}),
        {"date_heure": when.isoformat(), "mode": "telephone", "objet": "Point emploi"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    rdv = RendezVous.objects.get(uid=created.json()["id"])
    assert rdv.structure == ft and rdv.carnet == carnet_suivi
    carnet_suivi.refresh_from_db()
    assert carnet_suivi.prochain_rendez_vous == rdv.date_heure
    url = reverse("api:rendez_vous", kwargs={"uid": rdv.uid})
    future = client.patch(
        url, {"statut": "present"}, content_type="application/json", headers={"If-Match": created["ETag"]}
    )
    assert future.status_code == 400  # attendance only after the appointment
    past = RendezVousFactory(
        carnet=carnet_suivi, structure=ft, date_heure=timezone.now() - datetime.timedelta(hours=2)
    )
    url = reverse("api:rendez_vous", kwargs={"uid": past.uid})
    etag = client.get(url)["ETag"]
    done = client.patch(url, {"statut": "absent"}, content_type="application/json", headers={"If-Match": etag})
    assert done.status_code == 200 and RendezVous.objects.get(pk=past.pk).statut == "absent"


def _timeline(carnet):
    events = Evenement.objects.filter(carnet=carnet, type=TypeEvenement.RENDEZ_VOUS).order_by("created_at", "id")
    return list(events.select_related("auteur", "structure"))


def test_api_and_web_write_the_same_timeline_for_an_appointment_just_after_midnight(ft, carnet_suivi, unscoped):
    # 00:30 in Paris is 23:30 the day before in UTC: both paths print the local day.
    when = timezone.make_aware(datetime.datetime(2026, 12, 10, 0, 30))
    _, value = make_token(ft)
    created = api(value).post(
        reverse("api:carnet_rendez_vous", kwargs={"uid": carnet_suivi.uid}),
        {"date_heure": when.isoformat(), "mode": "telephone"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    conseiller = carnet_suivi.membres.get().user
    web = logged_client(conseiller).post(
        reverse("carnet:rendez_vous", kwargs={"uid": carnet_suivi.uid}),
        {
            "date": "2026-12-10",
            "heure": "00:30",
            "duree_minutes": "45",
            "professionnel": conseiller.pk,
            "structure": ft.pk,
            "mode": "telephone",
            "statut": "prevu",
        },
    )
    assert web.status_code == 302
    par_api, par_web = _timeline(carnet_suivi)
    assert par_api.resume == par_web.resume == "Rendez-vous du 10/12/2026 à 00:30 planifié (par téléphone, prévu)"
    # Through the API the structure acts, not a person; the appointment is its professional's.
    assert (par_api.auteur, par_api.structure, par_web.auteur) == (None, ft, conseiller)
    assert RendezVous.objects.get(uid=created.json()["id"]).created_by == conseiller


def test_every_api_update_of_an_appointment_is_in_the_timeline_with_its_local_day(ft, carnet_suivi, unscoped):
    with time_machine.travel(datetime.datetime.fromisoformat("2026-12-10T09:00:00+01:00"), tick=True):
        _, value = make_token(ft)
        client = api(value)
        rdv = RendezVousFactory(
            carnet=carnet_suivi, structure=ft, date_heure=timezone.make_aware(datetime.datetime(2026, 12, 10, 0, 30))
        )
        url = reverse("api:rendez_vous", kwargs={"uid": rdv.uid})
        moved = client.patch(
            url, {"mode": "visio"}, content_type="application/json", headers={"If-Match": client.get(url)["ETag"]}
        )
        assert moved.status_code == 200, moved.content
        done = client.patch(
            url, {"statut": "absent"}, content_type="application/json", headers={"If-Match": moved["ETag"]}
        )
        assert done.status_code == 200 and done.json()["version"] == 3
    assert [e.resume for e in _timeline(carnet_suivi)] == [
        "Rendez-vous du 10/12/2026 à 00:30 mis à jour (en visioconférence, prévu)",
        "Rendez-vous du 10/12/2026 à 00:30 mis à jour (en visioconférence, absent)",
    ]
    assert {(e.auteur, e.structure) for e in _timeline(carnet_suivi)} == {(None, ft)}


def test_a_stale_etag_on_an_appointment_is_refused_without_any_write(ft, carnet_suivi, unscoped):
    _, value = make_token(ft)
    rdv = RendezVousFactory(carnet=carnet_suivi, structure=ft)
    url = reverse("api:rendez_vous", kwargs={"uid": rdv.uid})
    etag = api(value).get(url)["ETag"]
    RendezVous.objects.filter(pk=rdv.pk).update(version=2)
    stale = api(value).patch(url, {"lieu": "Ailleurs"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412
    assert RendezVous.objects.get(pk=rdv.pk).lieu != "Ailleurs" and _timeline(carnet_suivi) == []


def test_openapi_schema_is_served_and_documented_in_french(client, db):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["info"]["title"].startswith("API SPIE")
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations and all(op.get("summary") for op in operations)
    assert client.get(reverse("api:docs")).status_code == 200
