"""Main menu entries per role; each app adds its entries here."""

from django.urls import reverse

from spie.perms import can_administer_departement


def nav_items(request):
    acting = getattr(request, "acting", None)
    if acting is None or acting.departement is None:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    if can_administer_departement(acting):
        items.append(
            (
                "spie:admin_tableau_de_bord",
                "Administration du département",
                "Territoires, structures, utilisateurs, invitations et journal des accès.",
                "spie:admin_",
            )
        )
    return [
        {"url": reverse(name), "label": label, "description": description, "current": current.startswith(prefix)}
        for name, label, description, prefix in items
    ]
