"""A sanction file's restricted texts never leave through the partner API.

Sentinels sit in every free text of the world's decided sanction file (facts, legitimate-reason check, reasons of
the decision, EP opinion, remobilisation, the person's observations, the partner's proposal reference is not
restricted and is left out). Every API route that answers GET is then read with the world's token (every scope)
and with a CAF token (the paying body, which does read the file's amounts): no body may carry a sentinel. The CAF's
reading of the file must succeed, so that the sweep reaches the sanction resource itself.
"""

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from sanctions.models import DossierManquement, ObservationDossier
from tests.security.registry import OBJECT_ROUTES, PLAIN_ROUTES, PUBLIC
from tests.security.world import build_payeur_token, build_world

pytestmark = pytest.mark.django_db

SENTINELLES = {
    "faits": "SENTINELLE-API-FAITS-1d4e",
    "motif_legitime_raison": "SENTINELLE-API-MOTIF-LEGITIME-77a0",
    "decision_motifs": "SENTINELLE-API-MOTIFS-c2b9",
    "avis_ep": "SENTINELLE-API-AVIS-EP-5e13",
    "remobilisation": "SENTINELLE-API-REMOBILISATION-0f6a",
}
SENTINELLE_OBSERVATION = "SENTINELLE-API-OBSERVATION-93b2"


def _answers_get(url):
    view_class = getattr(resolve(url).func, "view_class", None)
    return view_class is None or "get" in view_class.http_method_names


def test_no_api_route_carries_the_restricted_texts_of_a_sanction_file():
    world = build_world("76", "Seine-Maritime")
    dossier = world.dossier_manquement
    DossierManquement.unscoped_objects.filter(pk=dossier.pk).update(**SENTINELLES)
    ObservationDossier.unscoped_objects.create(
        departement=world.departement, dossier=dossier, source="courrier", texte=SENTINELLE_OBSERVATION,
        recue_le=timezone.now(),
    )  # fmt: skip
    sentinelles = {*SENTINELLES.values(), SENTINELLE_OBSERVATION}
    routes = sorted(n for n in (PLAIN_ROUTES | set(OBJECT_ROUTES)) - set(PUBLIC) if n.startswith("api:"))
    jetons = {"monde": world.jeton_valeur, "caf": build_payeur_token(world)}
    lus = {}
    for name in routes:
        url = reverse(name, kwargs=OBJECT_ROUTES[name](world) if name in OBJECT_ROUTES else {})
        if not _answers_get(url):
            continue
        for qui, jeton in jetons.items():
            response = Client(headers={"Authorization": f"Bearer {jeton}"}).get(url)
            body = response.content.decode()
            vues = [s for s in sentinelles if s in body]
            assert not vues, f"{qui} GET {url} : {vues}"
            lus[(qui, name)] = response.status_code
    assert lus[("caf", "api:sanction")] == 200 and lus[("caf", "api:sanctions")] == 200
    assert lus[("monde", "api:proposition_sanction")] == 200 and lus[("monde", "api:carnet")] == 200
