"""Backups of the register: the database and the media folder in one bundle, and their
restore (``manage.py backup`` / ``manage.py restore``).

A bundle is a folder (mode 0700, every file 0600, since it holds personal data) with

- ``database.dump``: PostgreSQL's ``pg_dump -Fc`` custom format, or on SQLite
  ``database.sqlite3``, a consistent copy made with SQLite's online backup API;
- ``media.tar.gz``: the media folder (evidence, archive files, stored exports);
- ``manifest.json``: when, which app version and migrations, the row counts of the
  register's tables, and the sha256 of both files.

On PostgreSQL the row counts and the dump come from one snapshot: a read-only repeatable
read transaction exports its snapshot and ``pg_dump --snapshot`` dumps exactly that, so a
restore can be checked against the counts even if the register was busy during the
backup. The password goes to pg_dump and pg_restore through ``PGPASSWORD``, never on
their command line (where ``ps`` would show it).

A restore checks every file's sha256 before it touches anything, refuses a database that
already holds tables unless told to overwrite it, and compares the restored row counts
with the manifest.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings

from quanfu.environment import database_from_url

FORMAT = "quanfu-backup/1"
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"
BUNDLE_NAME = re.compile(r"^quanfu-(\d{8}T\d{6})Z(?:-(\d+))?$")

# The apps whose tables are counted in the manifest: the register's own, not Django's.
REGISTER_APPS = ("accounts", "grids", "risks", "ledgers", "meetings", "supervision", "audit",
                 "inbox", "rhythm")

# Connection options of Django's OPTIONS that libpq understands as conninfo keywords.
LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "connect_timeout",
                 "application_name", "options", "target_session_attrs", "gssencmode",
                 "channel_binding", "service", "passfile", "keepalives", "keepalives_idle"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Bundle:
    path: Path
    manifest: dict

    @property
    def engine(self) -> str:
        return self.manifest["engine"]


@dataclass
class RestoreReport:
    target: str
    counts: list[tuple[str, int, int]] = field(default_factory=list)  # table, expected, found
    media_files: int = 0

    @property
    def mismatches(self) -> list[tuple[str, int, int]]:
        return [row for row in self.counts if row[1] != row[2]]


# Files ------------------------------------------------------------------------------------

def _private_file(path: Path):
    """Open a new file for writing that only the owner may read (created so, not chmod-ed
    afterwards: there is no moment when the data is readable by others)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(descriptor, "wb")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _new_bundle_folder(output: Path | None) -> Path:
    if output is None:
        backup_dir = Path(settings.BACKUP_DIR)
        backup_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("quanfu-%Y%m%dT%H%M%SZ")
        output, suffix = backup_dir / stamp, 1
        while output.exists():  # two backups within one second
            suffix += 1
            output = backup_dir / f"{stamp}-{suffix}"
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; a backup is never written over another.")
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    output.mkdir(mode=0o700)
    return output


def _archive_media(media_root: Path, target: Path) -> int:
    count = 0
    with _private_file(target) as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(media_root)),
                                recursive=False)
                    count += 1
    return count


def _restore_media(archive_path: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, mode="r:gz") as archive:
        members = [member for member in archive.getmembers() if member.isfile()]
        # the "data" filter refuses absolute paths, "..", links out of the folder, devices
        archive.extractall(media_root, members=members, filter="data")
    return len(members)


# Manifest ---------------------------------------------------------------------------------

def _register_tables() -> list[str]:
    tables = {model._meta.db_table for app in REGISTER_APPS
              for model in apps.get_app_config(app).get_models()
              if not model._meta.proxy and model._meta.managed}
    return sorted(tables)


def _app_version() -> str:
    try:
        return metadata.version("quanfu")
    except metadata.PackageNotFoundError:
        return "unknown"


def _write_manifest(folder: Path, *, engine: str, database: str, counts: dict[str, int],
                    migrations: dict[str, str], media_files: int) -> dict:
    files = [POSTGRES_DUMP if engine == "postgresql" else SQLITE_COPY, MEDIA_ARCHIVE]
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "database": database,
        "app_version": _app_version(),
        "migrations": migrations,
        "row_counts": counts,
        "media_files": media_files,
        "files": {name: {"sha256": sha256_of(folder / name),
                         "bytes": (folder / name).stat().st_size} for name in files},
    }
    with _private_file(folder / MANIFEST) as target:
        target.write(json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return manifest


def read_bundle(path: Path) -> Bundle:
    """The bundle at ``path``, its files checked against the manifest's sha256. Raises
    BackupError, naming the file, when anything is missing or damaged."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not a backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"The backup is damaged: {manifest_path} is not valid JSON.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup this version can read "
                          f"(format {manifest.get('format') if isinstance(manifest, dict) else '?'}"
                          f", expected {FORMAT}).")
    expected = POSTGRES_DUMP if manifest.get("engine") == "postgresql" else SQLITE_COPY
    files = manifest.get("files") or {}
    for name in (expected, MEDIA_ARCHIVE):
        if name not in files:
            raise BackupError(f"The backup is damaged: its manifest does not list {name}.")
        if not (path / name).is_file():
            raise BackupError(f"The backup is incomplete: {path / name} is missing.")
        found = sha256_of(path / name)
        if found != files[name].get("sha256"):
            raise BackupError(
                f"The backup is damaged: {name} has sha256 {found}, but the manifest says "
                f"{files[name].get('sha256')}. Nothing was restored; use another backup.")
    return Bundle(path=path, manifest=manifest)


def _bundle_order(path: Path) -> tuple[str, int]:
    """Names sort by time; "-2", "-3"… are later backups within the same second."""
    stamp, suffix = BUNDLE_NAME.match(path.name).groups()
    return stamp, int(suffix or 1)


def prune_backups(keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` bundles in BACKUP_DIR (only folders named and
    shaped like ours). Returns the removed folders."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    backup_dir = Path(settings.BACKUP_DIR)
    if not backup_dir.is_dir():
        return []
    bundles = sorted((path for path in backup_dir.iterdir()
                      if path.is_dir() and BUNDLE_NAME.match(path.name)
                      and (path / MANIFEST).is_file()), key=_bundle_order)
    removed = bundles[:-keep]
    for path in removed:
        shutil.rmtree(path)
    return removed


# PostgreSQL -------------------------------------------------------------------------------

def _postgres_conninfo(database: dict) -> str:
    """A libpq connection string for ``database`` (a DATABASES entry) without the password."""
    from psycopg.conninfo import make_conninfo

    params = {"dbname": database["NAME"], "host": database.get("HOST") or None,
              "port": database.get("PORT") or None, "user": database.get("USER") or None}
    params.update({key: value for key, value in (database.get("OPTIONS") or {}).items()
                   if key in LIBPQ_OPTIONS})
    return make_conninfo(**{key: value for key, value in params.items() if value is not None})


def _postgres_env(database: dict) -> dict:
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def _postgres_connect(database: dict, **options):
    import psycopg

    try:
        return psycopg.connect(_postgres_conninfo(database),
                               password=database.get("PASSWORD") or None, **options)
    except psycopg.OperationalError as error:
        raise BackupError(f"Cannot connect to the database {database['NAME']}: "
                          f"{str(error).strip()}") from error


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found; install PostgreSQL's client programs "
                          f"(the same major version as the server or newer).")
    return found


def _run(command: list[str], env: dict, stdout=None) -> None:
    finished = subprocess.run(command, env=env, stdout=stdout or subprocess.PIPE,
                              stderr=subprocess.PIPE, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({finished.returncode}): "
                          f"{finished.stderr.decode(errors='replace').strip()}")


def _postgres_counts(connection, tables: list[str]) -> dict[str, int]:
    from psycopg import sql

    existing = {row[0] for row in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    return {table: connection.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        for table in tables if table in existing}


def _postgres_migrations(connection) -> dict[str, str]:
    rows = connection.execute("SELECT app, max(name) FROM django_migrations GROUP BY app")
    return dict(sorted(rows))


def _backup_postgres(database: dict, folder: Path) -> tuple[dict, dict]:
    from psycopg import IsolationLevel

    connection = _postgres_connect(database)
    try:
        connection.isolation_level = IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.transaction():
            snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            counts = _postgres_counts(connection, _register_tables())
            migrations = _postgres_migrations(connection)
            with _private_file(folder / POSTGRES_DUMP) as target:
                _run([_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                      f"--dbname={_postgres_conninfo(database)}"],
                     _postgres_env(database), stdout=target)
    finally:
        connection.close()
    return counts, migrations


def _postgres_table_count(database: dict) -> int:
    connection = _postgres_connect(database, autocommit=True)
    with connection:
        return connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', "
            "'information_schema') AND n.nspname NOT LIKE 'pg_toast%'").fetchone()[0]


def _restore_postgres(bundle: Bundle, database: dict) -> dict[str, int]:
    # --no-owner and --no-privileges: the target server need not have the source's roles;
    # one transaction: a restore that fails half-way leaves the database as it was.
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", f"--dbname={_postgres_conninfo(database)}",
          str(bundle.path / POSTGRES_DUMP)], _postgres_env(database))
    connection = _postgres_connect(database, autocommit=True)
    with connection:
        return _postgres_counts(connection, sorted(bundle.manifest["row_counts"]))


# SQLite -----------------------------------------------------------------------------------

def _sqlite_connect(name) -> sqlite3.Connection:
    name = str(name)
    # Django's in-memory test database is a shared-cache URI ("file:memorydb_…")
    return sqlite3.connect(name, uri=name.startswith("file:"))


def _sqlite_counts(connection: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    existing = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {table: connection.execute(
        'SELECT count(*) FROM "{}"'.format(table.replace('"', '""'))).fetchone()[0]
        for table in tables if table in existing}


def _sqlite_migrations(connection: sqlite3.Connection) -> dict[str, str]:
    try:
        rows = connection.execute("SELECT app, max(name) FROM django_migrations GROUP BY app")
    except sqlite3.OperationalError:  # not a Django database (yet)
        return {}
    return dict(sorted(rows))


def backup_sqlite(source, folder: Path) -> tuple[dict, dict]:
    """Copy the SQLite database ``source`` (a path or a ``file:`` URI) into ``folder`` with
    SQLite's online backup API: a consistent copy even while others write to it (a plain
    file copy could catch a write half done). Counts are taken from the copy."""
    if str(source) == ":memory:":
        raise BackupError("A private in-memory SQLite database cannot be backed up.")
    target_path = folder / SQLITE_COPY
    _private_file(target_path).close()
    source_connection = _sqlite_connect(source)
    target_connection = sqlite3.connect(target_path)
    try:
        source_connection.backup(target_connection)
        counts = _sqlite_counts(target_connection, _register_tables())
        migrations = _sqlite_migrations(target_connection)
    finally:
        target_connection.close()
        source_connection.close()
    return counts, migrations


def _sqlite_table_count(path) -> int:
    if str(path) != ":memory:" and not str(path).startswith("file:") and not Path(path).exists():
        return 0
    connection = _sqlite_connect(path)
    try:
        return connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        connection.close()


def restore_sqlite(bundle: Bundle, target) -> dict[str, int]:
    """Write the bundle's copy over the SQLite database ``target`` (whole, through the
    backup API, which replaces every page of the target) and count its rows."""
    source_connection = sqlite3.connect(f"file:{bundle.path / SQLITE_COPY}?mode=ro", uri=True)
    target_connection = _sqlite_connect(target)
    try:
        source_connection.backup(target_connection)
        return _sqlite_counts(target_connection, sorted(bundle.manifest["row_counts"]))
    finally:
        target_connection.close()
        source_connection.close()


# Entry points -----------------------------------------------------------------------------

def _engine(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def create_backup(*, output: Path | None = None, database: dict | None = None,
                  media_root: Path | None = None) -> Bundle:
    """Back up ``database`` (default: the configured one) and ``media_root`` (default:
    MEDIA_ROOT) into a new bundle at ``output`` (default: a timestamped folder in
    BACKUP_DIR). Nothing is written over an existing file."""
    database = database or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    engine = _engine(database)
    folder = _new_bundle_folder(output)
    try:
        if engine == "postgresql":
            counts, migrations = _backup_postgres(database, folder)
        else:
            counts, migrations = backup_sqlite(database["NAME"], folder)
        media_files = _archive_media(media_root, folder / MEDIA_ARCHIVE)
        manifest = _write_manifest(folder, engine=engine, database=str(database["NAME"]),
                                   counts=counts, migrations=migrations,
                                   media_files=media_files)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave half a backup behind
        raise
    return Bundle(path=folder, manifest=manifest)


def database_from_target(target: str | None) -> dict:
    """The DATABASES entry to restore into: the configured database, a postgres:// URL, or
    for SQLite a file path (``sqlite:///path`` or a plain path)."""
    if not target:
        return settings.DATABASES["default"]
    if target.startswith(("postgres://", "postgresql://", "pgsql://")):
        return database_from_url(target)
    path = target.removeprefix("sqlite://")
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}


def restore_backup(path: Path, *, database: dict | None = None, media_root: Path | None = None,
                   overwrite: bool = False) -> RestoreReport:
    """Restore the bundle at ``path`` into ``database`` (default: the configured one) and
    its media into ``media_root`` (default: MEDIA_ROOT), then count the restored rows.

    Refuses, before changing anything, a damaged bundle (sha256), a bundle of the other
    engine, and a database that already holds tables unless ``overwrite``.
    """
    bundle = read_bundle(path)
    database = database or settings.DATABASES["default"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    engine = _engine(database)
    if engine != bundle.engine:
        raise BackupError(f"This is a {bundle.engine} backup; it cannot be restored into "
                          f"a {engine} database.")
    name = str(database["NAME"])
    tables = (_postgres_table_count(database) if engine == "postgresql"
              else _sqlite_table_count(name))
    if tables and not overwrite:
        raise BackupError(f"The database {name} is not empty ({tables} tables). Restoring "
                          f"replaces its content: pass --yes to do so, or restore into an "
                          f"empty database (--into).")
    if engine == "postgresql":
        found = _restore_postgres(bundle, database)
    else:
        found = restore_sqlite(bundle, name)
    report = RestoreReport(target=name)
    report.media_files = _restore_media(bundle.path / MEDIA_ARCHIVE, media_root)
    for table, expected in sorted(bundle.manifest["row_counts"].items()):
        report.counts.append((table, expected, found.get(table, 0)))
    return report
