"""Backups: a physical base backup of PostgreSQL (pg_basebackup) plus the private files, and the restore drill.

Layout of a backup directory (`SPIE_BACKUP_DIR`), one sub-directory per backup, named by its UTC time:

    20261207T093000Z/
        pgdata/base.tar.gz      pg_basebackup -Ft -z -X stream: the cluster, with the WAL to make it consistent
        pgdata/pg_wal.tar.gz
        private.tar.gz          the private files (carnet documents, reports), taken after the base backup
        MANIFEST.json           database name, times, sizes and SHA-256 of each file
    wal/                        the WAL archive (archive_command of the production server), for a restore
                                to the last archived segment

A backup is written under `<name>.partial` and renamed when complete: the restore takes the latest complete one.

`restore_check` restores it into a scratch cluster (Debian's PostgreSQL tools, on a free local port, removed
afterwards) and checks it: row counts per département, append-only logs still protected by their triggers, a
file for every document row. README, section "Pannes et sauvegardes", gives the procedure and the RPO/RTO.
"""

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("SPIE_PG_BIN", "/usr/lib/postgresql/15/bin"))
# The append-only tables and their triggers (spie.0002, carnet.0002).
APPEND_ONLY = {"spie_accesslog": "spie_accesslog_append_only", "carnet_evenement": "carnet_evenement_append_only"}


class BackupError(Exception):
    pass


def pg_tool(name):
    path = PG_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} est introuvable (outils PostgreSQL : apt-get install postgresql-15, ou SPIE_PG_BIN)."
        )
    return found


def _as_postgres_user():
    """postgres refuses to run as root: as root, the scratch cluster runs as the system user `postgres`."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise BackupError(
            f"{Path(command[0]).name if command[0] != 'runuser' else command[4]} : {result.stderr[-2000:]}"
        )
    return result


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- Taking a backup ----------------------------------------------------------------------------------------


def backup_create(*, dest, host, port, user, dbname, private_root, password=None) -> Path:
    """Take one backup into `dest` (see the module docstring); return its directory."""
    dest = Path(dest)
    name = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    partial = dest / f"{name}.partial"
    (partial / "pgdata").mkdir(parents=True)
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    started = datetime.datetime.now(datetime.UTC)
    command = [pg_tool("pg_basebackup"), "-h", host, "-p", str(port), "-U", user, "-D", str(partial / "pgdata")]
    _run([*command, "-Ft", "-z", "-X", "stream", "--checkpoint=fast", f"--label=spie-{name}"], env=env)
    # After the base backup: a document row of the backup always finds its file (files are written first).
    with tarfile.open(partial / "private.tar.gz", "w:gz") as archive:
        archive.add(private_root, arcname="private")
    files = sorted(p for p in partial.rglob("*") if p.is_file())
    manifest = {
        "database": dbname,
        "started_at": started.isoformat(),
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "files": {str(p.relative_to(partial)): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files},
    }
    (partial / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
    final = dest / name
    partial.rename(final)
    return final


def latest_backup(source) -> Path:
    complete = sorted(p for p in Path(source).iterdir() if p.is_dir() and (p / "MANIFEST.json").exists())
    complete = [p for p in complete if not p.name.endswith(".partial") and p.name != "wal"]
    if not complete:
        raise BackupError(f"Aucune sauvegarde complète dans {source}.")
    return complete[-1]


# --- Restoring into a scratch cluster -----------------------------------------------------------------------


class ScratchCluster:
    """A PostgreSQL server of our own on a free port (data in a temporary directory), stopped and removed on exit."""

    def __init__(self, pgdata, *, options=()):
        self.pgdata = Path(pgdata)
        self.port = free_port()
        self.options = [
            f"-c port={self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.pgdata}",
            *options,
        ]

    @classmethod
    def initdb(cls, pgdata, **kwargs):
        Path(pgdata).mkdir(parents=True, exist_ok=True)
        _chown_for_postgres(pgdata)
        _run(
            [
                *_as_postgres_user(),
                pg_tool("initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        return cls(pgdata, **kwargs)

    def start(self, timeout=120):
        log = self.pgdata.parent / f"{self.pgdata.name}.log"
        log.touch()
        _chown_for_postgres(log)
        command = [pg_tool("pg_ctl"), "-D", str(self.pgdata), "-l", str(log), "-o", " ".join(self.options)]
        _run([*_as_postgres_user(), *command, "-w", "-t", str(timeout), "start"])
        return self

    def stop(self):
        subprocess.run(
            [*_as_postgres_user(), pg_tool("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )

    def url(self, dbname="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname="postgres"):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True)


def _chown_for_postgres(path):
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        for root, dirs, files in os.walk(path) if Path(path).is_dir() else ():
            for name in dirs + files:
                shutil.chown(os.path.join(root, name), "postgres", "postgres")


@dataclass
class Report:
    backup: str
    database: str
    restore_seconds: float = 0.0
    counts: dict = field(default_factory=dict)  # table -> {département code: rows}
    append_only: dict = field(default_factory=dict)  # table -> problem or "protégé"
    documents: int = 0
    missing_files: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def lines(self):
        yield f"Sauvegarde {self.backup} (base {self.database}) restaurée en {self.restore_seconds:.1f} s."
        yield "Lignes par département :"
        for table, by_dep in sorted(self.counts.items()):
            detail = ", ".join(f"{code or '-'} : {n}" for code, n in sorted(by_dep.items(), key=lambda kv: str(kv[0])))
            yield f"  {table} : {detail or 'aucune'}"
        yield "Journaux en ajout seul :"
        for table, state in sorted(self.append_only.items()):
            yield f"  {table} : {state}"
        yield f"Documents : {self.documents} lignes, {len(self.missing_files)} fichier(s) manquant(s)."
        for missing in self.missing_files[:50]:
            yield f"  manquant : {missing}"
        yield "RÉSULTAT : " + ("sauvegarde intègre." if self.ok else "PROBLÈMES — " + " ; ".join(self.problems))


def _tenant_tables():
    from django.apps import apps

    tables = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "departement" in names and not model._meta.proxy:
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def restore_check(*, source, keep=False, wal_archive=None) -> Report:
    """Restore the latest backup of `source` into a scratch cluster and check it (see the module docstring)."""
    backup = latest_backup(source)
    manifest = json.loads((backup / "MANIFEST.json").read_text())
    report = Report(backup=backup.name, database=manifest["database"])
    for relative, expected in manifest["files"].items():
        if _sha256(backup / relative) != expected["sha256"]:
            report.problems.append(f"{relative} ne correspond pas à son empreinte")
    if report.problems:
        return report
    scratch = Path(tempfile.mkdtemp(prefix="spie-restore-"))
    # Traverse only, for the postgres user (pgdata is 0700, the private files 0700): nothing readable by others.
    os.chmod(scratch, 0o711)  # nosec B103
    cluster = None
    started = time.monotonic()
    try:
        pgdata = scratch / "pgdata"
        pgdata.mkdir(mode=0o700)
        # Our own archives, checked against the manifest's SHA-256 above; the "tar" filter keeps PostgreSQL's
        # permissions but refuses members outside the target (absolute paths, "..", links out).
        with tarfile.open(backup / "pgdata" / "base.tar.gz") as archive:
            archive.extractall(pgdata, filter="tar")  # nosec B202
        with tarfile.open(backup / "pgdata" / "pg_wal.tar.gz") as archive:
            archive.extractall(pgdata / "pg_wal", filter="tar")  # nosec B202
        options = ["-c archive_mode=off"]  # the copy must never write into the production WAL archive
        if wal_archive:
            # Replay the archived WAL after the base backup: the restore reaches the last archived segment.
            (pgdata / "recovery.signal").touch()
            options.append(f"-c restore_command='cp {Path(wal_archive).resolve()}/%f %p'")
            options.append("-c recovery_target_action=promote")
        private = scratch / "files"
        private.mkdir(mode=0o700)
        with tarfile.open(backup / "private.tar.gz") as archive:
            archive.extractall(private, filter="data")
        _chown_for_postgres(scratch)
        os.chmod(pgdata, 0o700)
        cluster = ScratchCluster(pgdata, options=options).start()
        _wait_promoted(cluster, manifest["database"])
        report.restore_seconds = time.monotonic() - started
        with cluster.connect(manifest["database"]) as connection:
            _check(connection, report, private / "private")
    finally:
        if cluster is not None:
            cluster.stop()
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return report


def _wait_promoted(cluster, dbname, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception), cluster.connect(dbname) as connection:
            if not connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise BackupError("La base restaurée n'a pas terminé sa récupération à temps.")
        time.sleep(0.2)


def _check(connection, report, private_root):
    from psycopg import sql

    codes = dict(connection.execute("SELECT id, code FROM spie_departement").fetchall())
    existing = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    for table in _tenant_tables():
        if table not in existing:
            report.problems.append(f"table {table} absente")
            continue
        query = sql.SQL("SELECT departement_id, count(*) FROM {} GROUP BY 1").format(sql.Identifier(table))
        rows = connection.execute(query).fetchall()
        report.counts[table] = {codes.get(dep, dep): n for dep, n in rows}
    for table, trigger in APPEND_ONLY.items():
        enabled = connection.execute(
            "SELECT t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = %s AND t.tgname = %s AND NOT t.tgisinternal",
            [table, trigger],
        ).fetchone()
        if enabled is None or enabled[0] == "D":
            report.append_only[table] = "déclencheur absent ou désactivé"
            report.problems.append(f"{table} n'est plus protégé en ajout seul")
            continue
        # The trigger must really refuse a rewrite (in a transaction rolled back whatever happens).
        refused = True
        try:
            with connection.transaction(force_rollback=True):
                name = sql.Identifier(table)
                connection.execute(
                    sql.SQL("UPDATE {} SET id = id WHERE id = (SELECT min(id) FROM {})").format(name, name)
                )
                refused = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()[0] == 0
        except Exception as error:  # the trigger's exception: what we want
            refused = "ajout seul" in str(error) or "modification interdite" in str(error)
        report.append_only[table] = "protégé (modification refusée)" if refused else "MODIFIABLE"
        if not refused:
            report.problems.append(f"{table} accepte une modification")
    documents = connection.execute('SELECT fichier FROM carnet_document WHERE "analyse" <> %s', ["refusee"]).fetchall()
    report.documents = len(documents)
    report.missing_files = [name for (name,) in documents if not (private_root / name).is_file()]
    if report.missing_files:
        report.problems.append(f"{len(report.missing_files)} document(s) sans fichier")
