"""Backups (issue 9): ``manage.py backup`` writes the database and the media folder into a
bundle; ``manage.py restore`` brings it back into a fresh database, where every matter,
event, party, meeting and evidence file is found again.

The round trip of the configured database runs on PostgreSQL (pg_dump / pg_restore) or on
SQLite (the online backup API), whichever the suite runs on; the SQLite code is also
tested on every run against a SQLite file of its own, as are the refusals.
"""

import json
import os
import sqlite3
import stat
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from meetings.models import Meeting
from quanfu.backup import (
    MEDIA_ARCHIVE,
    SQLITE_COPY,
    create_backup,
    prune_backups,
    restore_backup,
    sha256_of,
)
from risks import services as risk_services
from risks.choices import Tier
from risks.models import Party, Risk, RiskEvent
from supervision import services as supervision_services
from supervision.models import Evidence
from tests.conftest import POSTGRES_CONFIGURED
from tests.meetings_helpers import hold
from tests.supervision_helpers import find, inspect

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18"
       b"\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

# One query for both engines: every matter with its code and the ids of its events.
MATTERS_AND_EVENTS = (
    "SELECT r.id, r.code, e.id FROM risks_risk r "
    "LEFT JOIN risks_riskevent e ON e.risk_id = r.id ORDER BY r.id, e.id")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.MEDIA_ROOT


@pytest.fixture
def register(media, report, officer_a, leader, supervisor_a, roster_a1, street):
    """A few matters with events and parties, a meeting on one of them, and a finding
    with a photo as evidence, all made through the services."""
    first = report(officer_a, parties=[{"name": "张三", "phone": "13812345678"}])
    first = risk_services.verify_risk(first, actor=officer_a)
    risk_services.add_note(first, actor=officer_a, note="已上门了解情况。")
    second = report(officer_a, title="欠薪纠纷", parties=[{"name": "李四"}, {"name": "王五"}])
    risk_services.reject_risk(second, actor=officer_a, note="已自行协商解决，不属于风险。")
    third = report(officer_a, title="出租屋消防隐患")
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[first, third])
    finding = find(supervisor_a, inspect(supervisor_a, street.community_a))
    evidence = supervision_services.add_evidence(
        finding, actor=supervisor_a,
        upload=SimpleUploadedFile("现场照片.png", PNG, content_type="image/png"))
    return {"meeting": meeting, "evidence": evidence}


def matters_and_events(rows) -> dict[int, tuple[str, list[int]]]:
    found: dict[int, tuple[str, list[int]]] = {}
    for risk_id, code, event_id in rows:
        found.setdefault(risk_id, (code, []))
        if event_id is not None:
            found[risk_id][1].append(event_id)
    return found


def register_as_the_app_sees_it() -> dict[int, tuple[str, list[int]]]:
    return {risk.pk: (risk.code, sorted(risk.events.values_list("pk", flat=True)))
            for risk in Risk.objects.all()}


def only_bundle_in(folder):
    bundles = list(folder.iterdir())
    assert len(bundles) == 1
    return bundles[0]


def assert_private(bundle):
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o700
    for path in bundle.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# The configured database: PostgreSQL ------------------------------------------------------

def postgres_url(database: dict, name: str) -> str:
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] + (f":{database['PORT']}" if database["PORT"] else "")
    return f"postgres://{credentials}{'@' if credentials else ''}{host}/{name}"


def postgres_connect(database: dict, name: str, **options):
    import psycopg

    return psycopg.connect(dbname=name, host=database["HOST"] or None,
                           port=database["PORT"] or None, user=database["USER"] or None,
                           password=database["PASSWORD"] or None, **options)


@pytest.fixture
def restore_database(settings):
    """A fresh, empty PostgreSQL database named after the test database (so that parallel
    runs and CI, whose database names differ, never meet), dropped afterwards."""
    database = settings.DATABASES["default"]
    name = f"{database['NAME']}_restore"
    with postgres_connect(database, database["NAME"], autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with postgres_connect(database, database["NAME"], autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed
def test_postgres_backup_restores_every_matter_event_and_evidence_file(
        register, restore_database, settings, tmp_path):
    call_command("backup", keep=3)
    bundle = only_bundle_in(settings.BACKUP_DIR)
    assert_private(bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql"
    assert manifest["row_counts"]["risks_risk"] == Risk.objects.count() == 3
    assert manifest["row_counts"]["risks_riskevent"] == RiskEvent.objects.count()
    assert manifest["migrations"]["risks"]

    database = settings.DATABASES["default"]
    into = postgres_url(database, restore_database)
    call_command("restore", str(bundle), into=into, media_root=tmp_path / "restored")

    with postgres_connect(database, restore_database) as restored:
        assert matters_and_events(restored.execute(MATTERS_AND_EVENTS).fetchall()) \
            == register_as_the_app_sees_it()
        assert sorted(restored.execute("SELECT id, name FROM risks_party").fetchall()) \
            == sorted(Party.objects.values_list("id", "name"))
        assert restored.execute("SELECT id, title FROM meetings_meeting").fetchall() \
            == [(register["meeting"].pk, register["meeting"].title)]
        (evidence_file,), = restored.execute("SELECT file FROM supervision_evidence")
    evidence = Evidence.objects.get()
    assert evidence_file == evidence.file.name
    assert sha256_of(tmp_path / "restored" / evidence_file) == sha256_of(evidence.file.path)

    # the database now holds the register: a second restore is refused without --yes
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(bundle), into=into, media_root=tmp_path / "again")
    assert not (tmp_path / "again").exists()
    call_command("restore", str(bundle), into=into, media_root=tmp_path / "again", yes=True)
    with postgres_connect(database, restore_database) as restored:
        assert restored.execute("SELECT count(*) FROM risks_risk").fetchone()[0] == 3


# The configured database: SQLite ---------------------------------------------------------

@pytest.mark.skipif(POSTGRES_CONFIGURED, reason=(
    "the configured database is PostgreSQL: test_postgres_backup_restores_every_matter_… "
    "covers it, and the SQLite code runs against a file of its own in the tests below"))
@pytest.mark.django_db(transaction=True)  # the backup reads through a connection of its own
def test_sqlite_backup_restores_every_matter_event_and_evidence_file(
        register, settings, tmp_path):
    call_command("backup", keep=3)
    bundle = only_bundle_in(settings.BACKUP_DIR)
    assert_private(bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["engine"] == "sqlite"
    assert manifest["row_counts"]["risks_riskevent"] == RiskEvent.objects.count()

    target = tmp_path / "restored.sqlite3"
    call_command("restore", str(bundle), into=str(target), media_root=tmp_path / "restored")

    restored = sqlite3.connect(target)
    try:
        assert matters_and_events(restored.execute(MATTERS_AND_EVENTS).fetchall()) \
            == register_as_the_app_sees_it()
        assert sorted(restored.execute("SELECT id, name FROM risks_party").fetchall()) \
            == sorted(Party.objects.values_list("id", "name"))
        assert restored.execute("SELECT id FROM meetings_meeting").fetchall() \
            == [(Meeting.objects.get().pk,)]
        (evidence_file,), = restored.execute("SELECT file FROM supervision_evidence")
    finally:
        restored.close()
    evidence = Evidence.objects.get()
    assert sha256_of(tmp_path / "restored" / evidence_file) == sha256_of(evidence.file.path)


# The SQLite code on a file of its own: runs whatever the configured database ---------------

@pytest.fixture
def sqlite_file(tmp_path):
    """A small SQLite database with the register's two history tables and three matters."""
    path = tmp_path / "register.sqlite3"
    with sqlite3.connect(path) as writer:
        writer.executescript(
            "CREATE TABLE risks_risk (id INTEGER PRIMARY KEY, code TEXT UNIQUE);"
            "CREATE TABLE risks_riskevent (id INTEGER PRIMARY KEY, risk_id INTEGER"
            " REFERENCES risks_risk (id), kind TEXT);"
            "INSERT INTO risks_risk VALUES (1, 'QF-2026-000001'), (2, 'QF-2026-000002'),"
            " (3, 'QF-2026-000003');"
            "INSERT INTO risks_riskevent VALUES (1, 1, 'created'), (2, 1, 'transition'),"
            " (3, 2, 'created'), (4, 3, 'created');")
    writer.close()
    return path


@pytest.fixture
def media_file(media):
    path = media / "supervision" / "evidence" / "2026" / "11" / "photo.png"
    path.parent.mkdir(parents=True)
    path.write_bytes(PNG)
    return path


def sqlite_database(path) -> dict:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def rows_of(path) -> list:
    with sqlite3.connect(path) as reader:
        rows = reader.execute(MATTERS_AND_EVENTS).fetchall()
    reader.close()
    return rows


def test_sqlite_backup_of_a_file_database_is_a_consistent_snapshot(
        sqlite_file, media_file, media, tmp_path):
    committed = rows_of(sqlite_file)
    busy = sqlite3.connect(sqlite_file, isolation_level=None)
    busy.execute("BEGIN IMMEDIATE")  # another process is writing while the backup runs
    busy.execute("INSERT INTO risks_risk VALUES (4, 'QF-2026-000004')")
    try:
        bundle = create_backup(output=tmp_path / "bundle", database=sqlite_database(sqlite_file))
    finally:
        busy.execute("COMMIT")
        busy.close()

    assert_private(bundle.path)
    assert bundle.manifest["row_counts"] == {"risks_risk": 3, "risks_riskevent": 4}
    assert bundle.manifest["media_files"] == 1
    assert bundle.manifest["files"][SQLITE_COPY]["sha256"] == sha256_of(bundle.path / SQLITE_COPY)

    target = tmp_path / "restored.sqlite3"
    report = restore_backup(bundle.path, database=sqlite_database(target),
                            media_root=tmp_path / "restored")
    assert rows_of(target) == committed  # the snapshot: without the write in progress
    assert report.counts == [("risks_risk", 3, 3), ("risks_riskevent", 4, 4)]
    assert not report.mismatches
    restored_photo = tmp_path / "restored" / media_file.relative_to(media)
    assert sha256_of(restored_photo) == sha256_of(media_file)


def test_restore_refuses_a_database_that_is_not_empty_without_yes(
        sqlite_file, media_file, tmp_path):
    bundle = create_backup(output=tmp_path / "bundle", database=sqlite_database(sqlite_file))
    target = tmp_path / "in_use.sqlite3"
    with sqlite3.connect(target) as other:
        other.execute("CREATE TABLE risks_risk (id INTEGER PRIMARY KEY, code TEXT)")
        other.execute("INSERT INTO risks_risk VALUES (99, 'QF-2026-000099')")
    other.close()
    before = sha256_of(target)

    with pytest.raises(CommandError, match=r"not empty \(1 tables\).*--yes"):
        call_command("restore", str(bundle.path), into=str(target),
                     media_root=tmp_path / "restored")
    assert sha256_of(target) == before
    assert not (tmp_path / "restored").exists()

    call_command("restore", str(bundle.path), into=str(target),
                 media_root=tmp_path / "restored", yes=True)
    assert rows_of(target) == rows_of(sqlite_file)


@pytest.mark.parametrize("damaged", [SQLITE_COPY, MEDIA_ARCHIVE])
def test_restore_refuses_a_damaged_bundle_before_touching_anything(
        sqlite_file, media_file, tmp_path, damaged):
    bundle = create_backup(output=tmp_path / "bundle", database=sqlite_database(sqlite_file))
    path = bundle.path / damaged
    os.chmod(path, 0o600)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    target = tmp_path / "empty.sqlite3"

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(bundle.path), into=str(target),
                     media_root=tmp_path / "restored")
    message = str(refused.value)
    assert f"The backup is damaged: {damaged} has sha256 {sha256_of(path)}" in message
    assert bundle.manifest["files"][damaged]["sha256"] in message
    assert "Nothing was restored" in message
    assert not target.exists() and not (tmp_path / "restored").exists()


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="is not a backup: it has no manifest.json"):
        call_command("restore", str(tmp_path), into=str(tmp_path / "x.sqlite3"))


def test_restore_refuses_a_backup_of_the_other_engine(sqlite_file, media_file, tmp_path):
    bundle = create_backup(output=tmp_path / "bundle", database=sqlite_database(sqlite_file))
    with pytest.raises(CommandError, match="sqlite backup; it cannot be restored into a "
                                           "postgresql database"):
        call_command("restore", str(bundle.path), into="postgres://nobody@127.0.0.1:1/none")


def test_backups_are_kept_in_backup_dir_with_the_newest_n_kept(sqlite_file, media, settings):
    written = [create_backup(database=sqlite_database(sqlite_file)).path for _ in range(4)]
    assert all(path.parent == settings.BACKUP_DIR for path in written)
    assert stat.S_IMODE(settings.BACKUP_DIR.stat().st_mode) == 0o700
    (settings.BACKUP_DIR / "notes.txt").write_text("kept: not a backup")

    removed = prune_backups(2)

    assert removed == written[:2]
    assert sorted(settings.BACKUP_DIR.iterdir()) == sorted(
        [*written[2:], settings.BACKUP_DIR / "notes.txt"])


def test_a_backup_is_never_written_over_an_existing_one(sqlite_file, media, tmp_path):
    create_backup(output=tmp_path / "bundle", database=sqlite_database(sqlite_file))
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=tmp_path / "bundle")


def test_a_failed_backup_leaves_nothing_behind(media, tmp_path):
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    with pytest.raises(Exception, match="in-memory"):
        create_backup(output=tmp_path / "bundle", database=database)
    assert not (tmp_path / "bundle").exists()

