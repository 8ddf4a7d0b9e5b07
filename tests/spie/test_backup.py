"""Backup → restore → checks, for real: a throwaway PostgreSQL cluster (Debian's PostgreSQL 15 tools) holding a
copy of the test database, backed up by `backup_create` (pg_basebackup + WAL archive + private files), restored by
`backup_restore_check` into another scratch cluster, whose report is read here."""

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from carnet.services.base import evenement_record
from spie import backup
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workdir():
    """pytest's tmp_path is private to root: the postgres user needs to reach the clusters and the WAL archive."""
    path = Path(tempfile.mkdtemp(prefix="spie-test-backup-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def source_cluster(workdir):
    """A PostgreSQL of our own, archiving its WAL as production does, holding a copy of the test database."""
    wal = workdir / "backups" / "wal"
    wal.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(wal, "postgres", "postgres")
    options = ["-c wal_level=replica", "-c archive_mode=on", f"-c archive_command='cp %p {wal}/%f'"]
    cluster = backup.ScratchCluster.initdb(workdir / "source", options=options).start()
    try:
        with cluster.connect() as admin:
            admin.execute("CREATE DATABASE spie")
        yield cluster, wal
    finally:
        cluster.stop()


def copy_test_database(cluster):
    settings_dict = connection.settings_dict
    dump = subprocess.run(
        [
            backup.pg_tool("pg_dump"),
            "-Fc",
            "-h",
            settings_dict["HOST"] or "127.0.0.1",
            "-p",
            str(settings_dict["PORT"] or 5432),
            "-U",
            settings_dict["USER"],
            settings_dict["NAME"],
        ],
        capture_output=True,
        check=True,
        env={**os.environ, "PGPASSWORD": settings_dict["PASSWORD"] or ""},
    ).stdout
    subprocess.run(
        [backup.pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-d", cluster.url("spie")],
        input=dump,
        capture_output=True,
        check=True,
    )


def test_backup_is_restored_and_checked_then_a_missing_file_is_reported(source_cluster, workdir, dep_a, dep_b):
    cluster, wal = source_cluster
    carnets = [CarnetFactory(departement=dep_a), CarnetFactory(departement=dep_a), CarnetFactory(departement=dep_b)]
    for carnet in carnets:
        with departement_scope(carnet.departement_id):
            evenement_record(carnet=carnet, type="note", resume="Note ajoutée")
    documents = [DocumentFactory(carnet=carnets[0]), DocumentFactory(carnet=carnets[2])]
    copy_test_database(cluster)
    backups = workdir / "backups"

    call_command("backup_create", dest=str(backups), database_url=cluster.url("spie"), stdout=io.StringIO())
    out = io.StringIO()
    call_command("backup_restore_check", source=str(backups), wal_archive=str(wal), stdout=out)
    report = out.getvalue()
    assert "carnet_carnet : 08 : 1, 76 : 2" in report
    assert "carnet_evenement : 08 : 1, 76 : 2" in report and "carnet_document : 08 : 1, 76 : 1" in report
    assert "spie_accesslog : protégé (modification refusée)" in report
    assert "carnet_evenement : protégé (modification refusée)" in report
    assert "Documents : 2 lignes, 0 fichier(s) manquant(s)." in report
    assert report.rstrip().endswith("RÉSULTAT : sauvegarde intègre.")
    assert any(wal.iterdir())  # the source archived its WAL, which the restore replayed

    # A file lost from the private storage: the next backup's drill says which one, and fails.
    documents[1].fichier.storage.delete(documents[1].fichier.name)
    call_command("backup_create", dest=str(backups), database_url=cluster.url("spie"), stdout=io.StringIO())
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 document\\(s\\) sans fichier"):
        call_command("backup_restore_check", source=str(backups), stdout=out)
    assert f"manquant : {documents[1].fichier.name}" in out.getvalue()
    assert len([p for p in backups.iterdir() if p.name != "wal"]) == 2


def test_a_backup_whose_files_do_not_match_their_manifest_is_refused(tmp_path):
    complete = tmp_path / "20261207T093000000000Z"
    complete.mkdir()
    (complete / "private.tar.gz").write_bytes(b"altered")
    (complete / "MANIFEST.json").write_text(
        '{"database": "spie", "files": {"private.tar.gz": {"bytes": 3, "sha256": "00"}}}'
    )
    report = backup.restore_check(source=tmp_path)
    assert not report.ok and report.problems == ["private.tar.gz ne correspond pas à son empreinte"]
