"""OpenAPI extensions of the partner API (loaded by PartenairesConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JetonAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partenaires.api.base.JetonAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton d'API créé par l'administrateur du département (affiché une seule fois).",
        }
