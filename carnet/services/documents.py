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


def document_add_par_personne(*, carnet, fichier, nom, type_document) -> Document:
    """A document the person sent from their own space (checked by `carnet.uploads.check_upload`).

    It is general (the group reads it) and shared back with the person; it has no professional author.
    """
    document = Document(
        departement_id=carnet.departement_id,
        carnet=carnet,
        nom=nom,
        type_mime=type_document.type_mime,
        taille=fichier.size,
        sensibilite=Sensibilite.GENERALE,
        envoye_par_la_personne=True,
        partage_avec_la_personne=True,
    )
    document.fichier.save(type_document.extension, fichier, save=False)
    try:
        with transaction.atomic():
            document.save()
            evenement_record(
                carnet=carnet,
                type=TypeEvenement.DOCUMENT,
                resume=f"Document envoyé par la personne : {nom}",
                obj=document,
            )
    except Exception:
        document.fichier.storage.delete(document.fichier.name)
        raise
    return document


def document_partager(*, document, partage, auteur, structure) -> Document:
    """Share a general document with the person (or stop sharing it). Restricted and private documents are
    never shared: the person's space never shows them."""
    from carnet.services.base import RegleMetier

    if partage and document.sensibilite != Sensibilite.GENERALE:
        raise RegleMetier("Seuls les documents de visibilité générale peuvent être partagés avec la personne.")
    Document.objects.filter(pk=document.pk).update(partage_avec_la_personne=partage)
    document.partage_avec_la_personne = partage
    evenement_record(
        carnet=document.carnet,
        type=TypeEvenement.DOCUMENT,
        resume=f"Document {'partagé avec' if partage else 'retiré de l’espace de'} la personne : {document.nom}",
        auteur=auteur,
        structure=structure,
        obj=document,
    )
    return document
