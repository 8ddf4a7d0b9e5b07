"""Main menu entries per role; each app adds its entries here."""

from django.urls import reverse

from spie.models import Role
from spie.perms import can_administer_departement


def _entries(acting):
    """(url name, label, description, url-name prefix marking the current section)"""
    yield ("carnet:portefeuille", "Mes bénéficiaires", "Les personnes que vous accompagnez.", "carnet:portefeuille")
    yield (
        "carnet:recherche",
        "Rechercher une personne",
        "Par nom, date de naissance, numéro CAF ou NIR.",
        "carnet:rech",
    )
    if acting.has_role(Role.RESPONSABLE_STRUCTURE, Role.ADMIN_DEPARTEMENT):
        yield (
            "carnet:portefeuille_structure",
            "Personnes suivies par la structure",
            "Le portefeuille de toute votre structure, et les personnes sans référent.",
            "carnet:portefeuille_structure",
        )
    if can_administer_departement(acting):
        yield (
            "spie:admin_tableau_de_bord",
            "Administration du département",
            "Territoires, structures, utilisateurs, invitations et journal des accès.",
            "spie:admin_",
        )


def nav_items(request):
    acting = getattr(request, "acting", None)
    if acting is None or acting.departement is None:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        {"url": reverse(name), "label": label, "description": description, "current": current.startswith(prefix)}
        for name, label, description, prefix in _entries(acting)
    ]
