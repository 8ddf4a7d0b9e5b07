"""Load the national referentials of the diagnostic (themes, situations, suggested objectives)."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "referentiels.json"


def charger(apps=None):
    """Upsert the national rows; idempotent. `apps` is the migration state when called from a migration."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Theme = apps.get_model("carnet", "Theme")
    Situation = apps.get_model("carnet", "Situation")
    ObjectifReference = apps.get_model("carnet", "ObjectifReference")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    # Before the sensitivity classes (migration 0023) a theme only knew whether it was sensitive.
    a_une_classe = any(field.name == "sensibilite" for field in Theme._meta.get_fields())
    for ordre, spec in enumerate(data["themes"], start=1):
        classe = spec["sensibilite"]
        classe = {"sensibilite": classe} if a_une_classe else {"sensible": classe != "generale"}
        theme, _ = Theme.objects.update_or_create(
            code=spec["code"], defaults={"libelle": spec["libelle"], "ordre": ordre, **classe}
        )
        for libelle in spec["situations"]:
            Situation.objects.get_or_create(theme=theme, libelle=libelle, departement=None)
        for libelle in spec["objectifs"]:
            ObjectifReference.objects.get_or_create(theme=theme, libelle=libelle, departement=None)
