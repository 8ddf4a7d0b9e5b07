"""OpenAPI extensions of the partner API (loaded by PartenairesConfig.ready)."""

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
        return _openapi_30(schema)
