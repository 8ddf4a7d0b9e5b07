#!/usr/bin/env bash
# Supply-chain audits, run by .ci/run (and by hand: scripts/audit.sh [pip-audit|bandit|secrets]).
#
#   pip-audit   known vulnerabilities of the pinned dependencies of pyproject.toml (PyPI's advisory data);
#               a dependency the service cannot audit fails too, unless the service answers for none of
#               them (a mirror without advisory data): then every one is listed as NOT AUDITED.
#   bandit      security linter of the project's code; the categories skipped for the whole project are in
#               [tool.bandit] of pyproject.toml, the individual findings accepted in .audit/bandit-baseline.json.
#   secrets     detect-secrets: any secret-looking string not in the reviewed .secrets.baseline fails.
#
# Accepting a finding is a reviewed change to one of those files, each entry with its reason:
#   .audit/pip-audit-accepted.txt   one vulnerability id a line, then "# why it does not apply"
#   .audit/bandit-baseline.json     `scripts/audit.sh bandit-baseline` rewrites it from the current findings
#   .secrets.baseline               `scripts/audit.sh secrets-baseline` rewrites it (is_secret false = reviewed)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
[[ -x .venv/bin/python && -z "${VIRTUAL_ENV:-}" ]] && PYTHON=.venv/bin/python
CODE=(carnet offre orientation partenaires spie suivi scripts tasks.py manage.py)
SECRETS_EXCLUDE='(^|/)(\.venv|var)/|\.secrets\.baseline$|^\.audit/'

pip_audit() {
  local requirements
  requirements="$(mktemp)"
  trap "rm -f '$requirements'" RETURN
  "$PYTHON" -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(p["dependencies"] + p.get("optional-dependencies", {}).get("dev", [])))' >"$requirements"
  local ignores=()
  while read -r id _; do
    [[ -n "$id" && "$id" != \#* ]] && ignores+=(--ignore-vuln "$id")
  done < <(grep -v '^[[:space:]]*$' .audit/pip-audit-accepted.txt || true)
  # Every dependency is pinned (==): each pin is looked up as is, without resolving (--no-deps --disable-pip).
  # A known vulnerability fails. A dependency the advisory service could not answer for is listed, loudly, as
  # NOT AUDITED: it fails too when SPIE_AUDIT_STRICT=1 (the default where PyPI's advisory data is reachable);
  # where the machine reaches a PyPI mirror without per-version pages (CI here), nothing can be audited and the
  # step says so instead of blocking every landing.
  local report
  report="$(mktemp)"
  "$PYTHON" -m pip_audit --no-deps --disable-pip --progress-spinner off -f json -o "$report" \
    --requirement "$requirements" "${ignores[@]}" 2>/dev/null || true
  "$PYTHON" - "$report" <<'PY'
import json, os, sys
data = json.load(open(sys.argv[1]))
deps = data.get("dependencies", [])
vulns = [(d["name"], d["version"], v["id"]) for d in deps for v in d.get("vulns", [])]
skipped = [(d["name"], d.get("skip_reason", "")) for d in deps if "skip_reason" in d]
for name, version, vid in vulns:
    print(f"VULNERABLE {name} {version}: {vid}")
audited = len(deps) - len(skipped)
print(f"pip-audit: {audited} of {len(deps)} pinned dependencies audited, {len(vulns)} known vulnerabilities")
if skipped:
    print(f"NOT AUDITED ({len(skipped)}): the advisory service did not answer for "
          + ", ".join(name for name, _ in skipped[:8]) + (" ..." if len(skipped) > 8 else ""))
strict = os.environ.get("SPIE_AUDIT_STRICT", "0" if len(skipped) == len(deps) else "1") == "1"
sys.exit(1 if vulns or (skipped and strict) else 0)
PY
}

bandit_run() {
  "$PYTHON" -m bandit -q -c pyproject.toml -r "${CODE[@]}" -b .audit/bandit-baseline.json "$@"
}

bandit_baseline() {
  # Only the findings (bandit matches them by file, test and code, not by line): no metrics to churn.
  "$PYTHON" -m bandit -q -c pyproject.toml -r "${CODE[@]}" -f json | "$PYTHON" -c '
import json, sys
data = json.load(sys.stdin)
json.dump({"errors": [], "results": data["results"]}, open(".audit/bandit-baseline.json", "w"), indent=2)' || true
  echo "Wrote .audit/bandit-baseline.json: review each finding before committing it."
}

secrets_scan() {
  "$PYTHON" -m detect_secrets scan --exclude-files "$SECRETS_EXCLUDE" "$@"
}

secrets_check() {
  # A fresh scan compared with the baseline by (file, type, hashed secret): moving a reviewed line is no finding.
  secrets_scan | "$PYTHON" -c '
import json, sys
baseline = json.load(open(".secrets.baseline"))["results"]
known = {(f, s["type"], s["hashed_secret"]) for f, items in baseline.items() for s in items if not s.get("is_secret")}
new = [(f, s["type"], s["line_number"]) for f, items in json.load(sys.stdin)["results"].items() for s in items
       if (f, s["type"], s["hashed_secret"]) not in known]
for f, kind, line in new:
    print(f"{f}:{line}: {kind} not in .secrets.baseline")
sys.exit(1 if new else 0)'
}

secrets_baseline() {
  secrets_scan | "$PYTHON" -c '
import json, sys
data = json.load(sys.stdin)
for items in data["results"].values():
    for s in items:
        s["is_secret"] = False
json.dump(data, open(".secrets.baseline", "w"), indent=2)
open(".secrets.baseline", "a").write("\n")'
  echo "Wrote .secrets.baseline: review each entry (is_secret false = a test or example value) before committing it."
}

run() {
  echo "== $1"
  if "${@:2}"; then echo "== $1: ok"; else echo "== $1: FAILED"; failed+=("$1"); fi
}

failed=()
case "${1:-all}" in
  pip-audit) run pip-audit pip_audit ;;
  bandit) run bandit bandit_run ;;
  secrets) run secrets secrets_check ;;
  bandit-baseline) bandit_baseline ;;
  secrets-baseline) secrets_baseline ;;
  all)
    run pip-audit pip_audit
    run bandit bandit_run
    run secrets secrets_check
    ;;
  *) echo "usage: $0 [all|pip-audit|bandit|secrets|bandit-baseline|secrets-baseline]" >&2; exit 2 ;;
esac
if ((${#failed[@]})); then
  echo "Audit failed: ${failed[*]}" >&2
  exit 1
fi
