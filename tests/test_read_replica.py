"""The read replica (quanfu/db_router.py) against real PostgreSQL servers of the test's own.

A primary and a streaming replica are made with initdb, pg_basebackup -R and pg_ctl, as
the postgres system user, in temporary folders on free ports (the primary's own
pg_hba.conf allows replication: the CI server's allows none). The app runs against them
in a process of its own (tests/replica_probe.py), told what to do line by line. The
servers are stopped and removed at the end, whatever happened.
"""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.test import override_settings

from quanfu import db_router

# the tests that start servers; the others (the router alone) run on SQLite too
with_servers = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "replica_probe.py"


def postgres_binaries() -> Path | None:
    """The folder of initdb, pg_ctl and pg_basebackup (the newest installed version)."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                     key=lambda folder: int(Path(folder).parent.name))
    for folder in reversed(folders):
        if all(os.access(Path(folder) / name, os.X_OK)
               for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres")):
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl") and shutil.which("pg_basebackup"):
        return Path(os.path.realpath(initdb)).parent
    return None


def missing_for_servers() -> str | None:
    """Why this machine cannot start servers of its own, or None."""
    if postgres_binaries() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "runuser (to run the servers as the postgres user)"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "a postgres system user"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Servers:
    """A primary and its streaming replica, in one temporary folder."""

    def __init__(self):
        self.bin = postgres_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="quanfu-replica-"))
        self.primary_data = self.folder / "primary"
        self.replica_data = self.folder / "replica"
        self.primary_port, self.replica_port = free_port(), free_port()
        os.chmod(self.folder, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], check=check, capture_output=True,
                              text=True, timeout=60, cwd=self.folder)

    def tool(self, name: str) -> str:
        return str(self.bin / name)

    def pg_ctl(self, data: Path, action: str, *extra: str, check: bool = True):
        return self.run(self.tool("pg_ctl"), "-D", str(data), "-l", f"{data}.log", "-w",
                        "-t", "30", action, *extra, check=check)

    def sql(self, port: int, statement: str, database: str = "postgres") -> str:
        return self.run(self.tool("psql") if (self.bin / "psql").exists() else "psql",
                        "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d",
                        database, "-XtAc", statement).stdout.strip()

    def start(self):
        self.run(self.tool("initdb"), "-D", str(self.primary_data), "-U", "postgres",
                 "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        with open(self.primary_data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.primary_port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.folder}'\nwal_level = replica\n"
                       "max_wal_senders = 4\nfsync = off\nfull_page_writes = off\n"
                       "synchronous_commit = off\nautovacuum = off\n")
        # the test's own rules: trust on loopback, replication connections included
        (self.primary_data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all all 127.0.0.1/32 trust\n"
            "host replication all 127.0.0.1/32 trust\n")
        self.pg_ctl(self.primary_data, "start")
        self.sql(self.primary_port, "CREATE DATABASE quanfu")
        self.run(self.tool("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                 "-U", "postgres", "-D", str(self.replica_data), "-R", "-X", "stream",
                 "--checkpoint=fast", "--no-sync")
        with open(self.replica_data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.replica_port}\nhot_standby = on\n")
        self.pg_ctl(self.replica_data, "start")

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/quanfu"

    def stop(self):
        for data in (self.replica_data, self.primary_data):
            if (data / "postmaster.pid").exists():
                self.pg_ctl(data, "stop", "-m", "immediate", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def caught_up(self, timeout: float = 10) -> None:
        """Wait until the replica has replayed what the primary wrote."""
        target = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.sql(self.replica_port,
                            f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if done == "t":
                return
            time.sleep(0.05)
        raise AssertionError("the replica did not catch up")


class App:
    """The app's process (tests/replica_probe.py), driven one command at a time."""

    def __init__(self, environment: dict, log: Path):
        self.log = log
        with open(log, "w") as errors:
            self.process = subprocess.Popen(
                [sys.executable, str(PROBE)], cwd=ROOT, env=environment, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        line = self.process.stdout.readline()
        assert line, f"the app did not start: {self.log.read_text()[-3000:]}"
        assert json.loads(line) == {"ready": True}

    def __call__(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the app stopped: {self.log.read_text()[-3000:]}"
        answer = json.loads(line)
        assert "error" not in answer, answer["error"]
        return answer

    def get(self, person: str, path: str, **data) -> dict:
        return self(do="request", **{"as": person}, path=path, data=data)

    def post(self, person: str, path: str, data: dict) -> dict:
        return self(do="request", method="post", **{"as": person}, path=path, data=data)

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def servers():
    missing = missing_for_servers()
    if missing:
        reason = f"needs {missing} to start PostgreSQL servers of its own"
        if os.environ.get("QUANFU_REQUIRE_SERVICES") == "1":
            pytest.fail(f"QUANFU_REQUIRE_SERVICES=1 but the replica test {reason}")
        pytest.skip(reason)
    started = Servers()
    try:
        started.start()
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def app(servers):
    """The app on the test's primary (migrated) and replica; a second's stickiness and lag
    allowed, checked every 0.2 s, so that the test need not wait long."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("DATABASE_", "REDIS_", "REPLICA_", "PYTEST"))}
    var = Path(servers.folder) / "var"
    environment.update(DATABASE_URL=servers.url(servers.primary_port),
                       QUANFU_VAR_DIR=str(var), CELERY_TASK_ALWAYS_EAGER="1",
                       AUDIT_SEALING="inline", REPLICA_STICKY_SECONDS="1",
                       REPLICA_MAX_LAG_SECONDS="1", REPLICA_CHECK_SECONDS="0.2")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=environment, check=True, timeout=120)
    environment["DATABASE_REPLICA_URL"] = servers.url(servers.replica_port)
    running = App(environment, servers.folder / "app.log")
    try:
        running.places = running(do="set_up")
        servers.caught_up()
        yield running
    finally:
        running.close()


def map_total(answer: dict) -> int:
    """The open matters of the map's answer (areas/map/, a value per community)."""
    assert answer["status"] == 200, answer
    return sum(feature["properties"]["value"] or 0 for feature in answer["body"]["features"])


def report_matter(app, person: str, title: str) -> dict:
    return app.post(person, "/api/v1/risks/", {
        "title": title, "description": "楼道堆放杂物，存在火灾隐患。",
        "category": app.places["category"], "area": app.places["grid"]})


@with_servers
def test_dashboard_reads_from_the_replica(app, servers):
    servers.caught_up()
    app(do="forget")
    answer = app.get("leader", f"/supervision/street/{app.places['street']}/")
    assert answer["status"] == 200
    # the session and the person come from the primary; the dashboard's figures from
    # the replica
    assert answer["queries"].get("replica", 0) >= 5, answer["queries"]
    assert answer["queries"]["default"] <= 4, answer["queries"]


@pytest.mark.parametrize("path", ["/api/v1/areas/map/", "/api/v1/statistics/monthly/",
                                  "/rhythm/monthly/", "/ledgers/online.xlsx", "/"])
@with_servers
def test_map_statistics_exports_and_street_figures_read_from_the_replica(app, servers, path):
    servers.caught_up()
    app(do="forget")
    answer = app.get("leader", path)
    assert answer["status"] == 200
    assert answer["queries"].get("replica", 0) >= 1, answer["queries"]


def test_register_page_reads_only_from_the_primary(app):
    answer = app.get("leader", "/risks/")
    assert answer["status"] == 200
    assert answer["queries"].get("replica", 0) == 0


@with_servers
def test_a_person_who_wrote_reads_their_write_from_the_primary(app, servers):
    # a replica that has not replayed the write yet, but lags within the limit
    app(do="configure", settings={"REPLICA_MAX_LAG_SECONDS": 60})
    servers.caught_up()
    before = map_total(app.get("other_leader", "/api/v1/areas/map/", metric="open"))
    servers.sql(servers.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        created = report_matter(app, "leader", "三号楼楼道堆物")
        assert created["status"] == 201, created

        # the writer, right after: the primary, and the new matter counted
        mine = app.get("leader", "/api/v1/areas/map/", metric="open")
        assert mine["queries"].get("replica", 0) == 0, mine["queries"]
        assert map_total(mine) == before + 1
        # after the sticky second, still the primary: the replica has not replayed it
        time.sleep(1.1)
        mine = app.get("leader", "/api/v1/areas/map/", metric="open")
        assert mine["queries"].get("replica", 0) == 0 and map_total(mine) == before + 1

        # someone else reads the replica, which does not show it yet
        theirs = app.get("other_leader", "/api/v1/areas/map/", metric="open")
        assert theirs["queries"].get("replica", 0) >= 1
        assert map_total(theirs) == before
    finally:
        servers.sql(servers.replica_port, "SELECT pg_wal_replay_resume()")
    servers.caught_up()
    time.sleep(1.1)  # past the sticky second: the writer reads the replica again
    app(do="forget")
    mine = app.get("leader", "/api/v1/areas/map/", metric="open")
    assert mine["queries"].get("replica", 0) >= 1 and map_total(mine) == before + 1


@with_servers
def test_the_sync_walk_reads_the_replica(app, servers):
    app(do="configure", settings={"REPLICA_MAX_LAG_SECONDS": 60, "SYNC_SETTLE_SECONDS": 0})
    servers.caught_up()
    servers.sql(servers.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        created = report_matter(app, "grid_worker", "五号楼外墙脱落")
        assert created["status"] == 201, created
        time.sleep(0.3)
        walk = app.get("other_leader", "/api/v1/risks/", ordering="updated_at",
                       updated_after="2000-01-01T00:00:00Z", page_size=500)
        assert walk["queries"].get("replica", 0) >= 1, walk["queries"]
        codes = [row["code"] for row in walk["body"]["results"]]
        assert created["body"]["code"] not in codes
    finally:
        servers.sql(servers.replica_port, "SELECT pg_wal_replay_resume()")
        app(do="configure", settings={"SYNC_SETTLE_SECONDS": 2})
    servers.caught_up()


@with_servers
def test_a_lagging_replica_is_left_aside_and_the_health_endpoint_says_so(app, servers):
    app(do="configure", settings={"REPLICA_MAX_LAG_SECONDS": 1})
    servers.caught_up()
    servers.sql(servers.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        servers.sql(servers.primary_port, "CREATE TABLE lag_marker (written timestamptz)",
                    database="quanfu")
        time.sleep(1.5)
        answer = app.get("other_leader", f"/supervision/street/{app.places['street']}/")
        assert answer["status"] == 200
        assert answer["queries"].get("replica", 0) == 0, answer["queries"]
        health = app.get("operator", "/health/")["body"]["checks"]["replica"]
        assert health["reads_from"] == "default" and health["condition"] == "lagging"
        assert health["lag_seconds"] > 1 and health["lag_bytes"] > 0
    finally:
        servers.sql(servers.replica_port, "SELECT pg_wal_replay_resume()")
    servers.caught_up()
    health = app.get("operator", "/health/")["body"]["checks"]["replica"]
    assert health == {"ok": True, "reads_from": "replica", "condition": "in_use",
                      "lag_seconds": 0.0, "lag_bytes": 0, "error": None}


@with_servers
def test_an_idle_primary_is_no_lag(app, servers):
    """Nothing committed for longer than the limit: "now − last replayed commit" grows,
    the replica is still up to date, and is read."""
    app(do="configure", settings={"REPLICA_MAX_LAG_SECONDS": 1})
    servers.caught_up()
    time.sleep(1.5)
    health = app.get("operator", "/health/")["body"]["checks"]["replica"]
    assert health["reads_from"] == "replica" and health["lag_seconds"] == 0.0
    answer = app.get("other_leader", f"/supervision/street/{app.places['street']}/")
    assert answer["queries"].get("replica", 0) >= 5


@with_servers
def test_a_stopped_replica_falls_back_to_the_primary_at_once(app, servers):
    app(do="configure", settings={"REPLICA_MAX_LAG_SECONDS": 10})
    servers.caught_up()
    assert app.get("other_leader", "/api/v1/areas/map/", metric="open")["queries"]["replica"]
    servers.pg_ctl(servers.replica_data, "stop", "-m", "fast")

    answer = app.get("other_leader", f"/supervision/street/{app.places['street']}/")
    assert answer["status"] == 200
    assert answer["seconds"] < 3
    answer = app.get("other_leader", "/api/v1/areas/map/", metric="open")
    assert answer["status"] == 200 and answer["queries"].get("replica", 0) == 0
    assert answer["seconds"] < 2
    health = app.get("operator", "/health/")
    assert health["status"] == 200  # the primary serves every read: still healthy
    replica = health["body"]["checks"]["replica"]
    assert replica["reads_from"] == "default" and replica["condition"] == "down"
    assert "OperationalError" in replica["error"]


# Without a replica (the embedded default and every other test): nothing changes ----------

def test_without_a_replica_every_read_uses_the_primary():
    assert "replica" not in db_router.settings.DATABASES
    router = db_router.ReplicaRouter()
    with db_router.reads_from_replica():
        assert router.db_for_read(None) == "default"
    assert db_router.replica_state().condition == "not_configured"


def test_replica_url_is_read_like_the_database_url():
    from quanfu.environment import replica_from_url

    entry = replica_from_url("postgres://reader:secret@replica.example:5433/quanfu")
    assert (entry["HOST"], entry["PORT"], entry["NAME"]) == ("replica.example", "5433",
                                                              "quanfu")
    assert entry["OPTIONS"]["connect_timeout"] == "1"  # a replica down is given up fast
    assert entry["TEST"] == {"MIRROR": "default"}


def test_wal_positions_are_compared_as_numbers():
    assert db_router.lsn_to_int("0/16B3748") < db_router.lsn_to_int("1/0")
    assert db_router.lsn_to_int("16/B374D848") == (0x16 << 32) | 0xB374D848


@override_settings(REPLICA_STICKY_SECONDS=5)
def test_a_write_in_a_request_pins_its_reads_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "replica_state", lambda refresh=False: db_router.ReplicaState(
        usable=True, condition="in_use", lag_seconds=0.0, visible_until=time.time() + 60))

    class NotInTransaction:
        in_atomic_block = False

    monkeypatch.setattr(db_router, "connections", {"default": NotInTransaction()})
    router = db_router.ReplicaRouter()
    from accounts.models import User
    from audit.models import AccessLog

    with db_router.reads_from_replica():
        assert router.db_for_read(User) == "replica"
        router.db_for_write(AccessLog)  # the access log is not the person's data
        assert router.db_for_read(User) == "replica"
        router.db_for_write(User)
        assert router.db_for_read(User) == "default"
    db_router._written_at.set(None)


@override_settings(REPLICA_STICKY_SECONDS=5)
def test_a_post_leaves_a_signed_mark_that_the_next_requests_read(monkeypatch, rf):
    from django.http import HttpResponse

    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    seen = []

    def view(request):
        seen.append(db_router._written_at.get())
        return HttpResponse("ok")

    middleware = db_router.ReplicaStickinessMiddleware(view)
    response = middleware(rf.post("/supervision/notices/new/"))  # no write needed: a POST
    mark = response.cookies[db_router.STICKY_COOKIE]
    assert mark["httponly"] and mark["max-age"] == db_router.sticky_seconds()
    assert seen[0] is not None

    later = rf.get("/supervision/")
    later.COOKIES[db_router.STICKY_COOKIE] = mark.value
    middleware(later)
    assert seen[1] == seen[0]  # the moment of the write, read back

    forged = rf.get("/supervision/")
    forged.COOKIES[db_router.STICKY_COOKIE] = "1.0"  # unsigned: ignored
    assert db_router.STICKY_COOKIE not in middleware(forged).cookies
    assert seen[2] is None
    assert db_router._written_at.get() is None  # nothing left behind the request


def test_without_a_replica_the_middleware_sets_no_mark(rf):
    from django.http import HttpResponse

    middleware = db_router.ReplicaStickinessMiddleware(lambda request: HttpResponse("ok"))
    assert db_router.STICKY_COOKIE not in middleware(rf.post("/risks/new/")).cookies


def test_a_sync_walk_on_the_replica_stops_short_of_what_it_has_replayed(
        api, report, officer_a, settings, monkeypatch):
    """A transaction that stamped its matter before the replica's last replayed commit may
    commit after it: the walk leaves the settling seconds before that point, not before
    now, so that its cursor never passes a matter the replica will still show."""
    from quanfu.api import sync

    settings.SYNC_SETTLE_SECONDS = 0
    report(officer_a)
    api.force_authenticate(officer_a)
    monkeypatch.setattr(sync, "settled_horizon", lambda alias: time.time() - 60)
    body = api.get("/api/v1/risks/", {"ordering": "updated_at"}).json()
    assert body["results"] == [] and body["next"] is None  # a replica a minute behind
    monkeypatch.undo()
    assert db_router.settled_horizon("default") is None  # the primary holds every commit
    body = api.get("/api/v1/risks/", {"ordering": "updated_at"}).json()
    assert len(body["results"]) == 1
