"""Documents of a carnet, kept in the private default storage (never under a public URL).

Every upload is scanned by clamd (spie/clamav.py) before it is stored: an infected file is refused and never
written; a clean one is stored `saine`. When clamd cannot answer, the file is stored in quarantine
(`en_attente`: listed, not downloadable) and `document_analyser` scans it again from a task, until a verdict.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carnet.models import Analyse, Document, Sensibilite, TypeEvenement
from carnet.services.base import evenement_record, exiger_carnet_ouvert_en_base
from spie import clamav
from spie.outbox import publish_after_commit
from spie.tenancy import all_departements

logger = logging.getLogger(__name__)


class DocumentInfecte(ValidationError):
    pass


def _message_infecte(signature):
    return DocumentInfecte(
        "L'antivirus a détecté un logiciel malveillant dans ce fichier (%(signature)s) : il n'a pas été enregistré.",
        code="infecte",
        params={"signature": signature},
    )


def document_add(
    *, carnet, fichier, nom, type_document, sensibilite, auteur, structure, par_la_personne=False
) -> Document:
    """Store an upload already checked by `carnet.uploads.check_upload` (`type_document` is its result).

    Scanned first: `DocumentInfecte` (a ValidationError) when clamd finds malware, and nothing is stored.
    The file is written to the storage before the row; if the row cannot be written the file is removed,
    so that no orphan file outlives a failed upload.
    """
    try:
        verdict = clamav.scan(fichier)
    except clamav.ScannerUnavailable as error:
        logger.warning("Document en attente d'analyse : %s", error)
        verdict = None
    if verdict is not None and not verdict.clean:
        raise _message_infecte(verdict.signature)
    document = Document(
        analyse=Analyse.SAINE if verdict else Analyse.EN_ATTENTE,
        analyse_le=timezone.now() if verdict else None,
        departement_id=carnet.departement_id,
        carnet=carnet,
        nom=nom,
        type_mime=type_document.type_mime,
        taille=fichier.size,
        sensibilite=sensibilite,
        auteur=auteur,
        structure=structure,
        envoye_par_la_personne=par_la_personne,
        partage_avec_la_personne=par_la_personne,
    )
    # The stored name comes from `document_path` (a random hex): the original name never reaches the disk.
    document.fichier.save(type_document.extension, fichier, save=False)
    try:
        with transaction.atomic():
            document.save()
            label = {
                Sensibilite.GENERALE: f"Document envoyé par la personne : {nom}"
                if par_la_personne
                else f"Document ajouté : {nom}",
                Sensibilite.PRIVEE: "Document privé ajouté",
            }.get(sensibilite, f"Document ajouté (classe {Sensibilite(sensibilite).label.split(' — ')[0].lower()})")
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
    if verdict is None:
        from carnet.tasks import analyser_document

        publish_after_commit(analyser_document, carnet.departement_id, document.pk)
    return document


def document_analyser(*, document_id) -> str | None:
    """Scan a quarantined document again (in its département's scope); its state after, None if gone.

    Claimed with a row lock (SKIP LOCKED), so that the after-commit task and the sweep never scan it twice at
    once. clamd still unavailable: it stays `en_attente` for the next sweep. Infected: `refusee`, its file
    deleted, the verdict in the timeline.
    """
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk=document_id, analyse=Analyse.EN_ATTENTE)
            .first()
        )
        if document is None:
            return None
        try:
            with document.fichier.open("rb") as handle:
                verdict = clamav.scan(handle)
        except clamav.ScannerUnavailable as error:
            logger.warning("Document %s toujours en attente d'analyse : %s", document.pk, error)
            return document.analyse
        except FileNotFoundError:
            verdict = clamav.Verdict(clean=False, signature="fichier introuvable")
        document.analyse_le = timezone.now()
        if verdict.clean:
            document.analyse = Analyse.SAINE
        else:
            document.analyse = Analyse.REFUSEE
            document.signature = verdict.signature[:200]
            name = document.fichier.name
            transaction.on_commit(lambda: document.fichier.storage.delete(name))
            evenement_record(
                carnet=document.carnet,
                type=TypeEvenement.DOCUMENT,
                resume=f"Document refusé par l'antivirus ({document.signature})",
                auteur=document.auteur,
                structure=document.structure,
                sensibilite=document.sensibilite,
                obj=document,
            )
        document.save(update_fields=["analyse", "analyse_le", "signature"])
        return document.analyse


def documents_a_analyser():
    """(département id, document id) of every quarantined document, oldest first (all départements)."""
    with all_departements():  # the sweep crosses départements, then scans each document in its own scope
        return list(
            Document.objects.filter(analyse=Analyse.EN_ATTENTE)
            .order_by("created_at")
            .values_list("departement_id", "pk")
        )


def document_add_par_personne(*, carnet, fichier, nom, type_document) -> Document:
    """A document the person sent from their own space (checked by `carnet.uploads.check_upload`), scanned as
    every upload. It is general (the group reads it) and shared back with the person; it has no professional
    author. Refused on a closed carnet (`CarnetClos`)."""
    exiger_carnet_ouvert_en_base(carnet.pk)
    return document_add(
        carnet=carnet,
        fichier=fichier,
        nom=nom,
        type_document=type_document,
        sensibilite=Sensibilite.GENERALE,
        auteur=None,
        structure=None,
        par_la_personne=True,
    )


def document_partager(*, document, partage, auteur, structure) -> Document:
    """Share a document of a class the person's space shows (`carnet.sensibilite`: the general class) with the
    person, or stop sharing it."""
    from carnet import sensibilite
    from carnet.services.base import RegleMetier

    if partage and not sensibilite.peut_lire(sensibilite.LECTEUR_PERSONNE, document.sensibilite):
        raise RegleMetier("Seuls les documents de classe générale peuvent être partagés avec la personne.")
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
