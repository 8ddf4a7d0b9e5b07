"""Sanction files at each stage, written directly (the state machine's own tests go through the services).

Usage: `DossierManquementFactory(carnet=carnet, created_by=referent)` opens one (state "ouvert");
`DossierManquementFactory(carnet=..., created_by=..., notifie=True)` is notified through the person's space with a
certain date; `decide=True` adds a decision (suspension of 30 % for 2 months, from the notice's month).
"""

import datetime

import factory

from sanctions.models import DossierManquement
from tests.spie.factories import UnscopedFactory


class DossierManquementFactory(UnscopedFactory):
    class Meta:
        model = DossierManquement

    departement = factory.SelfAttribute("carnet.departement")
    motif = "obligation"
    obligation = "rendez_vous"
    cle_manquement = factory.Sequence(lambda n: f"obligation:rendez_vous:-:-:{n}")
    faits = "Absences répétées aux rendez-vous sans nouvelles."
    faits_du = datetime.date(2026, 10, 1)
    faits_au = datetime.date(2026, 10, 31)
    rang = "premier"
    foyer = factory.LazyFunction(lambda: {"personnes": 1, "adultes": 1, "enfants": 0, "autres": 0})

    class Params:
        notifie = factory.Trait(
            etat="notifie",
            motif_legitime=False,
            motif_legitime_raison="Aucun justificatif.",
            envisage_nature="suspension",
            envisage_taux=30,
            envisage_duree=2,
            notifie_le=datetime.date(2026, 11, 2),
            notification_canal="espace",
            date_certaine=datetime.date(2026, 11, 3),
        )
        decide = factory.Trait(
            notifie=True,
            etat="decide",
            decision_nature="suspension",
            decision_taux=30,
            decision_duree=2,
            decision_motifs="Aucune réponse ni justificatif.",
            decision_effet=datetime.date(2026, 12, 1),
            decide_le=datetime.date(2026, 11, 20),
            decideur=factory.SelfAttribute("created_by"),
        )
