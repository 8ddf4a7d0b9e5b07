"""Spreadsheet imports: upload, mapping (saved per structure), preview, validation, run, report.

The run (`partenaires.tasks.traiter_import_tableur`) is claimed like the flux's (conditional UPDATE), holds the
same per-département advisory lock (no two imports create the same person at once), re-reads and re-analyses the
file on the database as it is, then applies it by batches: new people and updates through the carnet's bulk
services (`carnet.services.bulk`, as the flux), one timeline event per update, invitations one by one (each with
its own e-mail, sent after the commit).
"""

from datetime import timedelta

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from carnet.models import Beneficiaire, TypeEvenement
from carnet.search import merge_pending_entries
from carnet.services.bulk import Modification, beneficiaire_apply, beneficiaires_create, beneficiaires_update
from partenaires.flux.services import liberer, verrou_imports
from partenaires.imports.analyse import CREATION, ERREUR, INCHANGEE, LIBELLES_STATUTS, MISE_A_JOUR, analyser
from partenaires.imports.lecture import lire
from partenaires.models import (
    EtapeTableur,
    ImportTableur,
    ModeleImport,
    StatutTraitement,
    TypeImport,
)
from spie.audit import log_access
from spie.models import Action, Canal, Invitation
from spie.outbox import enqueue
from spie.spreadsheet import csv_bytes

LOT = 500
HEARTBEAT_LOST = timedelta(minutes=10)
LIBELLES_CHAMPS = {
    "civilite": "civilité",
    "nom_usage": "nom d'usage",
    "nom_naissance": "nom de naissance",
    "prenoms": "prénoms",
    "date_naissance": "date de naissance",
    "lieu_naissance": "lieu de naissance",
    "telephone": "téléphone",
    "courriel": "courriel",
    "adresse": "adresse",
    "complement_adresse": "complément d'adresse",
    "code_postal": "code postal",
    "commune_id": "commune",
    "numero_allocataire": "numéro d'allocataire",
    "identifiant_france_travail": "identifiant France Travail",
    "identifiant_departement": "identifiant départemental",
    "date_entree_rsa": "date d'entrée au RSA",
    "nir": "NIR",
}


def tableur_deposer(*, departement, structure, type_, fichier, tableau, user) -> ImportTableur:
    """Store an uploaded file already read (`tableau`, see `lecture.lire`); next step: the mapping."""
    row = ImportTableur(
        departement=departement,
        structure=structure,
        type=type_,
        fichier=fichier,
        nom_fichier=(fichier.name or "import")[:255],
        format=tableau.lecture["format"],
        lecture=tableau.lecture,
        entetes=tableau.entetes,
        total=len(tableau.lignes),
        created_by=user,
    )
    row.save()
    return row


def _tableau(row):
    with row.fichier.open("rb") as handle:
        return lire(handle.read(), row.nom_fichier)


def tableur_apercu(*, row, colonnes, user) -> ImportTableur:
    """Save the mapping (on the import and as the structure's model), analyse the file, keep the preview."""
    ModeleImport.objects.update_or_create(
        departement_id=row.departement_id,
        structure=row.structure,
        type=row.type,
        defaults={"colonnes": colonnes, "updated_by": user},
    )
    analyse = analyser(_tableau(row), colonnes, row.type, structure=row.structure)
    row.colonnes = colonnes
    row.apercu = analyse.resume()
    row.total = len(analyse.lignes)
    row.etape = EtapeTableur.APERCU
    row.save(update_fields=["colonnes", "apercu", "total", "etape", "updated_at"])
    return row


def tableur_valider(*, row) -> bool:
    """Confirm the preview: the run is enqueued after the commit. False when it was already confirmed."""
    from partenaires.tasks import traiter_import_tableur

    confirmed = ImportTableur.objects.filter(pk=row.pk, etape=EtapeTableur.APERCU).update(
        etape=EtapeTableur.VALIDE, statut=StatutTraitement.EN_ATTENTE, updated_at=timezone.now()
    )
    if confirmed:
        enqueue(traiter_import_tableur, row.pk, row.departement_id)
    return bool(confirmed)


def _claim(import_id):
    now = timezone.now()
    claimed = (
        ImportTableur.objects.filter(pk=import_id, etape=EtapeTableur.VALIDE)
        .filter(
            Q(statut=StatutTraitement.EN_ATTENTE)
            | Q(statut=StatutTraitement.EN_COURS, updated_at__lt=now - HEARTBEAT_LOST)
        )
        .update(statut=StatutTraitement.EN_COURS, started_at=now, updated_at=now, traites=0)
    )
    if not claimed:
        return None
    return ImportTableur.objects.select_related("structure", "created_by").filter(pk=import_id).first()


def tableur_run(*, import_id):
    """Run a validated import (inside the département's scope); quietly nothing if gone or already taken."""
    row = _claim(import_id)
    if row is None:
        return None
    compteurs = {"crees": 0, "mis_a_jour": 0, "inchanges": 0, "rejetes": 0, "traites": 0}
    with verrou_imports(row.departement_id):
        try:
            analyse = analyser(_tableau(row), row.colonnes, row.type, structure=row.structure)
            ImportTableur.objects.filter(pk=row.pk).update(total=len(analyse.lignes), updated_at=timezone.now())
            for start in range(0, len(analyse.lignes), LOT):
                batch = analyse.lignes[start : start + LOT]
                with transaction.atomic():
                    if row.type == TypeImport.BENEFICIAIRES:
                        _apply_beneficiaires(row, batch)
                    else:
                        _apply_professionnels(row, batch)
                    for ligne in batch:
                        key = {CREATION: "crees", MISE_A_JOUR: "mis_a_jour", INCHANGEE: "inchanges"}
                        compteurs[key.get(ligne.statut, "rejetes")] += 1
                    compteurs["traites"] += len(batch)
                    ImportTableur.objects.filter(pk=row.pk).update(updated_at=timezone.now(), **compteurs)
        except (OperationalError, InterfaceError) as exc:
            liberer(ImportTableur, row, exc)  # the database went away: the task retries (partenaires.tasks)
            raise
        except Exception:
            _finish(row, StatutTraitement.ECHEC, {"message": _interrupted(compteurs["traites"])})
            raise
        rapport = analyse.resume(exemples=0)
        rapport["lignes"] = [
            {"ligne": ligne.ligne, "statut": ligne.statut, "changements": ligne.changements}
            for ligne in analyse.lignes
            if ligne.statut in (CREATION, MISE_A_JOUR)
        ][:5000]
        merge_pending_entries()
        _finish(row, StatutTraitement.TERMINE, rapport)
    log_access(
        action=Action.CREATION,
        obj=row,
        user=row.created_by,
        departement=row.departement,
        structure=row.structure,
        canal=Canal.TACHE,
        details={k: compteurs[k] for k in ("crees", "mis_a_jour", "inchanges", "rejetes")},
    )
    return row


def _interrupted(traites):
    return (
        f"L'import s'est interrompu sur une erreur inattendue après {traites} lignes ; les lignes déjà traitées "
        "sont enregistrées. Déposez à nouveau le fichier : rien ne sera créé deux fois."
    )


def _finish(row, statut, rapport):
    now = timezone.now()
    ImportTableur.objects.filter(pk=row.pk).update(statut=statut, rapport=rapport, finished_at=now, updated_at=now)


def _apply_beneficiaires(row, batch):
    nouveaux = [ligne.valeurs for ligne in batch if ligne.statut == CREATION]
    beneficiaires_create(row.departement_id, nouveaux, resume="Carnet de bord ouvert (import de tableur)")
    updates = {ligne.beneficiaire_id: ligne for ligne in batch if ligne.statut == MISE_A_JOUR}
    if not updates:
        return
    modifications = []
    for beneficiaire in Beneficiaire.objects.select_related("carnet").filter(pk__in=list(updates)):
        ligne = updates[beneficiaire.pk]
        noms = ", ".join(sorted({LIBELLES_CHAMPS[name] for name in ligne.changements}))
        modification = Modification(
            beneficiaire,
            beneficiaire_apply(beneficiaire, ligne.valeurs, ligne.changements),
            [(TypeEvenement.BENEFICIAIRE_MODIFIE, f"Mis à jour par import de tableur : {noms}")],
        )
        modifications.append(modification)
    beneficiaires_update(modifications, auteur=row.created_by)


def _apply_professionnels(row, batch):
    from spie.services import _send_invitation_on_commit

    for ligne in batch:
        if ligne.statut != CREATION:
            continue
        v = ligne.valeurs
        invitation = Invitation(
            departement_id=row.departement_id,
            structure=row.structure,
            email=v["email"],
            first_name=v.get("first_name", ""),
            last_name=v.get("last_name", ""),
            role=v["role"],
            invited_by=row.created_by,
            expires_at=Invitation.default_expiry(),
        )
        token = Invitation.new_token()
        invitation.set_token(token)
        invitation.save()
        log_access(
            action=Action.INVITATION,
            obj=invitation,
            user=row.created_by,
            departement=row.departement,
            structure=row.structure,
            canal=Canal.TACHE,
            details={"role": invitation.role, "import": True},
        )
        # The same e-mail as an invitation made by hand (spie.services), sent once the batch is committed.
        _send_invitation_on_commit(invitation, token)


RAPPORT_COLONNES = ["ligne", "résultat", "champ", "détail"]


def rapport_csv(row) -> bytes:
    """Errors and changes, line by line (UTF-8 with BOM, semicolons); never a NIR."""
    source = row.rapport if row.fini and row.rapport.get("compteurs") else row.apercu
    lines = [(e["ligne"], LIBELLES_STATUTS[ERREUR], e["champ"], e["motif"]) for e in source.get("erreurs", [])]
    for entry in (row.rapport or {}).get("lignes", []):
        detail = ", ".join(LIBELLES_CHAMPS.get(name, name) for name in entry.get("changements", []))
        lines.append((entry["ligne"], LIBELLES_STATUTS[entry["statut"]], "", detail))
    return csv_bytes([RAPPORT_COLONNES, *sorted(lines, key=lambda item: item[0])])
