"""The read replica, for real: a streaming hot standby of the embedded PostgreSQL (pg_basebackup -R), the routed
reads served there, writes refused there, everything else on the primary.

Django settings are read once per process: the project runs in subprocesses whose environment names the primary
(DATABASE_URL) and the replica (DATABASE_REPLICA_URL).
"""

import os
import subprocess
import sys
from pathlib import Path

from spie.devservices import start_postgres, start_postgres_replica

ROOT = Path(__file__).resolve().parents[2]

ALLER_RETOUR = """
import time
from django.db import connections, router
from spie.models import RefDepartement
from spie.replica import lecture_sur_replique

RefDepartement.objects.create(code="08", nom="Ardennes")
alias, lu = None, None
for _ in range(400):
    with lecture_sur_replique():
        alias = router.db_for_read(RefDepartement)
        lu = RefDepartement.objects.filter(code="08").values_list("nom", flat=True).first()
    if lu:
        break
    time.sleep(0.05)
with connections[alias].cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    en_reprise = cursor.fetchone()[0]
principal = router.db_for_read(RefDepartement)
print(f"lu sur {alias} (lecture seule : {en_reprise}) : {lu} ; hors rapports : {principal}")
"""


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_replica_serves_the_routed_reads_and_refuses_writes(pg_dir):
    url, stop = start_postgres(pg_dir)
    try:
        env = {**os.environ, "DATABASE_URL": url}
        env.pop("DATABASE_REPLICA_URL", None)
        migrated = _manage("migrate", "spie", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        replica_url, stop_replica = start_postgres_replica(pg_dir)
        try:
            env["DATABASE_REPLICA_URL"] = replica_url

            aller_retour = _manage("shell", "-c", ALLER_RETOUR, env=env)
            assert aller_retour.returncode == 0, aller_retour.stderr
            assert "lu sur replica (lecture seule : True) : Ardennes ; hors rapports : default" in aller_retour.stdout

            verification = _manage("verifier_replique", env=env)
            assert verification.returncode == 0, verification.stdout + verification.stderr
            assert "ok      la réplique refuse toute écriture (cannot execute CREATE TABLE" in verification.stdout
            assert "Réplique en lecture : tout est en ordre." in verification.stdout
        finally:
            stop_replica()
        # The replica gone, the check says so (non-zero exit) instead of reading the primary unnoticed.
        broken = _manage("verifier_replique", env=env)
        assert broken.returncode != 0
    finally:
        stop()


def test_without_a_replica_the_check_refuses_to_run(pg_dir):
    env = {**os.environ}
    env.pop("DATABASE_REPLICA_URL", None)
    refused = _manage("verifier_replique", env=env)
    assert refused.returncode != 0
    assert "Aucune réplique : définissez DATABASE_REPLICA_URL." in refused.stderr


def test_router_sends_only_the_marked_reads_to_a_configured_replica(monkeypatch):
    from django.db import router

    from spie import replica
    from spie.models import RefDepartement
    from spie.replica import lecture_sur_replique

    with lecture_sur_replique():
        assert router.db_for_read(RefDepartement) == "default"  # no replica configured: one server does all
    # The decision only (a second connection is what the test above runs for real).
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    with lecture_sur_replique():
        assert router.db_for_read(RefDepartement) == "replica"
        assert router.db_for_write(RefDepartement) == "default"
    assert router.db_for_read(RefDepartement) == "default"  # read-your-writes everywhere else
    assert router.allow_migrate("replica", "spie") is False
