"""Runs lost with their worker, the admin's restart, and the 503 page of a database outage."""

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from partenaires.flux.services import MAX_REPRISES, traitements_reprendre
from partenaires.models import ImportFlux, StatutTraitement
from partenaires.tasks import reprendre_traitements, traiter_flux
from spie.models import OutboxTask
from spie.tenancy import departement_scope
from tests.partenaires.test_flux import flux_bytes, foyer, upload


@pytest.fixture
def lost_run(dep_a, admin_a):
    """A run "en cours" at 1 household of 2 whose heartbeat stopped 11 minutes ago (its worker was killed)."""
    with departement_scope(dep_a):
        run = ImportFlux.objects.create(
            departement=dep_a, fichier=upload(flux_bytes([foyer(index=1), foyer(index=2)])), nom_fichier="flux.xml",
            depose_par=admin_a, statut=StatutTraitement.EN_COURS, total=2, traites=1,
        )  # fmt: skip
        ImportFlux.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    return run


def test_lost_run_is_taken_up_by_the_sweep_and_finishes(lost_run, dep_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert reprendre_traitements() == {"reprises": 1, "echecs": 0}
    with departement_scope(dep_a):
        run = ImportFlux.objects.get(pk=lost_run.pk)
    assert (run.statut, run.traites, run.crees) == (StatutTraitement.TERMINE, 2, 2)
    assert OutboxTask.objects.get().started_at is not None


def test_run_lost_too_often_is_marked_failed_with_a_clear_message(lost_run, dep_a):
    ImportFlux.unscoped_objects.filter(pk=lost_run.pk).update(rapport={"reprises": MAX_REPRISES})
    with departement_scope(dep_a):
        assert traitements_reprendre(ImportFlux, traiter_flux) == (0, 1)
        run = ImportFlux.objects.get(pk=lost_run.pk)
    assert run.statut == StatutTraitement.ECHEC
    assert run.rapport["message"].startswith("Le traitement a été interrompu après 1 foyers sur 2")
    assert not OutboxTask.objects.exists()


def test_fresh_run_is_left_alone_by_the_sweep(lost_run, dep_a):
    ImportFlux.unscoped_objects.filter(pk=lost_run.pk).update(updated_at=timezone.now())
    with departement_scope(dep_a):
        assert traitements_reprendre(ImportFlux, traiter_flux) == (0, 0)


def test_admin_sees_a_lost_run_and_restarts_it(lost_run, client_admin_a, dep_a, django_capture_on_commit_callbacks):
    page = client_admin_a.get(reverse("partenaires:flux_detail", args=[lost_run.uid])).content.decode()
    assert "Le traitement ne progresse plus" in page and "Relancer le traitement" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(reverse("partenaires:flux_relancer", args=[lost_run.uid]))
    assert response.status_code == 302
    with departement_scope(dep_a):
        run = ImportFlux.objects.get(pk=lost_run.pk)
    assert (run.statut, run.crees) == (StatutTraitement.TERMINE, 2)
    # Finished: nothing more to restart.
    response = client_admin_a.post(reverse("partenaires:flux_relancer", args=[lost_run.uid]), follow=True)
    assert "pas à relancer" in response.content.decode()
    assert OutboxTask.objects.count() == 1


def test_running_run_cannot_be_restarted(lost_run, client_admin_a):
    ImportFlux.unscoped_objects.filter(pk=lost_run.pk).update(updated_at=timezone.now())
    client_admin_a.post(reverse("partenaires:flux_relancer", args=[lost_run.uid]))
    assert ImportFlux.unscoped_objects.get(pk=lost_run.pk).statut == StatutTraitement.EN_COURS
    assert not OutboxTask.objects.exists()


def _handled(path, exc):
    from django.test import RequestFactory

    from spie.resilience import server_error

    try:
        raise exc
    except Exception:
        return server_error(RequestFactory().get(path))


def test_database_outage_answers_a_french_503_page_and_json_under_the_api():
    page = _handled("/carnets/", OperationalError("server closed the connection unexpectedly"))
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "La base de données ne répond pas en ce moment" in page.content.decode()
    assert "fr-alert" in page.content.decode()
    api = _handled("/api/v1/carnets/", OperationalError("terminating connection due to administrator command"))
    assert api.status_code == 503
    assert json.loads(api.content)["detail"].startswith("Service momentanément indisponible")


def test_other_errors_stay_a_500():
    assert _handled("/carnets/", ValueError("bug")).status_code == 500
