"""The catalogue in the data·inclusion schema v1: rows → records, validation and quality score by the package.

Every record leaving the platform (export, API) is validated by `data_inclusion.schema.v1` in strict mode
(`context={"ignore_warnings": False}`: the package's warnings are errors too) and dumped by the package,
so that the files are exactly the schema, nulls included.
"""

import datetime

import pydantic
from data_inclusion.schema import v1
from data_inclusion.schema.v1 import score_qualite
from django.utils import timezone

STRICT = {"ignore_warnings": False}

SERVICE_FIELDS = tuple(v1.Service.model_fields)
STRUCTURE_FIELDS = tuple(v1.Structure.model_fields)
SERVICE_LIST_FIELDS = (
    "thematiques",
    "publics",
    "modes_accueil",
    "zone_eligibilite",
    "modes_mobilisation",
    "mobilisable_par",
)
STRUCTURE_LIST_FIELDS = ("reseaux_porteurs",)
# Sets in the schema: written sorted, so that the same catalogue always gives the same file.
SORTED_FIELDS = frozenset(SERVICE_LIST_FIELDS + STRUCTURE_LIST_FIELDS) - {"zone_eligibilite"}
NOM_MAX = 150


def today():
    """The package checks `date_maj <= date.today()` (server clock): never hand it a later local date."""
    return min(timezone.localdate(), datetime.date.today())


def _empty_to_none(value):
    return None if value in ("", [], None) else value


def nom_schema(nom):
    """A name as the schema wants it: at most 150 characters, no final full stop (except "etc.")."""
    nom = (nom or "").strip()
    while nom.endswith(".") and not nom.endswith("etc."):
        nom = nom[:-1].rstrip()
    return nom[:NOM_MAX].rstrip()


# --- Rows → records ---------------------------------------------------------------------------------


def structure_record(structure):
    """The raw data·inclusion record of a `spie.Structure` (select_related("commune") avoids a query)."""
    commune = structure.commune
    code_postal = structure.code_postal
    if not code_postal and commune is not None and len(commune.codes_postaux) == 1:
        code_postal = commune.codes_postaux[0]
    date_maj = structure.date_maj or timezone.localtime(structure.updated_at).date()
    record = {
        "source": structure.source,
        "id": structure.di_id,
        "nom": nom_schema(structure.nom),
        "date_maj": min(date_maj, today()),
        "description": structure.description if len(structure.description.strip()) >= 5 else None,
        "lien_source": structure.lien_source,
        "siret": structure.siret,
        "commune": commune.nom if commune else None,
        "code_postal": code_postal,
        "code_insee": commune.code_insee if commune else None,
        "adresse": structure.adresse,
        "complement_adresse": structure.complement_adresse,
        "longitude": structure.longitude,
        "latitude": structure.latitude,
        "telephone": structure.telephone,
        "courriel": structure.courriel,
        "site_web": structure.site_web,
        "horaires_accueil": structure.horaires_accueil,
        "accessibilite_lieu": structure.accessibilite_lieu,
        "reseaux_porteurs": sorted(structure.reseaux_porteurs),
    }
    return {name: _empty_to_none(record[name]) for name in STRUCTURE_FIELDS}


def service_record(service):
    """The raw data·inclusion record of a `Service` (select_related("structure") avoids a query)."""
    record = {}
    for name in SERVICE_FIELDS:
        if name == "structure_id":
            value = service.structure.di_id
        elif name == "id":
            value = service.di_id
        elif name == "nom":
            value = nom_schema(service.nom)
        elif name == "date_maj":
            value = min(service.date_maj, today()) if service.date_maj else None
        else:
            value = getattr(service, name)
            if name in SORTED_FIELDS:
                value = sorted(value)
        record[name] = _empty_to_none(value)
    return record


# --- Validation by the package ----------------------------------------------------------------------


def validate(model, record):
    """(validated model or None, [(field, French message)]) for one record, in strict mode."""
    try:
        return model.model_validate(record, context=STRICT), []
    except pydantic.ValidationError as exc:
        return None, translate_errors(exc.errors())


def dump(instance):
    """The package's JSON form of a validated model, sets sorted."""
    data = instance.model_dump(mode="json")
    for name in SORTED_FIELDS & data.keys():
        if data[name] is not None:
            data[name] = sorted(data[name])
    return data


def export_record(model, record):
    """Validated and dumped by the package. An optional value that the package refuses (an e-mail the
    platform accepted but the schema does not, say) is left out rather than the whole record."""
    try:
        return dump(model.model_validate(record, context=STRICT))
    except pydantic.ValidationError as exc:
        required = {name for name, field in model.model_fields.items() if field.is_required()}
        cleaned = dict(record)
        for error in exc.errors():
            name = error["loc"][0] if error["loc"] else None
            if name in cleaned and name not in required:
                cleaned[name] = None
        return dump(model.model_validate(cleaned, context=STRICT))


def export_structure(structure):
    return export_record(v1.Structure, structure_record(structure))


def export_service(service):
    return export_record(v1.Service, service_record(service))


# --- Quality score ----------------------------------------------------------------------------------


def service_score(service):
    """The package's `score_qualite` of a row: (score between 0 and 1, {criterion: value or None}).

    Built without validation (`model_construct`) so that a row being edited can be scored too; the
    package's criteria only read attributes.
    """
    record = {
        name: _empty_to_none(getattr(service, name)) for name in SERVICE_FIELDS if name not in ("structure_id", "id")
    }
    try:
        return score_qualite.score(v1.Service.model_construct(**record))
    except (AttributeError, ValueError, TypeError, ZeroDivisionError):
        return 0.0, {}


CRITERES = {
    "adresse_bien_definie": "Adresse renseignée (accueil en présentiel)",
    "modes_mobilisation_bien_definis": "Modes de mobilisation et personnes mobilisatrices",
    "au_moins_un_public": "Au moins un public",
    "au_moins_une_thematique": "Au moins une thématique",
    "au_moins_un_moyen_de_contact": "Au moins un moyen de contact",
    "courriel_bien_defini": "Courriel (mobilisation par courriel)",
    "date_maj_recente": "Mise à jour récente",
    "frais_bien_definis": "Frais précisés",
    "description_bien_definie": "Description de 200 à 2 000 caractères",
    "telephone_bien_defini": "Téléphone (mobilisation par téléphone)",
}


# --- Errors in French -------------------------------------------------------------------------------


def _field(loc):
    return str(loc[0]) if loc else ""


def translate_error(error):
    """One pydantic error of the package → (field, message in French)."""
    kind, loc, ctx = error["type"], error.get("loc", ()), error.get("ctx") or {}
    value = error.get("input")
    field = _field(loc)
    shown = value if isinstance(value, str | int | float) else None
    if field == "zone_eligibilite" and len(loc) >= 2 and isinstance(loc[1], int):
        return field, (
            f"Code de zone invalide « {value} » : code INSEE de commune, code de département, SIREN d'EPCI, "
            "code pays ou « france »."
        )
    if kind == "missing":
        return field, "Champ obligatoire manquant."
    if kind == "enum":
        return field, f"Valeur inconnue du référentiel data·inclusion : « {shown} »."
    if kind == "string_too_short":
        return field, f"Texte trop court : {ctx.get('min_length')} caractères au moins."
    if kind == "string_too_long":
        return field, f"Texte trop long : {ctx.get('max_length')} caractères au plus."
    if kind == "string_pattern_mismatch":
        return field, f"Format invalide : « {shown} »."
    if kind in ("too_short",):
        return field, "La liste ne peut pas être vide."
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"):
        return field, f"Date invalide « {shown} » : format attendu AAAA-MM-JJ."
    if kind.startswith("url"):
        return field, f"Lien invalide « {shown} » : adresse web complète attendue (https://…)."
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float", "finite_number"):
        return field, f"Nombre invalide « {shown} »."
    if kind == "greater_than_equal":
        return field, f"Doit être supérieur ou égal à {ctx.get('ge')}."
    if kind in ("set_type", "list_type"):
        return field, "Liste de valeurs attendue."
    if kind in ("string_type",):
        return field, "Texte attendu."
    if kind == "value_error" and field == "courriel":
        return field, f"Adresse électronique invalide « {shown} »."
    message = error.get("msg", "")
    return field, message.removeprefix("Value error, ")


def translate_errors(errors):
    """Translated and deduplicated errors, in the package's order."""
    return list(dict.fromkeys(translate_error(error) for error in errors))
