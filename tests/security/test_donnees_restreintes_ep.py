"""The files of an équipe pluridisciplinaire never leave their session: the question put to the team, its opinion and
the président's decision (sentinels) are read by the session's organisers (décideurs des sanctions, département
administrator), and by the team's members only while the session is open; never through the carnet's shared view
(every readable carnet page of the group), nor by the référent, the rest of the group or orientation staff."""

import io

import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from tests.carnet.test_matrice import ROUTES
from tests.sanctions.outils import monde  # noqa: F401 (fixture)
from tests.sanctions.outils_ep import ep, inscrire, pas, seance_ouverte  # noqa: F401 (fixture)
from tests.security.registry import OBJECT_ROUTES
from tests.spie.factories import MembershipFactory, TotpFactory

pytestmark = pytest.mark.django_db

SENTINELLE_QUESTION = "SENTINELLE-QUESTION-EP-7a31"
SENTINELLE_AVIS = "SENTINELLE-AVIS-EP-c94e"
SENTINELLE_DECISION = "SENTINELLE-DECISION-EP-22f0"
SENTINELLES = {SENTINELLE_QUESTION, SENTINELLE_AVIS, SENTINELLE_DECISION}


def _texte(response):
    if response.get("Content-Type") == "application/pdf":
        return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()


def test_ep_files_never_leave_their_session(ep, _clock):  # noqa: F811 (fixture)
    orientation = MembershipFactory(structure=ep.structure, role="charge_orientation").user
    TotpFactory(user=orientation)
    users = {
        "referent": ep.referent,
        "membre_groupe": ep.membre,
        "membre_ep": ep.membre_ft,
        "decideur": ep.decideur,
        "admin": ep.admin,
        "orientation": orientation,
    }
    seance = inscrire(ep, question=SENTINELLE_QUESTION)
    passage = seance.passages.get()
    seance = pas(ep, seance, "convoquer")
    _clock.move_to(seance.date_heure)
    seance = pas(ep, seance, "ouvrir", presents=ep.membres[:2])
    seance = pas(ep, seance, "avis", passage=passage, sens="favorable", texte=SENTINELLE_AVIS)

    class Monde:
        carnet = ep.carnet

    readable = [name for name, (get_category, _) in ROUTES.items() if get_category in ("lecture", "fiche", "contenu")]
    # Every readable page of the carnet itself (timeline, documents, notes, plan...); the pages of one nested object
    # (a contract, an objective) show no EP content either but need objects this test does not build.
    carnet_urls = []
    for name in readable:
        try:
            carnet_urls.append(reverse(f"carnet:{name}", kwargs=OBJECT_ROUTES[f"carnet:{name}"](Monde)))
        except AttributeError:
            continue
    assert reverse("carnet:historique", kwargs={"uid": ep.carnet.uid}) in carnet_urls
    carnet_urls += [reverse("carnet:portefeuille"), reverse("usager:pro_observations", kwargs={"uid": ep.carnet.uid})]
    ep_urls = [
        reverse("sanctions:ep_seances"),
        reverse("sanctions:ep_seance", kwargs={"uid": seance.uid}),
        reverse("sanctions:ep_resume_pdf", kwargs={"uid": passage.uid}),
        reverse("sanctions:ep_proces_verbal_pdf", kwargs={"uid": seance.uid}),
    ]

    def vus(user, urls):
        c = Client()
        c.force_login(user)
        return {s for url in urls for s in SENTINELLES if s in _texte(c.get(url))}

    # Open session: the organisers and the team's member read the question and the opinion.
    for relation, user in users.items():
        attendu = {SENTINELLE_QUESTION, SENTINELLE_AVIS} if relation in ("membre_ep", "decideur", "admin") else set()
        assert vus(user, ep_urls) == attendu, relation
        assert vus(user, carnet_urls) == set(), relation
    seance = pas(ep, seance, "lever")
    pas(ep, seance, "decider", passage=passage, sens="conforme", texte=SENTINELLE_DECISION)
    pas(ep, seance, "clore")
    # Closed: the organisers only (the minutes too); the member no longer reads anything of it.
    for relation, user in users.items():
        attendu = SENTINELLES if relation in ("decideur", "admin") else set()
        assert vus(user, ep_urls) == attendu, relation
        assert vus(user, carnet_urls) == set(), relation
