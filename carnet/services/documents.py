"""Documents of a carnet, kept in the private default storage (never under a public URL)."""

from django.db import transaction

from carnet.models import Document, Sensibilite, TypeEvenement
from carnet.services.base import evenement_record


def document_add(*, carnet, fichier, nom, type_document, sensibilite, auteur, structure) -> Document:
    """Store an upload already checked by `carnet.uploads.check_upload` (`type_document` is its result).

    The file is written to the storage before the row; if the row cannot be written the file is removed,
    so that no orphan file outlives a failed upload.
    """
    document = Document(
        departement_id=carnet.departement_id,
        carnet=carnet,
        nom=nom,
        type_mime=type_document.type_mime,
        taille=fichier.size,
        sensibilite=sensibilite,
        auteur=auteur,
        structure=structure,
    )
    # The stored name comes from `document_path` (a random hex): the original name never reaches the disk.
    document.fichier.save(type_document.extension, fichier, save=False)
    try:
        with transaction.atomic():
            document.save()
            label = {
                Sensibilite.GENERALE: f"Document ajouté : {nom}",
                Sensibilite.RESTREINTE: "Document restreint ajouté",
            }.get(sensibilite, "Document privé ajouté")
            evenement_record(
                carnet=carnet,
                type=TypeEvenement.DOCUMENT,
                resume=label,
                auteur=auteur,
                structure=structure,
                sensibilite=sensibilite,
                obj=document,
            )
    except Exception:
        document.fichier.storage.delete(document.fichier.name)
        raise
    return document
