"""Anonymisation is complete, atomic and done once.

The fields are found by introspection: every model linked to the person by a chain of foreign keys
(`carnet.services.rapport_personne.modeles_lies`), every concrete field of it. A field outside the allowed kinds
(identifiers, foreign keys, codes with choices, flags, counters, dates kept to their month) or the explicit
`PERMIS` must be empty after the anonymisation: a personal field added later fails this test until its app's
anonymisation empties it. Then the whole database (every text and JSON column of the project's models) is searched
for the person's own values, which catches the rows linked by text only (messages, notifications, webhooks).
"""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from carnet.models import Beneficiaire, Carnet, Document, Evenement
from carnet.services.anonymisation import AnonymisationRefusee, beneficiaire_supprimer, carnet_anonymiser
from carnet.services.rapport_personne import lignes_de, modeles_lies
from spie.anonymisation import au_mois
from spie.models import AccessLog, Action
from spie.tenancy import departement_scope
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory
from tests.carnet.personne import SENTINELLES, personne_complete
from tests.security.world import build_world

TYPES_PERMIS = {
    "AutoField",
    "BigAutoField",
    "UUIDField",
    "BooleanField",
    "IntegerField",
    "SmallIntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
}
# (model, field) that keep a value, and why it says nothing about the person.
PERMIS = {
    ("suivi.alerte", "semaine"): "clé de l'alerte : semaine ISO ou date d'échéance du délai, rien de la personne",
    ("suivi.questionnaire", "cle"): "clé d'idempotence (motif et identifiant)",
    ("suivi.questionnaire", "token_hash"): "condensat d'un lien à usage unique",
    ("carnet.carnet", "anonymise_le"): "date de l'anonymisation elle-même",
    ("sanctions.etapedossier", "transition"): "code de la transition de la machine à états",
    ("sanctions.etapedossier", "article"): "article de loi appliqué (texte fixe du code)",
    ("carnet.informationpersonne", "version_notice"): "version de la notice remise : un texte du Département",
}
APPS_DU_PROJET = {"spie", "carnet", "orientation", "offre", "partenaires", "suivi", "usager", "sanctions"}


def valeurs_restantes(model, obj):
    """The fields of `obj` that still hold a value outside the allowed kinds."""
    label = model._meta.label_lower
    restes = []
    for field in model._meta.concrete_fields:
        if field.is_relation or (label, field.name) in PERMIS:
            continue
        kind = field.get_internal_type()
        value = getattr(obj, field.attname)
        if kind in TYPES_PERMIS or (kind == "CharField" and field.choices):
            continue
        if kind in ("DateField", "DateTimeField"):
            if not au_mois(value):
                restes.append(f"{label}.{field.name} = {value!r} (date non ramenée au mois)")
            continue
        if value not in (None, "", [], {}):
            restes.append(f"{label}.{field.name} = {value!r}")
    return restes


def restes_lies(carnet):
    liens = modeles_lies()
    restes = []
    for model in liens:
        for obj in lignes_de(model, carnet, liens):
            restes.extend(valeurs_restantes(model, obj))
    return restes


def occurrences(valeurs):
    """Every (table.column, value) of the project's models whose text or JSON column still holds one of `valeurs`."""
    trouves = []
    for model in apps.get_models():
        if model._meta.app_label not in APPS_DU_PROJET:
            continue
        manager = getattr(model, "unscoped_objects", model._base_manager)
        for field in model._meta.concrete_fields:
            if field.get_internal_type() not in ("CharField", "TextField", "EmailField", "JSONField"):
                continue
            for valeur in valeurs:
                if manager.filter(**{f"{field.name}__icontains": valeur}).exists():
                    trouves.append((f"{model._meta.label_lower}.{field.name}", valeur))
    return trouves


@pytest.fixture
def monde(db):
    world = build_world("76", "Seine-Maritime")
    build_world("08", "Ardennes")
    personne_complete(world)
    return world


def test_the_check_finds_personal_values_before_the_anonymisation(monde):
    """The introspection finds the values it must (a test that could not fail would prove nothing)."""
    with departement_scope(monde.departement):
        restes = " ".join(restes_lies(monde.carnet))
    for attendu in ("carnet.beneficiaire.nom_usage", "carnet.note.texte", "offre.prescription.personne_nom"):
        assert attendu in restes
    assert occurrences(["Zorglubienne"])


def test_anonymisation_leaves_only_codes_counters_identifiers_and_months(monde, django_capture_on_commit_callbacks):
    with departement_scope(monde.departement), django_capture_on_commit_callbacks(execute=True):
        compte = carnet_anonymiser(carnet=monde.carnet)
        assert restes_lies(monde.carnet) == []
    assert compte["carnet.note"] == 1 and compte["carnet.beneficiaire"] == 1


def test_no_value_of_the_person_is_left_anywhere_in_the_database(monde, django_capture_on_commit_callbacks):
    with departement_scope(monde.departement), django_capture_on_commit_callbacks(execute=True):
        carnet_anonymiser(carnet=monde.carnet)
    assert occurrences(list(SENTINELLES.values())) == []


def test_the_statistics_rows_stay(monde):
    with departement_scope(monde.departement):
        carnet_anonymiser(carnet=monde.carnet)
        carnet = Carnet.objects.get(pk=monde.carnet.pk)
        assert carnet.rendez_vous.count() >= 1
        assert carnet.contrats.count() >= 1
        assert carnet.orientations.get().type_orientation == "pro"
        types = set(Evenement.objects.filter(carnet=carnet).values_list("type", flat=True))
        assert "anonymisation" in types
        assert set(Evenement.objects.filter(carnet=carnet).values_list("resume", flat=True)) == {""}
        beneficiaire = Beneficiaire.objects.get(pk=carnet.beneficiaire_id)
        assert beneficiaire.date_naissance.month == 1 and beneficiaire.date_naissance.day == 1
        assert not carnet.membres.filter(fin=None).exists()


def test_documents_are_deleted_from_storage_after_the_commit(monde, django_capture_on_commit_callbacks):
    document = monde.document
    storage, name = document.fichier.storage, document.fichier.name
    assert storage.exists(name)
    with departement_scope(monde.departement), django_capture_on_commit_callbacks(execute=False) as callbacks:
        carnet_anonymiser(carnet=monde.carnet)
        assert not Document.objects.filter(carnet=monde.carnet).exists()
    assert storage.exists(name), "the file stays until the transaction commits"
    for callback in callbacks:
        callback()
    assert not storage.exists(name)


def test_a_second_anonymisation_is_refused_with_a_clear_message(monde):
    with departement_scope(monde.departement):
        carnet_anonymiser(carnet=monde.carnet)
        with pytest.raises(AnonymisationRefusee, match="déjà été anonymisé"):
            carnet_anonymiser(carnet=monde.carnet)
    assert AccessLog.objects.filter(object_uid=monde.carnet.uid, action=Action.ANONYMISATION).count() == 1


def test_a_failure_in_one_app_leaves_everything_as_it_was(monde, monkeypatch):
    from partenaires import anonymisation as partenaires

    def panne(**kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(partenaires, "anonymiser", panne)
    storage, name = monde.document.fichier.storage, monde.document.fichier.name
    with departement_scope(monde.departement):
        with pytest.raises(RuntimeError):
            carnet_anonymiser(carnet=monde.carnet)
        carnet = Carnet.objects.select_related("beneficiaire").get(pk=monde.carnet.pk)
        assert carnet.anonymise_le is None
        assert carnet.beneficiaire.nom_usage == SENTINELLES["nom_usage"]
        assert carnet.notes.exists() and carnet.documents.exists()
        assert not Evenement.objects.filter(carnet=carnet, type="anonymisation").exists()
    assert storage.exists(name)


def test_the_timeline_stays_append_only_outside_the_anonymisation(monde):
    with departement_scope(monde.departement):
        carnet_anonymiser(carnet=monde.carnet)
    for statement in ("UPDATE carnet_evenement SET resume = 'x'", "DELETE FROM carnet_evenement"):
        with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


def test_a_person_never_accompanied_is_deleted_with_everything(db, django_capture_on_commit_callbacks):
    carnet = CarnetFactory(beneficiaire=BeneficiaireFactory(nom_usage="Jamaissuivie"))
    Evenement.unscoped_objects.create(departement=carnet.departement, carnet=carnet, type="carnet_cree", resume="x")
    with departement_scope(carnet.departement), django_capture_on_commit_callbacks(execute=True):
        beneficiaire_supprimer(carnet=carnet)
    assert not Carnet.unscoped_objects.filter(pk=carnet.pk).exists()
    assert not Beneficiaire.unscoped_objects.filter(pk=carnet.beneficiaire_id).exists()
    assert not Evenement.unscoped_objects.filter(carnet_id=carnet.pk).exists()
    assert AccessLog.objects.filter(object_uid=carnet.uid, action=Action.SUPPRESSION).exists()
    assert occurrences(["Jamaissuivie"]) == []


def test_an_anonymised_person_leaves_the_orientation_queue_and_the_search(db):
    from carnet.views.recherche import search_beneficiaires
    from orientation.queue import nouvel_entrant_q

    carnet = CarnetFactory(beneficiaire=BeneficiaireFactory(nom_usage="Nouvelentrante"))
    with departement_scope(carnet.departement):
        naissance = carnet.beneficiaire.date_naissance.replace(month=1, day=1)
        assert Carnet.objects.filter(nouvel_entrant_q(), pk=carnet.pk).exists()
        carnet_anonymiser(carnet=carnet)
        assert not Carnet.objects.filter(nouvel_entrant_q(), pk=carnet.pk).exists()
        assert not search_beneficiaires({"date_naissance": naissance}).exists()
