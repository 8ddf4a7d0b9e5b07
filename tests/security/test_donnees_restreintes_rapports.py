"""Restricted data never leaves through the statutory reports (committees' list, DREES table, legal delays).

Sentinels sit in every restricted or free-text place a person's orientation and contract touch: the RQTH answer
and the sensitive steps of the diagnostic, the reason and precision of a contrat d'engagement's reduced hours, a
restricted note and document, the orientation's free texts, and the rule that fired when it reads the RQTH. Every
page and file of the reports is then read by each role that may read them; none may carry a sentinel, the
person's name or the restricted rule.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from spie.models import Role
from tests.carnet.factories import CarnetFactory, ContratFactory, DocumentFactory, NoteFactory
from tests.orientation.factories import DiagnosticFactory, DossierFactory, OrientationFactory
from tests.spie.factories import MembershipFactory, StructureFactory, TotpFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-15T10:00:00+01:00")]

SENTINELLE_RQTH = "SENTINELLE-RQTH-41c2"
SENTINELLE_SANTE = "SENTINELLE-SANTE-8e07"
SENTINELLE_REDUCTION = "SENTINELLE-REDUCTION-HEURES-2a9f"
SENTINELLE_NOTE = "SENTINELLE-NOTE-RESTREINTE-6b14"
SENTINELLE_MOTIF = "SENTINELLE-MOTIF-ORIENTATION-c3d5"
SENTINELLES = (SENTINELLE_RQTH, SENTINELLE_SANTE, SENTINELLE_REDUCTION, SENTINELLE_NOTE, SENTINELLE_MOTIF)

ROUTES = [
    ("suivi:rapports_legaux", {}),
    ("suivi:liste_comites", {"debut": "2025-10-01", "fin": "2025-12-31"}),
    ("suivi:liste_comites_csv", {"debut": "2025-10-01", "fin": "2025-12-31"}),
    ("suivi:tableau_drees", {"annee": "2025"}),
    ("suivi:tableau_drees_csv", {"annee": "2025"}),
    ("suivi:delais_legaux", {"debut": "2025-10", "fin": "2025-12"}),
    ("suivi:delais_legaux_csv", {"debut": "2025-10", "fin": "2025-12"}),
]


def test_statutory_reports_carry_no_restricted_data(dep_a):
    service = StructureFactory(departement=dep_a, type="departement")
    cap_emploi = StructureFactory(departement=dep_a, type="cap_emploi")
    charge = MembershipFactory(structure=service, role=Role.CHARGE_ORIENTATION).user
    carnet = CarnetFactory(
        departement=dep_a,
        beneficiaire__nom_usage="Sentinellenom",
        beneficiaire__date_entree_rsa=datetime.date(2025, 9, 1),
    )
    dossier = DossierFactory(
        carnet=carnet,
        statut="oriente",
        date_reception_information=datetime.date(2025, 10, 1),
        date_limite_orientation=datetime.date(2025, 11, 12),
        date_decision=datetime.date(2025, 10, 20),
    )
    diagnostic = DiagnosticFactory(
        carnet=carnet,
        dossier=dossier,
        created_by=charge,
        termine=True,
        data={
            "criteres": {"qualification": "3", "difficultes": {"sante": "fort"}, "precision": SENTINELLE_SANTE},
            "rqth": {"rqth": True, "precision": SENTINELLE_RQTH},
        },
    )
    type(diagnostic).unscoped_objects.filter(pk=diagnostic.pk).update(
        termine_le=datetime.datetime(2025, 10, 15, 9, tzinfo=datetime.UTC)
    )
    OrientationFactory(
        dossier=dossier,
        diagnostic=diagnostic,
        structure=cap_emploi,
        validee=True,
        motif=SENTINELLE_MOTIF,
        parcours_propose="emploi",
        organisme_propose="cap_emploi",
        regle_proposition="handicap",
        explication_proposition=SENTINELLE_MOTIF,
        motif_ecart=SENTINELLE_MOTIF,
    )
    ContratFactory(
        carnet=carnet,
        type="contrat_engagement",
        statut="signe",
        date_signature=datetime.date(2025, 11, 5),
        date_debut=datetime.date(2025, 11, 5),
        heures_hebdomadaires=8,
        motif_reduction_heures="handicap",
        precision_reduction_heures=SENTINELLE_REDUCTION,
    )
    NoteFactory(carnet=carnet, auteur=charge, structure=service, sensibilite="justice", texte=SENTINELLE_NOTE)
    DocumentFactory(carnet=carnet, auteur=charge, structure=service, sensibilite="justice", nom=SENTINELLE_NOTE)

    lecteurs = []
    for role in (Role.ADMIN_DEPARTEMENT, Role.RESPONSABLE_STRUCTURE):
        user = MembershipFactory(structure=service, role=role).user
        TotpFactory(user=user)
        lecteurs.append(user)
    for user in lecteurs:
        client = Client()
        client.force_login(user)
        for nom, params in ROUTES:
            response = client.get(reverse(nom), params)
            assert response.status_code == 200, nom
            corps = response.content.decode("utf-8-sig")
            vus = [s for s in SENTINELLES if s in corps]
            assert not vus, f"{nom} montre {vus}"
            assert "Sentinellenom" not in corps, nom
            assert "handicap" not in corps.lower(), nom
            assert "obligation d'emploi" not in corps.replace("&#x27;", "'").lower(), nom
    # The person is in the committees' list, with the rule masked: the test saw the real rows.
    client = Client()
    client.force_login(lecteurs[0])
    fichier = client.get(reverse("suivi:liste_comites_csv"), {"debut": "2025-10-01", "fin": "2025-12-31"})
    assert "critere_restreint" in fichier.content.decode("utf-8-sig")
