"""Tabs of a carnet page (built once per request by `carnet_context`)."""

from carnet.perms import relation_of
from carnet.routes import carnet_url

SECTIONS = [
    ("detail", "Synthèse", ("detail",)),
    ("situation", "Situation", ("situation", "projet_ajouter", "projet_modifier")),
    (
        "plan",
        "Plan d'action",
        ("plan", "axe_ajouter", "objectif_ajouter", "objectif_modifier", "action_ajouter", "action_modifier"),
    ),
    ("rendez_vous", "Rendez-vous", ("rendez_vous", "rendez_vous_modifier")),
    ("contrats", "Contrats", ("contrats", "contrat_detail")),
    ("documents", "Documents", ("documents",)),
    ("notes", "Notes", ("notes",)),
    ("historique", "Historique", ("historique",)),
    ("sorties", "Sortie", ("sorties",)),
    ("groupe", "Groupe de suivi", ("groupe",)),
    ("offre:carnet_suggestions", "Offres suggérées", ("carnet_suggestions",)),
    ("offre:carnet_prescriptions", "Prescriptions", ("carnet_prescriptions", "carnet_recherche", "prescrire")),
]


def carnet_context(request, carnet, **extra):
    """Template context shared by every carnet page: the carnet, the user's relation, the tabs."""
    current = request.resolver_match.url_name if request.resolver_match else ""
    sections = [
        {
            # A section of another app names its route with its namespace ("offre:...").
            "url": carnet_url(name if ":" in name else f"carnet:{name}", carnet.uid),
            "label": label,
            "current": current in names,
        }
        for name, label, names in SECTIONS
    ]
    return {"carnet": carnet, "relation": relation_of(request.acting, carnet), "carnet_sections": sections, **extra}
