"""Guard of the architecture rules (README, "Qui possède quoi").

1. Each app is the only writer of its tables: production code outside an app never calls a write method
   (`create`, `bulk_create`, `update`, `delete`, `get_or_create`...) on a model of that app, nor on a
   queryset chained from one. Other apps call its services.
2. Production code never imports the `views` modules of another app (rules live in services, perms and
   querysets, not in views).
3. Production code never imports demo, generator or benchmark code (`<app>/dev/`, `*.generation`,
   `*.demo`, the `bench_*` commands).

"Production code" is every module of the apps, except migrations, the `dev/` packages and the management
commands that load demo data or measure (they are tools around the platform, not the platform). The checker
reads the source (ast), so that a rule broken in a branch nobody runs is still found; `test_the_guard_*`
show that it fails on deliberate violations.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
APPS = ("spie", "carnet", "orientation", "offre", "partenaires", "suivi", "usager", "sanctions")
WRITE_METHODS = frozenset(
    {
        "create",
        "bulk_create",
        "bulk_update",
        "update",
        "delete",
        "get_or_create",
        "update_or_create",
        "_raw_delete",
    }
)
# Tools around the platform: they may import the dev packages (they are listed by their names, so that a new
# command is production code until someone decides otherwise).
DEV_COMMANDS = ("bench_", "charger_demo", "generer_", "code_totp_demo", "lien_usager_demo")
DEV_MODULE_MARKERS = (".dev", ".generation", ".demo")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.rule}: {self.detail}"


def _model_owners():
    """Model class name → owning app label, for the project's apps (names are unique across them)."""
    owners = {}
    for model in apps.get_models():
        if model._meta.app_label in APPS:
            owners[model.__name__] = model._meta.app_label
    return owners


def _app_of(relative_path: str) -> str:
    return relative_path.split("/", 1)[0]


def _is_dev_tool(relative_path: str) -> bool:
    parts = relative_path.split("/")
    if "dev" in parts[:-1]:
        return True
    return "commands" in parts and parts[-1].startswith(DEV_COMMANDS)


def _imported_names(tree):
    """Local name → (module, imported name) for `from X import Y [as Z]`; module → module for `import X`."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    return names


def _chain_root(node):
    """The name at the root of `A.objects.filter(...).update` (A), or None."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return node.id if isinstance(node, ast.Name) else None


def _goes_through_manager(node):
    """True when the chain passes through `.objects` / `.unscoped_objects` / `._default_manager`."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "unscoped_objects", "_default_manager"):
            return True
        node = node.value if not isinstance(node, ast.Call) else node.func
    return False


def check_source(relative_path: str, source: str, owners=None) -> list[Violation]:
    """The violations of one module of the project (path relative to the repository, e.g. "partenaires/x.py")."""
    owners = _model_owners() if owners is None else owners
    app = _app_of(relative_path)
    tree = ast.parse(source, filename=relative_path)
    imported = _imported_names(tree)
    violations = []
    dev_tool = _is_dev_tool(relative_path)

    for node in ast.walk(tree):
        # Rules 2 and 3: imports.
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        found = {}
        for module in modules:
            top = module.split(".", 1)[0]
            parts = module.split(".")
            if top in APPS and top != app and any(p == "views" or p.startswith("views_") for p in parts[1:]):
                found.setdefault("imports another app's views", module)
            is_dev_module = top in APPS and (
                any(f".{p}" in DEV_MODULE_MARKERS for p in parts[1:]) or any(p.startswith("bench_") for p in parts[1:])
            )
            if is_dev_module and not dev_tool:
                found.setdefault("imports demo/generator code", module)
        violations += [Violation(relative_path, node.lineno, rule, module) for rule, module in found.items()]

        # Rule 1: writes to another app's tables.
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_METHODS:
            if not _goes_through_manager(node.func.value):
                continue
            root = _chain_root(node.func.value)
            if root is None:
                continue
            module, name = imported.get(root, ("", ""))
            owner = owners.get(name)
            if owner != module.split(".", 1)[0]:
                owner = None  # not a model imported from its app (a local name, a service module...)
            if owner and owner != app and not dev_tool:
                violations.append(
                    Violation(relative_path, node.lineno, f"writes a table of {owner}", f"{root}….{node.func.attr}()")
                )
    return violations


def production_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            yield relative, path


def test_no_app_writes_another_apps_tables_nor_imports_its_views_or_dev_code():
    owners = _model_owners()
    violations = []
    for relative, path in production_modules():
        violations += check_source(relative, path.read_text(encoding="utf-8"), owners)
    assert not violations, "Règles d'architecture enfreintes :\n" + "\n".join(map(str, violations))


# --- The guard fails on deliberate violations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        (
            "partenaires/api/exemple.py",
            "from carnet.models import Beneficiaire\nBeneficiaire.objects.create(nom_usage='X')\n",
            "writes a table of carnet",
        ),
        (
            "partenaires/flux/exemple.py",
            "from carnet.models import Beneficiaire\nBeneficiaire.objects.bulk_create(rows)\n",
            "writes a table of carnet",
        ),
        (
            "suivi/services/exemple.py",
            "from carnet.models import Carnet\nCarnet.unscoped_objects.filter(pk=1).update(version=2)\n",
            "writes a table of carnet",
        ),
        (
            "partenaires/imports/exemple.py",
            "from carnet.models import RendezVous as R\nR.objects.filter(pk=1).select_for_update().delete()\n",
            "writes a table of carnet",
        ),
        (
            "suivi/services/exemple.py",
            "from carnet.views.portefeuille import PAGE_SIZE\n",
            "imports another app's views",
        ),
        ("partenaires/webhooks.py", "from orientation import views\n", "imports another app's views"),
        ("partenaires/flux/services.py", "from carnet.dev.generation import Table\n", "imports demo/generator code"),
        ("offre/services/exemple.py", "import carnet.generation\n", "imports demo/generator code"),
    ],
)
def test_the_guard_finds_a_deliberate_violation(path, source, rule):
    violations = check_source(path, source)
    assert [v.rule for v in violations] == [rule], violations


@pytest.mark.parametrize(
    ("path", "source"),
    [
        # The owner writes its own tables; reads of other apps are fine; services are the way in.
        (
            "carnet/services/exemple.py",
            "from carnet.models import Carnet\nCarnet.objects.filter(pk=1).update(version=2)\n",
        ),
        ("partenaires/api/exemple.py", "from carnet.models import Carnet\nCarnet.objects.filter(pk=1).count()\n"),
        (
            "partenaires/api/exemple.py",
            "from carnet import services\nservices.rendez_vous_create(carnet=c, data={})\n",
        ),
        # An app's own views, and a local dict's update(), are not violations.
        ("carnet/urls.py", "from carnet.views import fiche\n"),
        ("partenaires/api/exemple.py", "data = {}\ndata.update(a=1)\n"),
        # The demo and benchmark tools may use the generators.
        ("carnet/management/commands/bench_carnet.py", "from carnet.dev.generation import generer\n"),
    ],
)
def test_the_guard_lets_lawful_code_pass(path, source):
    assert check_source(path, source) == []
