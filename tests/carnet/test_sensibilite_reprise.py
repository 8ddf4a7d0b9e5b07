"""The data migration of the sensitivity classes (carnet.0023), run on rows of the former "restreinte" class: each
becomes the class read by the same people, or the class of its theme; backwards, "restreinte" again."""

import importlib

from django.db import connection

from carnet.models import Document, Evenement, Note
from tests.carnet.factories import (
    AxeFactory,
    CarnetFactory,
    DocumentFactory,
    MembreGroupeFactory,
    NoteFactory,
    ObjectifFactory,
    theme,
)

migration = importlib.import_module("carnet.migrations.0024_classes_de_sensibilite")


def evenement(carnet, obj=None, sensibilite="restreinte", type="note"):
    return Evenement.unscoped_objects.create(
        departement=carnet.departement,
        carnet=carnet,
        type=type,
        resume="Élément restreint",
        sensibilite=sensibilite,
        object_uid=getattr(obj, "uid", None),
    )


def test_reprise_des_elements_restreints_dans_les_nouvelles_classes(db):
    carnet = CarnetFactory()
    membre = MembreGroupeFactory(carnet=carnet, est_referent=True)
    note = NoteFactory(carnet=carnet, auteur=membre.user, structure=membre.structure, sensibilite="restreinte")
    document = DocumentFactory(carnet=carnet, auteur=membre.user, structure=membre.structure, sensibilite="restreinte")
    axe_sante = AxeFactory(carnet=carnet, created_by=membre.user, theme=theme("sante"))
    objectif_famille = ObjectifFactory(
        axe=AxeFactory(carnet=carnet, created_by=membre.user, theme=theme("contraintes_familiales"))
    )
    ev_note = evenement(carnet, note)
    ev_axe = evenement(carnet, axe_sante, type="axe")
    ev_objectif = evenement(carnet, objectif_famille, type="objectif")
    ev_general = evenement(carnet, sensibilite="generale")
    ev_prive = evenement(carnet, sensibilite="privee")

    def classes():
        return (
            Note.unscoped_objects.get(pk=note.pk).sensibilite,
            Document.unscoped_objects.get(pk=document.pk).sensibilite,
            *(Evenement.unscoped_objects.get(pk=e.pk).sensibilite for e in (ev_note, ev_axe, ev_objectif)),
            *(Evenement.unscoped_objects.get(pk=e.pk).sensibilite for e in (ev_general, ev_prive)),
        )

    with connection.cursor() as cursor:
        cursor.execute(migration.ELEMENTS_VERS_CLASSES)
    assert classes() == ("justice", "justice", "justice", "sante", "famille", "generale", "privee")
    with connection.cursor() as cursor:
        cursor.execute(migration.CLASSES_VERS_RESTREINTE)
    assert classes() == ("restreinte",) * 5 + ("generale", "privee")
