"""Demo API token of France Travail in each demo département (development only).

Its value is fixed so that the README's curl example works against the run command's data; the
database still stores only its hash, like any token.
"""

from partenaires.models import JetonApi, Scope, hash_token
from spie.models import Membership, Role, Structure, TypeStructure


def demo_token_value(code):
    return f"spie_demo{code.zfill(4)}_jeton-de-demonstration-a-ne-jamais-utiliser-en-production"


def load(departement):
    value = demo_token_value(departement.code)
    if JetonApi.objects.filter(hash=hash_token(value)).exists():
        return value
    structure = Structure.objects.filter(type=TypeStructure.FRANCE_TRAVAIL).order_by("pk").first()
    admin = Membership.objects.filter(role=Role.ADMIN_DEPARTEMENT).select_related("user").first()
    JetonApi.objects.create(
        departement=departement,
        structure=structure,
        nom="Démonstration France Travail",
        prefixe=f"demo{departement.code.zfill(4)}",
        hash=hash_token(value),
        scopes=[scope.value for scope in Scope],
        created_by=admin.user,
    )
    return value
