"""The one optimistic-locking helper (`spie.versioning.save_versioned`)."""

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from spie.models import Structure
from spie.tenancy import departement_scope
from spie.versioning import VersionConflict, save_versioned


@pytest.fixture
def structure(structure_a, dep_a):
    with departement_scope(dep_a):
        yield Structure.objects.get(pk=structure_a.pk)


@pytest.fixture
def saves():
    seen = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        seen.append((sender, instance.pk, created, update_fields))

    post_save.connect(receiver, sender=Structure, dispatch_uid="test_versioning")
    yield seen
    post_save.disconnect(dispatch_uid="test_versioning", sender=Structure)


def test_fields_are_written_with_the_next_version_in_one_statement(structure, saves):
    read = structure.version
    structure.nom = "Mission locale du Havre"
    with CaptureQueriesContext(connection) as queries:
        save_versioned(structure, version=read, fields=["nom"])
    assert len(queries.captured_queries) == 1
    assert structure.version == read + 1
    assert Structure.objects.values_list("nom", "version").get(pk=structure.pk) == (
        "Mission locale du Havre",
        read + 1,
    )
    assert saves == [(Structure, structure.pk, False, frozenset({"nom"}))]


def test_a_stale_version_is_refused_and_nothing_is_written(structure, saves):
    read = structure.version
    Structure.objects.filter(pk=structure.pk).update(version=read + 1, nom="Écrit par l'autre")
    structure.nom = "Mon nom"
    with pytest.raises(VersionConflict):
        save_versioned(structure, version=read, fields=["nom"])
    assert structure.version == read
    assert Structure.objects.values_list("nom", "version").get(pk=structure.pk) == ("Écrit par l'autre", read + 1)
    assert saves == []


def test_without_fields_the_row_is_only_claimed_for_the_callers_own_save(structure, saves):
    read, nom = structure.version, structure.nom
    structure.nom = "Pas encore écrit"
    save_versioned(structure, version=read)
    assert structure.version == read + 1 and saves == []
    assert Structure.objects.values_list("nom", "version").get(pk=structure.pk) == (nom, read + 1)
    structure.save()
    assert Structure.objects.values_list("nom", "version").get(pk=structure.pk) == ("Pas encore écrit", read + 1)


def test_the_second_of_two_writers_with_the_same_version_is_refused(structure):
    read = structure.version
    save_versioned(structure, version=read)
    other = Structure.objects.get(pk=structure.pk)
    other.nom = "Deuxième"
    with pytest.raises(VersionConflict):
        save_versioned(other, version=read, fields=["nom"])
