"""The supply-chain audits of CI (scripts/audit.sh): a finding not accepted in a reviewed file fails them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def audit(tmp_path, step):
    """Run one step of the audit script on a copy of its configuration and a small project in tmp_path."""
    for name in ("scripts/audit.sh", "pyproject.toml", ".audit/bandit-baseline.json", ".audit/pip-audit-accepted.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(tmp_path / "scripts/audit.sh"), step], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def test_ci_runs_the_audits():
    assert "scripts/audit.sh" in (ROOT / ".ci/run").read_text()


def test_a_new_security_finding_fails_the_audit(tmp_path):
    (tmp_path / "spie").mkdir()
    (tmp_path / "spie/ok.py").write_text("def double(x):\n    return 2 * x\n")
    assert audit(tmp_path, "bandit").returncode == 0
    (tmp_path / "spie/danger.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
    )
    result = audit(tmp_path, "bandit")
    assert result.returncode == 1 and "B602" in result.stdout and "danger.py" in result.stdout


def test_a_committed_secret_fails_the_audit_unless_reviewed_in_the_baseline(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "spie").mkdir()
    # A made-up key: the finding under test.
    (tmp_path / "spie/cles.py").write_text('AWS_ACCESS_KEY_ID = "AKIAZ7Q3XH2PLM4RT5VW"\n')  # pragma: allowlist secret
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    (tmp_path / ".secrets.baseline").write_text('{"results": {}}\n')
    result = audit(tmp_path, "secrets")
    assert result.returncode == 1 and "spie/cles.py:1: AWS Access Key not in .secrets.baseline" in result.stdout
    assert audit(tmp_path, "secrets-baseline").returncode == 0  # reviewed: is_secret false in the baseline
    assert audit(tmp_path, "secrets").returncode == 0
