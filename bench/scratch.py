"""A scratch copy of a generated database for the benchmarks that change data (bench/city.py,
bench/map.py): made with CREATE DATABASE … TEMPLATE, measured on, dropped at the end.
Imported before django.setup(): the benchmark points DATABASE_URL at the copy first."""

import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg


def _maintenance(source_url: str) -> str:
    return urlunsplit(urlsplit(source_url)._replace(path="/postgres"))


def scratch_copy(source_url: str, scratch: str, *, keep: bool, keep_variable: str
                 ) -> tuple[str, bool]:
    """The URL of a copy of ``source_url``'s database named ``scratch``, and whether it was
    just made (a kept one is reused when ``keep``: the variable ``keep_variable`` is set)."""
    parts = urlsplit(source_url)
    source = parts.path.lstrip("/")
    if source == scratch:
        sys.exit("DATABASE_URL names the scratch database itself; give the generated one.")
    scratch_url = urlunsplit(parts._replace(path=f"/{scratch}"))
    with psycopg.connect(_maintenance(source_url), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [scratch]).fetchone()
        if exists and keep:
            print(f"reusing the scratch copy {scratch} ({keep_variable}=1)")
            return scratch_url, False
        if exists:
            admin.execute(f'DROP DATABASE "{scratch}" WITH (FORCE)')
        started = time.perf_counter()
        for attempt in range(20):
            try:
                admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{source}"')
                break
            except psycopg.errors.ObjectInUse:
                # A template may have no other session: someone is reading it; wait.
                print(f"  {source} is in use by another session; retrying in 15 s "
                      f"({attempt + 1}/20)", flush=True)
                time.sleep(15)
        else:
            sys.exit(f"Could not copy {source}: other sessions kept it busy.")
        print(f"copied {source} to {scratch} in {time.perf_counter() - started:.0f} s")
    return scratch_url, True


def drop_scratch(source_url: str, scratch: str, *, keep: bool) -> None:
    if keep:
        print(f"kept the scratch copy {scratch}")
        return
    with psycopg.connect(_maintenance(source_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    print(f"dropped the scratch copy {scratch}")


def bring_up_to_date(fresh: bool) -> None:
    """After django.setup(): migrate the copy if the code has migrations it lacks, and
    VACUUM ANALYZE a fresh or migrated copy (index-only scans need the visibility map)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        started = time.perf_counter()
        call_command("migrate", "--noinput", verbosity=0)
        print(f"applied {len(pending)} migrations to the copy in "
              f"{time.perf_counter() - started:.0f} s")
    if fresh or pending:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
