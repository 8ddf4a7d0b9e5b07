"""The paying body (CAF/MSA) is told of each decision, lift and arrears: the movements recorded with the step, the
export file (shared CSV writer with the formula guard) taking each movement once, its page for the décideurs and the
administrator only, and the reads logged."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carnet.models import Beneficiaire
from sanctions import payeur
from sanctions.models import ExportPayeur, MouvementPayeur
from spie.models import AccessLog, Role
from tests.sanctions.outils import decision, dossier_notifie, franchir
from tests.spie.factories import MembershipFactory, TotpFactory

pytestmark = pytest.mark.django_db


def client(user):
    c = Client()
    c.force_login(user)
    return c


def decide(monde, **extra):
    return franchir(monde, dossier_notifie(monde), "decider", par="decideur", **decision(**extra))


def remobilise(monde, dossier, jour=datetime.date(2027, 1, 10)):
    with time_machine.travel(datetime.datetime.combine(jour, datetime.time(9), tzinfo=datetime.UTC), tick=False):
        return franchir(monde, dossier, "remobiliser", par="decideur", date=jour, remobilisation="Ateliers repris.")


def test_a_decision_records_one_movement_and_the_remobilisation_the_lift_and_the_arrears(monde):
    dossier = decide(monde, montant_mensuel=Decimal("635.71"))
    assert list(MouvementPayeur.objects.values_list("type", "date")) == [("decision", datetime.date(2026, 12, 1))]
    remobilise(monde, dossier)
    assert sorted(MouvementPayeur.objects.values_list("type", "date")) == [
        ("decision", datetime.date(2026, 12, 1)),
        ("levee", datetime.date(2027, 1, 10)),
        ("rattrapage", datetime.date(2027, 1, 10)),
    ]


def test_recording_twice_is_idempotent(monde):
    dossier = decide(monde)
    assert payeur.mouvement_enregistrer(dossier=dossier, code="decider") == []
    assert MouvementPayeur.objects.count() == 1


def test_the_end_of_the_duration_records_a_lift_without_arrears(monde):
    dossier = decide(monde, duree=1)
    with time_machine.travel(datetime.datetime(2027, 1, 2, 9, tzinfo=datetime.UTC), tick=False):
        franchir(monde, dossier, "terminer", par="decideur", date=datetime.date(2027, 1, 1))
    assert sorted(MouvementPayeur.objects.values_list("type", flat=True)) == ["decision", "levee"]


def test_a_closed_file_without_sanction_tells_the_paying_body_nothing(monde):
    dossier = dossier_notifie(monde)
    franchir(monde, dossier, "sans_suite", par="decideur", raison="Observations retenues.")
    assert not MouvementPayeur.objects.exists()


def test_the_export_takes_each_movement_once(monde):
    dossier = decide(monde, montant_mensuel=Decimal("635.71"))
    premier = payeur.export_creer(departement_id=monde.departement.pk, auteur=monde.decideur)
    assert premier.nombre == 1
    assert payeur.export_creer(departement_id=monde.departement.pk, auteur=monde.decideur) is None
    remobilise(monde, dossier)
    second = payeur.export_creer(departement_id=monde.departement.pk, auteur=monde.decideur)
    assert second.nombre == 2
    assert ExportPayeur.objects.count() == 2
    assert not MouvementPayeur.objects.filter(export__isnull=True).exists()
    # Downloading again gives the same file.
    assert payeur.export_csv(payeur.mouvements_de(premier)) == payeur.export_csv(payeur.mouvements_de(premier))


def test_the_file_carries_what_the_caf_needs_and_never_the_facts(monde):
    Beneficiaire.objects.filter(pk=monde.beneficiaire.pk).update(
        nom_usage="=HYPERLINK(1)", numero_allocataire="7654321"
    )
    dossier = decide(monde, montant_mensuel=Decimal("635.71"))
    remobilise(monde, dossier)
    export = payeur.export_creer(departement_id=monde.departement.pk, auteur=monde.decideur)
    texte = payeur.export_csv(payeur.mouvements_de(export)).decode("utf-8-sig")
    lignes = texte.splitlines()
    assert lignes[0].startswith("mouvement;date d'effet;organisme payeur;numéro d'allocataire;nom")
    assert len(lignes) == 4
    assert lignes[1].startswith("Sanction décidée;2026-12-01;CAF;7654321;'=HYPERLINK(1)")
    assert ";30;2;2026-12-01;2027-02-01;190.71;" in lignes[1]
    assert lignes[3].startswith("Sommes à rendre (rattrapage);2027-01-10") and ";2;381.43;" in lignes[3]
    assert "Absente au rendez-vous" not in texte and "Absence sans motif" not in texte


def test_the_export_page_for_decideurs_and_admin_only_and_logged(monde):
    decide(monde)
    admin = MembershipFactory(structure=monde.structure, role=Role.ADMIN_DEPARTEMENT).user
    TotpFactory(user=admin)
    url = reverse("sanctions:exports_payeur")
    assert client(monde.referent).get(url).status_code == 403
    assert client(monde.referent).post(url).status_code == 403 and not ExportPayeur.objects.exists()
    page = client(admin).get(url)
    assert page.status_code == 200 and monde.beneficiaire.nom_usage.upper() in page.content.decode()
    response = client(monde.decideur).post(url)
    assert response.status_code == 302
    export = ExportPayeur.objects.get()
    again = client(monde.decideur).post(url, follow=True)
    assert "Aucune décision, levée ou somme à rendre" in again.content.decode()
    fichier = client(admin).get(reverse("sanctions:export_payeur_csv", kwargs={"uid": export.uid}))
    assert fichier.status_code == 200 and fichier["Content-Type"].startswith("text/csv")
    dossier_uid = MouvementPayeur.objects.get().dossier.uid
    assert AccessLog.objects.filter(details__page="sanctions:export_payeur_csv", object_uids__contains=[dossier_uid])
