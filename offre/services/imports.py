"""Import of data·inclusion files into the département's catalogue.

Each record is validated by the package in strict mode (`model_validate(record, context={"ignore_warnings":
False})`), then against the national geography referential (communes, EPCI, départements) and the
platform's own rules (SIRET key, lengths, the structure a service belongs to). Valid records are upserted
by their `id`: re-importing the same file creates nothing and changes nothing. Invalid ones are reported
with their position (record number, line), field and message; the report is kept on the import row.

The run is a Celery task (`offre.tasks.importer_catalogue`): one short transaction per record and a
progress update every few records, so that the page's progress bar moves and a lost worker loses little.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from data_inclusion.schema import v1
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from offre import schema
from offre.models import ImportCatalogue, Service, StatutImport, StatutService
from offre.services.lecture import LIBELLES, STRUCTURE, FichierInvalide, read_files
from offre.zones import CODE_PAYS_FRANCE, FRANCE, normalise_code, unknown_codes
from spie.models import Commune, Structure, TypeStructure
from spie.notifications import notify
from spie.outbox import enqueue
from spie.text import normalise

PROGRESS_EVERY = 20
# A run whose heartbeat is older than this was lost with its worker: another delivery may take it over.
HEARTBEAT_LOST = timedelta(minutes=10)

# Structure type of the platform for a structure created by an import, from its réseaux porteurs.
TYPE_PAR_RESEAU = {
    "france-travail": TypeStructure.FRANCE_TRAVAIL,
    "mission-locale": TypeStructure.MISSION_LOCALE,
    "cap-emploi-reseau-cheops": TypeStructure.CAP_EMPLOI,
    "plie": TypeStructure.PLIE,
    "caf": TypeStructure.CAF,
    "mutualite-sociale-agricole": TypeStructure.MSA,
    "ccas-cias": TypeStructure.CCAS,
    "departements": TypeStructure.DEPARTEMENT,
    "afpa": TypeStructure.ORGANISME_FORMATION,
    "ei": TypeStructure.SIAE,
    "aci": TypeStructure.SIAE,
    "ai": TypeStructure.SIAE,
    "etti": TypeStructure.SIAE,
    "eiti": TypeStructure.SIAE,
}

STRUCTURE_DATA_FIELDS = [
    "source",
    "di_id",
    "nom",
    "description",
    "lien_source",
    "siret",
    "code_postal",
    "adresse",
    "complement_adresse",
    "longitude",
    "latitude",
    "telephone",
    "courriel",
    "site_web",
    "horaires_accueil",
    "accessibilite_lieu",
    "reseaux_porteurs",
]
SERVICE_DATA_FIELDS = ["di_id" if name == "id" else name for name in schema.SERVICE_FIELDS if name != "structure_id"]


# --- Creating and running an import ---------------------------------------------------------------------


def import_create(*, departement, format, fichiers, user) -> ImportCatalogue:
    """Store the uploaded files (private storage) and enqueue the run after the commit."""
    from offre.tasks import importer_catalogue

    row = ImportCatalogue(
        departement=departement,
        format=format,
        noms_fichiers=", ".join(f.name for f in fichiers)[:400],
        created_by=user,
        fichier=fichiers[0],
    )
    if len(fichiers) > 1:
        row.fichier_2 = fichiers[1]
    row.save()
    enqueue(importer_catalogue, departement.pk, row.pk)
    return row


def _claim(import_id):
    """Take the run: waiting, or running with a lost heartbeat. Another delivery of the task gets nothing."""
    now = timezone.now()
    claimed = (
        ImportCatalogue.objects.filter(pk=import_id)
        .filter(
            Q(statut=StatutImport.EN_ATTENTE) | Q(statut=StatutImport.EN_COURS, updated_at__lt=now - HEARTBEAT_LOST)
        )
        .update(statut=StatutImport.EN_COURS, started_at=now, updated_at=now)
    )
    return ImportCatalogue.objects.select_related("created_by").filter(pk=import_id).first() if claimed else None


def _files(row):
    names = [n.strip() for n in row.noms_fichiers.split(",")]
    files = []
    for index, stored in enumerate([row.fichier, row.fichier_2]):
        if stored:
            with stored.open("rb") as handle:
                files.append((names[index] if index < len(names) else stored.name, handle.read()))
    return files


def import_run(*, import_id):
    """Run an import (inside the département's scope). Quietly does nothing when the row is gone or taken."""
    row = _claim(import_id)
    if row is None:
        return None
    try:
        records = read_files(row.format, _files(row))
    except (FichierInvalide, FileNotFoundError) as exc:
        message = str(exc) if isinstance(exc, FichierInvalide) else "Le fichier déposé est introuvable."
        ImportCatalogue.objects.filter(pk=row.pk).update(
            statut=StatutImport.ECHEC,
            rapport={"message": message, "erreurs": []},
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return row
    ImportCatalogue.objects.filter(pk=row.pk).update(total=len(records), traites=0, updated_at=timezone.now())
    run = Execution(row=row)
    for index, record in enumerate(records, start=1):
        run.process(record)
        if index % PROGRESS_EVERY == 0:
            run.save_progress(index)
    run.finish(len(records))
    return row


@dataclass
class Execution:
    row: ImportCatalogue
    erreurs: list = field(default_factory=list)
    compteurs: dict = field(default_factory=lambda: {"crees": 0, "modifies": 0, "inchanges": 0, "en_erreur": 0})
    structures: dict = field(default_factory=dict)  # di_id → Structure, valid in this file or in the database
    structures_en_erreur: set = field(default_factory=set)
    vus: dict = field(default_factory=dict)  # (kind, id) → record number

    def save_progress(self, traites):
        ImportCatalogue.objects.filter(pk=self.row.pk).update(
            traites=traites, updated_at=timezone.now(), **self.compteurs
        )

    def finish(self, total):
        now = timezone.now()
        message = (
            f"{total} enregistrement(s) lu(s) : {self.compteurs['crees']} créé(s), {self.compteurs['modifies']} "
            f"modifié(s), {self.compteurs['inchanges']} inchangé(s), {self.compteurs['en_erreur']} en erreur."
        )
        ImportCatalogue.objects.filter(pk=self.row.pk).update(
            statut=StatutImport.TERMINE,
            traites=total,
            rapport={"message": message, "erreurs": self.erreurs},
            finished_at=now,
            updated_at=now,
            **self.compteurs,
        )
        notify(
            user=self.row.created_by,
            departement_id=self.row.departement_id,
            titre="Import du catalogue terminé",
            message=message,
            lien=reverse("offre:import_detail", kwargs={"uid": self.row.uid}),
            cle=f"import-offre:{self.row.uid}",
        )

    # One record

    def process(self, record):
        errors = []
        if not isinstance(record.data, dict):
            errors = [("", "L'enregistrement n'est pas un objet (clés et valeurs).")]
        else:
            key = (record.type, record.identifiant)
            if record.identifiant and key in self.vus:
                errors = [("id", f"Identifiant déjà présent à l'enregistrement n° {self.vus[key]} de ce fichier.")]
            elif record.identifiant:
                self.vus[key] = record.numero
        if not errors:
            try:
                with transaction.atomic():
                    handler = self.structure if record.type == STRUCTURE else self.service
                    action, errors = handler(record.data)
                    if errors:
                        raise _Rollback()
            except _Rollback:
                pass
            except DatabaseError as exc:
                errors = [("", f"Enregistrement refusé par la base de données : {str(exc).splitlines()[0]}")]
        if errors:
            if record.type == STRUCTURE and record.identifiant:
                self.structures_en_erreur.add(record.identifiant)
            self.compteurs["en_erreur"] += 1
            for champ, message in errors:
                self.erreurs.append(
                    {
                        "type": record.type,
                        "numero": record.numero,
                        "ligne": record.ligne,
                        "identifiant": record.identifiant,
                        "champ": champ,
                        "message": message,
                    }
                )
            return
        self.compteurs[action] += 1

    def structure(self, data):
        model, errors = schema.validate(v1.Structure, data)
        commune, commune_errors = _structure_commune(data)
        errors += commune_errors
        if errors:
            return None, errors
        values = _values(model, STRUCTURE_DATA_FIELDS)
        structure = Structure.objects.filter(di_id=values["di_id"]).first()
        creating = structure is None
        if creating:
            structure = Structure(
                departement_id=self.row.departement_id, type=_type_structure(values["reseaux_porteurs"]), actif=True
            )
        errors = _model_errors(structure, values, STRUCTURE_DATA_FIELDS)
        if values["siret"] and Structure.objects.filter(siret=values["siret"]).exclude(pk=structure.pk).exists():
            errors.append(("siret", "Une autre structure du département porte déjà ce SIRET."))
        if errors:
            return None, errors
        changed = _changed(structure, {**values, "commune_id": getattr(commune, "pk", None)}) or (
            structure.date_maj != model.date_maj
        )
        renamed = not creating and structure.nom != values["nom"]
        if creating or changed:
            _assign(structure, {**values, "commune": commune})
            if not creating:
                structure.version += 1
            structure.save(date_maj=model.date_maj)
        if renamed:
            for service in structure.services.all():
                service.save(update_fields=["updated_at"])  # the structure's name is part of the search keywords
        self.structures[structure.di_id] = structure
        return ("crees" if creating else "modifies" if changed else "inchanges"), []

    def service(self, data):
        values, errors = service_values(data)
        structure, structure_error = self._structure_of(data.get("structure_id"))
        if structure_error:
            errors.append(("structure_id", structure_error))
        if errors:
            return None, errors
        service = Service.objects.filter(di_id=values["di_id"]).first()
        creating = service is None
        if creating:
            now = timezone.now()
            service = Service(
                departement_id=self.row.departement_id,
                statut=StatutService.PUBLIE,
                created_by=self.row.created_by,
                modere_par=self.row.created_by,
                modere_le=now,
            )
        changed = _changed(service, {**values, "structure_id": structure.pk})
        if creating or changed:
            _assign(service, {**values, "structure": structure})
            if not creating:
                service.version += 1
            service.save()
        return ("crees" if creating else "modifies" if changed else "inchanges"), []

    def _structure_of(self, di_id):
        if not di_id or not isinstance(di_id, str):
            return None, None  # reported by the package (missing field)
        if di_id in self.structures_en_erreur:
            return None, f"La structure « {di_id} » de ce service est en erreur dans ce fichier."
        if di_id not in self.structures:
            self.structures[di_id] = Structure.objects.filter(di_id=di_id).first()
        structure = self.structures[di_id]
        if structure is None:
            return (
                None,
                f"Structure inconnue : « {di_id} » n'est ni dans ce fichier ni dans le catalogue du département.",
            )
        return structure, None


def service_values(data):
    """(model field values, []) of one data·inclusion `Service` record, or (None, [(field, message in French)]).

    The record is validated by the package in strict mode, then against the national referential (zone and
    commune codes) and the platform's own field checks; the file import and the partner API both write what
    this returns, so that a record is accepted or refused the same way whichever way it comes in.
    """
    errors = _text_errors(data)
    if errors:
        return None, errors
    model, errors = schema.validate(v1.Service, data)
    errors += _service_referential_errors(data, errors)
    if errors:
        return None, errors
    values = _values(model, SERVICE_DATA_FIELDS)
    values["zone_eligibilite"] = list(dict.fromkeys(normalise_code(c) for c in values["zone_eligibilite"]))
    if values["code_insee"] and not values["commune"]:
        values["commune"] = Commune.objects.filter(code_insee=values["code_insee"]).values_list("nom", flat=True)[0]
    errors = _model_errors(Service(), values, SERVICE_DATA_FIELDS)
    return (None, errors) if errors else (values, [])


def _text_errors(data):
    """Texts PostgreSQL cannot store (a NUL character, a lone surrogate) are refused before any write."""
    errors = []
    for name, value in data.items() if isinstance(data, dict) else ():
        if any(
            isinstance(text, str) and not _storable(text) for text in (value if isinstance(value, list) else [value])
        ):
            errors.append((str(name), "Caractère invalide (caractère nul ou encodage incorrect)."))
    return errors


def _storable(text):
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Rollback(Exception):
    """Undo the record's writes (its errors are reported, the import goes on)."""


# --- Helpers ----------------------------------------------------------------------------------------------


def _values(model, fields):
    """Model field values from a record validated by the package: "" for absent text, sorted sets."""
    dumped = model.model_dump(mode="json")
    values = {}
    for name in fields:
        value = dumped["id" if name == "di_id" else name]
        if name in schema.SORTED_FIELDS:
            value = sorted(value or [])
        elif name == "zone_eligibilite":
            value = list(value or [])
        elif name in ("longitude", "latitude", "volume_horaire_hebdomadaire", "nombre_semaines"):
            pass
        elif name == "date_maj":
            value = model.date_maj
        elif value is None:
            value = ""
        values[name] = value
    return values


def _changed(instance, values):
    return any(getattr(instance, name) != value for name, value in values.items())


def _assign(instance, values):
    for name, value in values.items():
        setattr(instance, name, value)


def _model_errors(instance, values, fields):
    """The platform's own checks on the values (lengths, SIRET key, e-mail and URL formats), in French."""
    candidate = type(instance)(**{name: values[name] for name in fields})
    exclude = [f.name for f in type(instance)._meta.concrete_fields if f.name not in fields]
    try:
        candidate.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return [
            ("id" if name == "di_id" else name, message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _type_structure(reseaux):
    for reseau in reseaux:
        if reseau in TYPE_PAR_RESEAU:
            return TYPE_PAR_RESEAU[reseau]
    return TypeStructure.AUTRE


def _structure_commune(data):
    """The referential commune of a structure record: by `code_insee`, else by name and postal code."""
    code = data.get("code_insee")
    if isinstance(code, str) and code:
        commune = Commune.objects.filter(code_insee=code.upper()).first()
        if commune is None:
            return None, [("code_insee", f"Code INSEE inconnu du Code officiel géographique : « {code} ».")]
        return commune, []
    nom, code_postal = data.get("commune"), data.get("code_postal")
    if isinstance(nom, str) and isinstance(code_postal, str) and nom and code_postal:
        return (
            Commune.objects.filter(nom_normalise=normalise(nom), codes_postaux__contains=[code_postal]).first(),
            [],
        )
    return None, []


def _service_referential_errors(data, package_errors):
    """Zone codes and commune code checked against the national referential (the package only checks formats)."""
    errors = []
    flagged = {champ for champ, _ in package_errors}
    zone = data.get("zone_eligibilite")
    if "zone_eligibilite" not in flagged and isinstance(zone, list):
        codes = [c for c in zone if isinstance(c, str) and normalise_code(c) not in (FRANCE, CODE_PAYS_FRANCE)]
        for code in unknown_codes(codes):
            errors.append(("zone_eligibilite", f"Code inconnu du Code officiel géographique : « {code} »."))
    code = data.get("code_insee")
    if "code_insee" not in flagged and isinstance(code, str) and code:
        if not Commune.objects.filter(code_insee=code.upper()).exists():
            errors.append(("code_insee", f"Code INSEE inconnu du Code officiel géographique : « {code} »."))
    return errors


def report_rows(row):
    """The errors of an import as rows for its CSV report."""
    yield ["Type", "N° d'enregistrement", "Ligne", "Identifiant", "Champ", "Message"]
    for erreur in row.erreurs:
        yield [
            LIBELLES.get(erreur["type"], erreur["type"]),
            erreur["numero"],
            erreur.get("ligne") or "",
            erreur.get("identifiant") or "",
            erreur.get("champ") or "",
            erreur["message"],
        ]
