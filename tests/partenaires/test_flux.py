"""CAF/MSA flux: files built from the official schema, streaming, matching, no-op re-runs, report, UI and API."""

import csv
import datetime
import html
import io
import os
import tracemalloc

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from carnet.models import Beneficiaire, Carnet, Evenement, TypeEvenement
from carnet.nir import nir_hash
from carnet.search import name_trigrams, search_text
from partenaires.dev.generation_flux import FoyerFlux, PersonneFlux, ecrire_flux, flux_bytes, generer_foyers, nir_pour
from partenaires.flux.lecture import SCHEMA, FluxRefuse, controler, lire_foyers
from partenaires.flux.services import flux_deposer
from partenaires.models import EmpreinteFlux, ImportFlux, Scope
from partenaires.tasks import traiter_flux
from spie import pipeline
from spie.crypto import decrypt
from spie.models import Commune, RefDepartement
from spie.tenancy import departement_scope
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory
from tests.partenaires.test_api import api, make_token

TODAY = timezone.localdate()
WRITE_TABLES = ("carnet_beneficiaire", "carnet_carnet", "carnet_evenement", "partenaires_empreinteflux")


def personne(role="DEM", index=0, **values):
    sexe = values.pop("sexe", "2" if role == "DEM" else "1")
    naissance = values.pop("date_naissance", datetime.date(1985, 3, 14) + datetime.timedelta(days=index))
    defaults = {
        "nom": "MARTIN",
        "prenom": "CLAIRE" if sexe == "2" else "PAUL",
        "date_naissance": naissance,
        "sexe": sexe,
        "nir": None if role == "ENF" else nir_pour(sexe, naissance, "76", 500_000 + index),
        "droits_devoirs": None if role == "ENF" else True,
    }
    defaults.update(values)
    return PersonneFlux(role=role, **defaults)


def foyer(index=0, personnes=None, **values):
    defaults = {
        "matricule": str(2_000_000 + index),
        "numero_demande": f"76{index:09d}",
        "date_demande": TODAY - datetime.timedelta(days=10),
        "personnes": personnes or [personne("DEM", index=10 * index)],
        "adresse": ("3", "RUE", "DES ÉCOLES", "76540", "76000", "ROUEN"),
    }
    defaults.update(values)
    return FoyerFlux(**defaults)


def upload(content, name="flux.xml"):
    return SimpleUploadedFile(name, content, content_type="text/xml")


def writes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
        and any(f'"{table}"' in q["sql"] or table in q["sql"] for table in WRITE_TABLES)
    ]


# --- The generator and the reader ------------------------------------------------------------------------------


def test_generated_file_is_valid_against_the_official_schema(tmp_path):
    path = tmp_path / "flux.xml"
    ecrire_flux(path, generer_foyers(200, seed=7))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    assert document.docinfo.encoding.lower() == "windows-1252"
    assert document.getroot().tag == "Racine" and len(document.findall("InfosFoyerRSA")) == 200


def test_the_schema_read_is_the_copy_inside_the_project(settings):
    assert SCHEMA.is_relative_to(settings.BASE_DIR / "partenaires" / "flux" / "schemas") and SCHEMA.is_file()


def test_accents_round_trip_from_windows_1252(dep_a, deposer):
    content = flux_bytes([foyer(personnes=[personne(nom="LEFÈVRE", prenom="FRANÇOISE", nom_naissance="GUÉRIN")])])
    assert b"LEF\xc8VRE" in content and b"FRAN\xc7OISE" in content  # windows-1252 bytes, not UTF-8
    run = deposer(content)
    with departement_scope(dep_a):
        person = Beneficiaire.objects.get()
    assert run.statut == "termine"
    assert (person.nom_usage, person.prenoms, person.nom_naissance) == ("Lefèvre", "Françoise", "Guérin")
    assert person.adresse == "3 RUE DES ÉCOLES" and person.lieu_naissance == "Rouen"


def test_copy_writes_backslashes_and_tabs_as_they_are(dep_a, deposer):
    household = foyer(personnes=[personne(nom="O\\BRIEN", prenom="ANNE\tMARIE")])
    household.adresse = ("2", "RUE", "C:\\TEMP", "76540", "76000", "ROUEN")
    deposer(flux_bytes([household]))
    with departement_scope(dep_a):
        person = Beneficiaire.objects.get()
    assert (person.nom_usage, person.prenoms, person.adresse) == ("O\\Brien", "Anne Marie", "2 RUE C:\\TEMP")


# --- Households → bénéficiaires ----------------------------------------------------------------------------------


def test_new_household_creates_applicant_and_spouse_who_enter_the_orientation_queue(dep_a, deposer):
    from orientation.queue import nouvel_entrant_q

    demandeur, conjoint = personne("DEM", index=1), personne("CJT", index=2)
    household = foyer(personnes=[demandeur, conjoint, personne("ENF", index=3, nom="MARTIN", prenom="LÉO")])
    run = deposer(flux_bytes([household]))
    assert (run.crees, run.mis_a_jour, run.inchanges, run.rejetes) == (2, 0, 0, 0)
    with departement_scope(dep_a):
        people = {b.role_foyer: b for b in Beneficiaire.objects.select_related("carnet")}
        assert set(people) == {"dem", "cjt"}  # the child gets no carnet
        for person, source in ((people["dem"], demandeur), (people["cjt"], conjoint)):
            assert person.date_entree_rsa == household.date_demande
            assert person.etat_droit_rsa == "2" and person.numero_allocataire == household.matricule
            assert person.soumis_droits_devoirs is True and person.organisme_payeur == "caf"
            assert person.nir_hash == nir_hash(source.nir) and decrypt(person.nir_chiffre) == source.nir
            assert person.nom_recherche == search_text(person.nom_usage, person.nom_naissance, person.prenoms)
            assert person.trigrammes == name_trigrams(person.nom_usage, person.nom_naissance, person.prenoms)
            assert Evenement.objects.filter(carnet=person.carnet, type=TypeEvenement.CARNET_CREE).count() == 1
        queue = Carnet.objects.filter(nouvel_entrant_q())
        assert set(queue) == {people["dem"].carnet, people["cjt"].carnet}
        assert EmpreinteFlux.objects.count() == 2


def test_new_people_go_through_the_index_pending_list_merged_when_the_run_ends(dep_a, deposer, monkeypatch):
    """The name search's GIN indexes take new entries in their pending list (fast bulk inserts); the run merges
    it when it ends, so that searches read merged indexes."""
    from carnet import search
    from partenaires.flux import services as flux_services

    merged = []
    monkeypatch.setattr(flux_services, "merge_pending_entries", lambda: merged.append(search.merge_pending_entries()))
    run = deposer(flux_bytes([foyer(personnes=[personne("DEM", index=1)])]))
    assert run.crees == 1 and merged and merged[0] > 0  # pending pages existed, and were merged
    assert search.merge_pending_entries() == 0  # nothing left


def test_address_commune_is_linked_when_the_referential_knows_it(dep_a, deposer):
    RefDepartement.objects.create(code="76", nom="Seine-Maritime")
    Commune.objects.create(code_insee="76540", nom="Rouen", departement_id="76", codes_postaux=["76000"])
    elsewhere = ("1", "RUE", "HAUTE", "99999", "99000", "NULLE PART")
    run = deposer(flux_bytes([foyer(0), foyer(1, adresse=elsewhere)]))
    assert run.crees == 2
    with departement_scope(dep_a):
        communes = dict(Beneficiaire.objects.values_list("numero_allocataire", "commune_id"))
    assert communes == {"2000000": "76540", "2000001": None}


def test_unknown_household_with_a_closed_right_is_not_created(dep_a, deposer):
    closed = foyer(etat="5", motif_cloture="PCG", date_cloture=TODAY - datetime.timedelta(days=5))
    run = deposer(flux_bytes([closed]))
    assert (run.crees, run.ignores, run.rejetes) == (0, 1, 0)
    with departement_scope(dep_a):
        assert not Beneficiaire.objects.exists()


def test_second_run_of_the_same_file_writes_nothing(dep_a, deposer):
    content = flux_bytes(generer_foyers(60, seed=3, aujourd_hui=TODAY))
    first = deposer(content)
    assert first.crees > 60
    with departement_scope(dep_a):
        updated_at = dict(Beneficiaire.objects.values_list("pk", "updated_at"))
        events = Evenement.objects.count()
    with CaptureQueriesContext(connection) as queries:
        second = deposer(content)
    assert (second.crees, second.mis_a_jour, second.rejetes) == (0, 0, 0)
    assert second.inchanges == first.crees and second.ignores == first.ignores
    assert writes(queries.captured_queries) == []
    with departement_scope(dep_a):
        assert dict(Beneficiaire.objects.values_list("pk", "updated_at")) == updated_at
        assert Evenement.objects.count() == events


def test_a_large_file_is_prepared_in_a_child_process_with_the_same_result(dep_a, deposer, monkeypatch):
    from partenaires.flux import services as flux_services

    started = []

    def en_processus(*args, **kwargs):
        started.append(kwargs["reglages"])
        return pipeline.en_processus(*args, **kwargs)

    monkeypatch.setattr(flux_services, "en_processus", en_processus)
    monkeypatch.setattr(flux_services, "SEUIL_PROCESSUS", 1)
    content = flux_bytes(generer_foyers(60, seed=3, aujourd_hui=TODAY))
    first = deposer(content)
    assert started == [{"FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY}]
    assert first.crees > 60 and first.rejetes == 0
    # The thread prepares the same file into the same fingerprints: nothing to write.
    monkeypatch.setattr(flux_services, "SEUIL_PROCESSUS", 10**9)
    with CaptureQueriesContext(connection) as queries:
        again = deposer(content)
    assert (again.crees, again.mis_a_jour, again.inchanges) == (0, 0, first.crees)
    assert writes(queries.captured_queries) == [] and len(started) == 1


def test_right_state_change_updates_only_that_person_and_records_a_timeline_event(dep_a, deposer):
    households = [foyer(index=i) for i in range(3)]
    deposer(flux_bytes(households))
    with departement_scope(dep_a):
        before = {b.numero_allocataire: (b.updated_at, b.version) for b in Beneficiaire.objects.all()}
    households[1].etat = "4"
    households[1].motif_suspension, households[1].date_suspension = "06", TODAY - datetime.timedelta(days=3)
    run = deposer(flux_bytes(households))
    assert (run.crees, run.mis_a_jour, run.inchanges) == (0, 1, 2)
    with departement_scope(dep_a):
        changed = Beneficiaire.objects.select_related("carnet").get(numero_allocataire=households[1].matricule)
        assert (changed.etat_droit_rsa, changed.motif_suspension) == ("4", "06")
        assert changed.version == before[changed.numero_allocataire][1] + 1
        event = Evenement.objects.get(type=TypeEvenement.DROITS)
        assert event.carnet == changed.carnet and "versement suspendu" in event.resume and "06" in event.resume
        for other in Beneficiaire.objects.exclude(pk=changed.pk):
            assert (other.updated_at, other.version) == before[other.numero_allocataire]


def test_known_person_is_found_by_caf_number_and_role_then_gets_the_flux_data(dep_a, deposer):
    with departement_scope(dep_a):
        known = BeneficiaireFactory(
            departement=dep_a,
            numero_allocataire="2000000",
            role_foyer="dem",
            etat_droit_rsa="0",
            nom_usage="Martin",
            prenoms="Claire Marie",
            date_naissance=datetime.date(1985, 3, 14),
        )
        CarnetFactory(departement=dep_a, beneficiaire=known)
    run = deposer(flux_bytes([foyer()]))
    assert (run.crees, run.mis_a_jour) == (0, 1)
    known.refresh_from_db()
    assert known.etat_droit_rsa == "2" and known.nir_hash  # the NIR is added to a person who had none
    assert known.prenoms == "Claire Marie"  # names belong to the département once the person exists


def test_conflicting_nir_blocks_the_match_and_rejects_the_household(dep_a, deposer):
    with departement_scope(dep_a):
        other = BeneficiaireFactory(
            departement=dep_a,
            numero_allocataire="2000000",
            role_foyer="dem",
            nom_usage="Martin",
            prenoms="Claire",
            date_naissance=datetime.date(1985, 3, 14),
        )
        other.set_nir(nir_pour("2", datetime.date(1970, 1, 1), "76", 999))
        other.save()
    run = deposer(flux_bytes([foyer()]))
    assert (run.crees, run.rejetes) == (0, 1)
    assert "NIR différent" in run.rejets[0]["motif"]


def test_invalid_households_are_rejected_with_their_position_and_the_others_go_in(dep_a, deposer):
    households = [foyer(index=i) for i in range(5)]
    households[1].personnes[0].date_naissance = "1990-02-31"  # not a date
    households[3].personnes[0].nom = None  # mandatory NOM missing
    run = deposer(flux_bytes(households))
    assert run.statut == "termine" and (run.crees, run.rejetes, run.traites) == (3, 2, 5)
    rejets = {r["position"]: r for r in run.rejets}
    assert set(rejets) == {2, 4}
    assert "DTNAI" in rejets[2]["motif"] and "date" in rejets[2]["motif"]
    assert "NOM" in rejets[4]["motif"] and rejets[4]["matricule"] == households[3].matricule
    assert all(r["ligne"] for r in run.rejets)
    with departement_scope(dep_a):
        assert set(Beneficiaire.objects.values_list("numero_allocataire", flat=True)) == {
            households[i].matricule for i in (0, 2, 4)
        }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"NOM;PRENOM\nMartin;Claire\n", "n'est pas un fichier XML"),
        (
            b'<?xml version="1.0" encoding="windows-1252"?>\n<Fichier><A>1</A></Fichier>',
            "élément racine est <Fichier>",
        ),
        ("<?xml version='1.0' encoding='windows-1252'?><Racine><NOM>LEFÈVRE</NOM></Racine>".encode(), "UTF-8"),
        ("<?xml version='1.0'?><Racine><NOM>LEFÈVRE</NOM></Racine>".encode("cp1252"), "windows-1252"),
        (b"", "vide"),
    ],
)
def test_a_file_that_is_not_a_flux_is_refused_as_a_whole(dep_a, content, expected):
    with departement_scope(dep_a), pytest.raises(FluxRefuse, match=expected):
        flux_deposer(departement=dep_a, fichier=upload(content))
    with departement_scope(dep_a):
        assert not ImportFlux.objects.exists()


def test_a_file_damaged_in_its_middle_is_refused_before_anything_is_written(dep_a, deposer):
    content = flux_bytes([foyer(index=i) for i in range(20)])
    truncated = content[: int(len(content) * 0.7)]
    run = deposer(truncated)
    assert run.statut == "echec" and "incomplet" in run.rapport["message"]
    with departement_scope(dep_a):
        assert not Beneficiaire.objects.exists()


def test_report_never_contains_a_nir(dep_a, deposer):
    bad_key = personne(index=1, nir="176057654012399")  # wrong key
    too_long = personne(index=2, nir="1760576540123477")  # 16 characters: fails the schema
    good = personne(index=3)
    run = deposer(flux_bytes([foyer(0, [bad_key]), foyer(1, [too_long]), foyer(2, [good])]))
    assert run.rejetes == 1 and run.crees == 2  # a bad key only drops the NIR, with a warning
    assert "NIR invalide" in run.rapport["avertissements"][0] and "NIR" in run.rejets[0]["motif"]
    with departement_scope(dep_a):
        report = str(ImportFlux.objects.values_list("rapport", flat=True).get()) + _csv_report(run)
    for nir in (bad_key.nir, too_long.nir, good.nir, bad_key.nir[:13]):
        assert nir not in report


def _csv_report(run):
    from partenaires.flux.services import rapport_csv

    return rapport_csv(run).decode("utf-8-sig")


def test_task_run_twice_does_nothing_the_second_time(dep_a, deposer):
    run = deposer(flux_bytes([foyer(index=i) for i in range(3)]))
    assert run.statut == "termine"
    with CaptureQueriesContext(connection) as queries:
        assert traiter_flux(run.pk, dep_a.pk) is None
    assert writes(queries.captured_queries) == []
    finished = ImportFlux.unscoped_objects.get(pk=run.pk)
    assert (finished.finished_at, finished.crees) == (run.finished_at, run.crees)


def test_progress_is_saved_with_every_batch(dep_a, deposer, monkeypatch):
    from partenaires.flux import services

    saved = []
    original = services._save_progress
    monkeypatch.setattr(services, "LOT", 2)
    monkeypatch.setattr(
        services,
        "_save_progress",
        lambda row, integration: saved.append(integration.compteurs.traites) or original(row, integration),
    )
    run = deposer(flux_bytes([foyer(index=i) for i in range(5)]))
    assert run.total == 5 and saved[:3] == [2, 4, 5] and run.traites == 5


def test_a_file_with_a_doctype_is_refused_and_its_entities_never_resolved(dep_a, deposer):
    content = (
        flux_bytes([foyer()])
        .replace(b"<Racine>", b'<!DOCTYPE Racine [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n<Racine>', 1)
        .replace(b"<NOM>MARTIN</NOM>", b"<NOM>&xxe;</NOM>", 1)
    )
    run = deposer(content)
    assert run.statut == "echec" and "DOCTYPE" in run.rapport["message"]
    with departement_scope(dep_a):
        assert not Beneficiaire.objects.exists()


def test_parsing_keeps_memory_flat_whatever_the_file_size(tmp_path):
    path = tmp_path / "flux.xml"
    ecrire_flux(path, generer_foyers(5000, seed=11))
    size = os.path.getsize(path)
    bound = size // 20  # 5 % of the file

    tracemalloc.start()
    try:
        assert controler(path).total == 5000
        rss_before, rss_peak = _rss(), 0
        for count, _ in enumerate(lire_foyers(path)):
            if count % 250 == 0:
                rss_peak = max(rss_peak, _rss() - rss_before)
        _, streaming_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        everything = list(lire_foyers(path))  # what holding every household at once would cost
        _, holding_peak = tracemalloc.get_traced_memory()
        del everything
    finally:
        tracemalloc.stop()
    rss_before = _rss()
    tree = etree.parse(str(path))  # loading the whole tree (libxml2 memory: invisible to tracemalloc)
    whole_tree = _rss() - rss_before
    del tree
    assert streaming_peak < bound < holding_peak, (streaming_peak, bound, holding_peak)
    assert rss_peak < size // 2 < whole_tree, (rss_peak, size, whole_tree)


def _rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))


# --- Pages of the département admin --------------------------------------------------------------------------------


def test_admin_uploads_a_flux_follows_its_progress_and_downloads_the_report(
    client_admin_a, dep_a, django_capture_on_commit_callbacks
):
    households = [foyer(index=i) for i in range(3)]
    households[2].personnes[0].date_naissance = "2001-13-01"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(reverse("partenaires:flux_liste"), {"fichier": upload(flux_bytes(households))})
    with departement_scope(dep_a):
        run = ImportFlux.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("partenaires:flux_detail", args=[run.uid])
    assert run.depose_par is not None and run.canal == "web"

    page = client_admin_a.get(response["Location"]).content.decode()
    assert "<progress" in page and 'aria-live="polite"' in page and "Foyers rejetés" in page
    assert "partenaires/progression.js" not in page  # finished: no polling
    status = client_admin_a.get(reverse("partenaires:flux_statut", args=[run.uid])).json()
    assert status["statut"] == "termine" and status["fini"] and status["pourcentage"] == 100
    assert (status["crees"], status["rejetes"]) == (2, 1)

    report = client_admin_a.get(reverse("partenaires:flux_rapport", args=[run.uid]))
    assert report["Content-Type"].startswith("text/csv") and "attachment" in report["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "position du foyer" and rows[1][0] == "3" and rows[1][2] == households[2].matricule


def test_running_flux_page_polls_its_status_with_an_external_script(client_admin_a, dep_a):
    with departement_scope(dep_a):
        run = ImportFlux.objects.create(
            departement=dep_a, fichier="flux-caf/x", nom_fichier="x.xml", statut="en_cours"
        )
    page = client_admin_a.get(reverse("partenaires:flux_detail", args=[run.uid])).content.decode()
    assert 'src="/static/partenaires/progression.js"' in page and "Actualiser la page" in page
    assert reverse("partenaires:flux_statut", args=[run.uid]) in page


def test_upload_form_refuses_a_non_xml_file_with_a_french_message(client_admin_a, dep_a):
    response = client_admin_a.post(reverse("partenaires:flux_liste"), {"fichier": upload(b"pas du XML", "x.xml")})
    assert response.status_code == 200
    assert "n'est pas un fichier XML" in html.unescape(response.content.decode())
    with departement_scope(dep_a):
        assert not ImportFlux.objects.exists()


def test_flux_pages_are_for_the_departement_admin_only(client_agent_a, dep_a):
    with departement_scope(dep_a):
        run = ImportFlux.objects.create(departement=dep_a, fichier="flux-caf/x", nom_fichier="x.xml")
    for url in (reverse("partenaires:flux_liste"), reverse("partenaires:flux_detail", args=[run.uid])):
        assert client_agent_a.get(url).status_code == 403


def test_flux_list_query_count_does_not_grow_with_the_runs(client_admin_a, admin_a, dep_a):
    def add_runs(count):
        with departement_scope(dep_a):
            for _ in range(count):
                ImportFlux.objects.create(
                    departement=dep_a, fichier="flux-caf/x", nom_fichier="x.xml", depose_par=admin_a
                )

    url = reverse("partenaires:flux_liste")
    add_runs(1)
    client_admin_a.get(url)  # the first request of the session writes it
    with CaptureQueriesContext(connection) as one:
        client_admin_a.get(url)
    add_runs(3)
    with CaptureQueriesContext(connection) as four:
        page = client_admin_a.get(url).content.decode()
    assert len(four) == len(one) and page.count("x.xml") == 4


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_upload_with_imports_write_is_accepted_and_followed(
    structure_a, dep_a, django_capture_on_commit_callbacks
):
    _, value = make_token(structure_a, scopes=[Scope.IMPORTS_WRITE])
    with django_capture_on_commit_callbacks(execute=True):
        response = api(value).post(reverse("api:flux_caf"), {"fichier": upload(flux_bytes([foyer()]))})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["statut"] == "en_attente" and response["Location"] == body["url_statut"]
    detail = api(value).get(body["url_statut"])
    assert detail.status_code == 200
    data = detail.json()
    assert data["statut"] == "termine" and data["personnes_creees"] == 1 and data["rejets"] == []
    with departement_scope(dep_a):
        assert ImportFlux.objects.get().canal == "api"


def test_api_upload_without_the_scope_is_403(structure_a):
    _, value = make_token(structure_a, scopes=[Scope.BENEFICIAIRES_READ])
    response = api(value).post(reverse("api:flux_caf"), {"fichier": upload(flux_bytes([foyer()]))})
    assert response.status_code == 403 and "imports:write" in response.json()["detail"]


def test_api_refuses_a_non_xml_file_with_422(structure_a):
    _, value = make_token(structure_a, scopes=[Scope.IMPORTS_WRITE])
    response = api(value).post(reverse("api:flux_caf"), {"fichier": upload(b"NOM;PRENOM\n")})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert "n'est pas un fichier XML" in response.json()["detail"]


def test_api_idempotency_key_replays_the_same_deposit(structure_a, dep_a):
    _, value = make_token(structure_a, scopes=[Scope.IMPORTS_WRITE])
    content = flux_bytes([foyer()])
    headers = {"Idempotency-Key": "depot-2026-11"}
    first = api(value).post(reverse("api:flux_caf"), {"fichier": upload(content)}, headers=headers)
    again = api(value).post(reverse("api:flux_caf"), {"fichier": upload(content)}, headers=headers)
    other = api(value).post(reverse("api:flux_caf"), {"fichier": upload(flux_bytes([foyer(1)]))}, headers=headers)
    assert first.status_code == again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"] and other.status_code == 422
    with departement_scope(dep_a):
        assert ImportFlux.objects.count() == 1


def test_api_reads_only_the_deposits_of_its_own_structure(structure_a, dep_a):
    from tests.spie.factories import StructureFactory

    jeton, _ = make_token(structure_a, scopes=[Scope.IMPORTS_WRITE])
    _, other_value = make_token(
        StructureFactory(departement=dep_a, type="france_travail"), scopes=[Scope.IMPORTS_WRITE]
    )
    with departement_scope(dep_a):
        run = ImportFlux.objects.create(departement=dep_a, fichier="flux-caf/x", nom_fichier="x.xml", jeton=jeton)
    assert api(other_value).get(reverse("api:flux_caf_detail", args=[run.uid])).status_code == 403
