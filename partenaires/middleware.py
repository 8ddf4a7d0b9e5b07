"""Partner API requests: the token (never a session) says who acts and in which département.

Placed in MIDDLEWARE before `spie.middleware.TenantMiddleware`: for /api/ paths it puts the same
request context as the tenant middleware does for a logged-in user (`request.acting`,
`request.departement`, `request.structure`) and runs the view *and* its rendering in the scope of the
token's département, so that the API views use the ordinary scoped managers (another département: 404).
Every call is written to the call log (`AppelApi`), whatever its answer.
"""

import time

from partenaires.auth import API_PREFIX, mark_used, token_from_request
from partenaires.models import AppelApi
from spie.middleware import ActingContext
from spie.tenancy import departement_scope, no_scope


class PartnerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        token, problem = token_from_request(request)
        # Read by `partenaires.api.base.JetonAuthentication` (401 with the problem) and `PartnerAPIMixin.touched`.
        request.api_token, request.api_token_problem, request.api_objects = token, problem, []
        request.acting = ActingContext()
        request.departement = token.departement if token else None
        request.structure = token.structure if token else None
        started = time.monotonic()
        with departement_scope(token.departement) if token else no_scope():
            response = self.get_response(request)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()
        if token is not None:
            mark_used(token)
        _log_call(request, response, started)
        return response


def _log_call(request, response, started):
    match = request.resolver_match
    AppelApi.objects.create(
        departement=request.departement,
        jeton_id=getattr(request.api_token, "pk", None),
        methode=request.method[:8],
        route=(match.route if match else request.path)[:200],
        objets=[uid for uid in request.api_objects if uid][:50],
        statut=response.status_code,
        duree_ms=int((time.monotonic() - started) * 1000),
    )
