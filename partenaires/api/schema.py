"""OpenAPI extensions of the partner API (loaded by PartenairesConfig.ready)."""

import functools
import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension


class JetonAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partenaires.api.base.JetonAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton d'API créé par l'administrateur du département (affiché une seule fois).",
        }


def _openapi_30(node):
    """JSON Schema 2020-12 as pydantic writes it → OpenAPI 3.0: `anyOf [X, {"type": "null"}]` becomes X marked
    `nullable` (through `allOf` for a reference), `const` a one-value `enum`, `examples` (a list) `example`."""
    if isinstance(node, list):
        return [_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _openapi_30(value) for key, value in node.items()}
    variants = node.get("anyOf")
    if variants and {"type": "null"} in variants and len(variants) == 2:
        other = next(v for v in variants if v != {"type": "null"})
        del node["anyOf"]
        node.update({"allOf": [other]} if "$ref" in other else other)
        node["nullable"] = True
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    return node


class DataInclusionModelScheme(OpenApiSerializerExtension):
    """The records of the `data-inclusion-schema` package (pydantic models) as OpenAPI 3.0 components: the
    offer endpoints answer exactly these records, so their documentation is the package's own schema."""

    target_class = "data_inclusion.schema.base.BaseModel"
    match_subclasses = True
    priority = 1  # before drf-spectacular's generic pydantic extension (JSON Schema 2020-12)

    def get_name(self, auto_schema, direction):
        return self.target.__name__

    def map_serializer(self, auto_schema, direction):
        from drf_spectacular.plumbing import ResolvedComponent
        from pydantic.json_schema import model_json_schema

        mode = "validation" if direction == "request" else "serialization"
        schema = model_json_schema(self.target, ref_template="#/components/schemas/{model}", mode=mode)
        for name, sub_schema in schema.pop("$defs", {}).items():
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, object=name, schema=_openapi_30(sub_schema)
            )
            auto_schema.registry.register_on_missing(component)
        schema = _openapi_30(schema)
        if direction == "request":
            _column_lengths(
                schema, getattr(self.target, "stored_as", None), getattr(self.target, "set_by_platform", ())
            )
        return schema


def _column_lengths(schema, model, set_by_platform):
    """A written record is stored in `model` (the class's `stored_as`): a text longer than its column is refused,
    so the request schema says so (`maxLength`), where the package allows more (2083 for a URL, 500 stored). The
    fields the platform sets itself (their value sent is ignored) keep the package's schema."""
    if model is None:
        return
    for name, prop in schema.get("properties", {}).items():
        if name in set_by_platform:
            continue
        field = next((f for f in model._meta.fields if f.name == name), None)
        limit = getattr(field, "max_length", None)
        if limit is None:
            continue
        for node in [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]:
            if node.get("type") == "string" and node.get("maxLength", limit) >= limit:
                node["maxLength"] = limit


# --- The errors and the limits every operation shares, written once (SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS) --

PROBLEME = {"$ref": "#/components/schemas/Probleme"}
SANS_NUL = "^[^\\x00]*$"
# Every operation: the token (401), its rights (403), an unknown object, route, format or cursor (404), a
# representation the client's Accept header refuses (406), the rate limit (429).
TOUJOURS = {
    "401": "Jeton absent, inconnu, expiré ou révoqué.",
    "403": "Le jeton n'a pas le droit nécessaire, ou l'objet ne concerne pas votre structure.",
    "404": "Aucun objet de votre département ne porte cet identifiant (un objet d'un autre département répond "
    "toujours 404), adresse inconnue ou curseur de pagination invalide.",
    "406": "Aucune représentation ne convient à l'en-tête Accept : demandez application/json.",
    "429": "Limite de requêtes du jeton atteinte : réessayez après le délai de l'en-tête Retry-After.",
}
REQUETE_INVALIDE = "Paramètres ou corps invalides : messages par champ dans « errors »."
TYPE_NON_PRIS_EN_CHARGE = "Type de contenu du corps non pris en charge (voir ceux de la requête)."


def postprocess_contract(result, generator, request, public):
    """What the server enforces on every operation, said in the schema in one place:

    - every error (4xx) is an `application/problem+json` body (`Probleme`), whatever the view documented;
    - 401, 403, 404, 406 and 429 on every operation, 400 on every operation (a query parameter the operation does
      not document is refused: partenaires.api.base), 415 on every operation with a body;
    - a query parameter or a body field that is free text never holds a NUL character (PostgreSQL cannot store it:
      refused, 400);
    - a multipart form has its documented fields only.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for component in schemas.values():
        for field in (component.get("properties") or {}).values():
            for schema in (field, field.get("items") or {}):
                if schema.get("type") == "string" and not {"pattern", "enum", "format", "$ref"} & schema.keys():
                    schema["pattern"] = SANS_NUL
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            parameters = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            for parameter in parameters:
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and not {"pattern", "enum", "format"} & schema.keys():
                    schema["pattern"] = SANS_NUL
            expected = dict(TOUJOURS)
            expected["400"] = REQUETE_INVALIDE
            if "requestBody" in operation:
                expected["415"] = TYPE_NON_PRIS_EN_CHARGE
            # A form's fields are the documented ones: other parts are not read (and a part with a strange name can
            # keep the form from being read at all).
            form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema", {})
            if "$ref" in form:
                schemas[form["$ref"].rsplit("/", 1)[-1]]["additionalProperties"] = False
            for status, description in expected.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith("4"):
                    documented = (response.get("content") or {}).values()
                    examples = next((media["examples"] for media in documented if media.get("examples")), None)
                    media = {"schema": PROBLEME, **({"examples": examples} if examples else {})}
                    response["content"] = {"application/problem+json": media}
    return result


@functools.cache
def documented_query_parameters():
    """{(method, path of the published schema): the query parameter names it documents}, built once per process
    from the same generator as the published schema. A query object (`style: form`, `explode: true`) documents
    its properties, which are what partners send (`?nom=…&date_naissance=…`)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = set()
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                properties = parameter.get("schema", {}).get("properties")
                if parameter.get("explode", True) and properties:
                    names.update(properties)
                else:
                    names.add(parameter["name"])
            documented[(method.upper(), path)] = frozenset(names)
    return documented


def schema_path(route):
    """A Django route (`api/v1/beneficiaires/<uuid:uid>/`) as the published schema writes its path
    (`/api/v1/beneficiaires/{uid}/`)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
