"""The app, as a separate process, for tests/test_read_replica.py.

The test starts a PostgreSQL primary and a streaming replica of its own; this process
runs the app against them (DATABASE_URL, DATABASE_REPLICA_URL in its environment) and
answers the test's commands, one JSON object a line on stdin, one JSON answer a line on
stdout: requests through Django's test client as a named person, with the number of
queries each database answered, and the health endpoint.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanfu.settings")
django.setup()

from django.conf import settings  # noqa: E402  (after django.setup())
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from grids.choices import AreaKind, GridType  # noqa: E402
from grids.services import create_area  # noqa: E402
from quanfu import db_router  # noqa: E402
from risks.models import Category  # noqa: E402

# the router's own look at the replica's lag: not a read of the page
CHECK_QUERIES = ("pg_current_wal_lsn", "pg_last_wal_replay_lsn")


class QueryCount:
    """Counts the queries each database answers (the router's lag check left out)."""

    def __init__(self):
        self.counts = {}

    def wrapper(self, alias):
        def count(execute, sql, params, many, context):
            if not any(name in sql for name in CHECK_QUERIES):
                self.counts[alias] = self.counts.get(alias, 0) + 1
            return execute(sql, params, many, context)
        return count


def make_person(username, role, area, **extra) -> User:
    user = User(username=username, role=role, area=area, name=username, **extra)
    user.set_password("demo12345-probe")
    user.save()
    return user


def set_up() -> dict:
    street = create_area(kind=AreaKind.STREET, code="R1", name="全福街道")
    community = create_area(kind=AreaKind.COMMUNITY, code="R1-A", name="花园社区",
                            parent=street)
    grid = create_area(kind=AreaKind.GRID, code="R1-A-G1", name="花园第1网格",
                       parent=community, grid_type=GridType.BASIC)
    make_person("leader", Role.STREET_LEADER, street)
    make_person("other_leader", Role.STREET_LEADER, street)
    make_person("grid_worker", Role.GRID_WORKER, grid)
    make_person("operator", Role.STREET_LEADER, street, is_staff=True)
    category = Category.objects.filter(is_active=True).order_by("code").first()
    return {"street": street.pk, "community": community.pk, "grid": grid.pk,
            "category": category.code}


clients: dict[str, Client] = {}


def client_of(name: str) -> Client:
    if name not in clients:
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name))
    return clients[name]


def request(command: dict) -> dict:
    client = client_of(command["as"])
    tally = QueryCount()
    started = time.monotonic()
    with connections["default"].execute_wrapper(tally.wrapper("default")), \
            connections["replica"].execute_wrapper(tally.wrapper("replica")):
        if command.get("method", "get") == "post":
            response = client.post(command["path"], data=command.get("data", {}),
                                   content_type="application/json")
        else:
            response = client.get(command["path"], data=command.get("data", {}))
    elapsed = time.monotonic() - started
    body = None
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(response.content)
    return {"status": response.status_code, "queries": tally.counts, "seconds": elapsed,
            "body": body}


def run(command: dict) -> dict:
    action = command["do"]
    if action == "set_up":
        return set_up()
    if action == "request":
        return request(command)
    if action == "configure":  # e.g. {"REPLICA_MAX_LAG_SECONDS": 60}
        for name, value in command["settings"].items():
            setattr(settings, name, value)
        db_router.forget_replica_state()
        return {"ok": True}
    if action == "forget":  # the next read checks the replica again
        db_router.forget_replica_state()
        return {"ok": True}
    raise ValueError(f"unknown command {action!r}")


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        try:
            answer = run(json.loads(line))
        except Exception as error:  # the test reads the error and fails with it
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer, default=str), flush=True)


if __name__ == "__main__":
    main()
