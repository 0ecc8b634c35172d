"""The project's PostgreSQL backend (quanfu/postgresql): Django's, with timestamps parsed
by psycopg's C loader. A page of the register reads some 300 date-times; they must be the
very values Django's own loader gives."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from quanfu.postgresql.base import TIMESTAMPTZ_OID, TimestamptzLoader, loader_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MOMENTS = ("'2026-12-04 08:30:00.123456+08'", "'2024-02-29 23:59:59+00'",
           "'1990-06-01 12:00:00+09'", "'2000-01-01 00:00:00+00'", "NULL")
QUERY = f"SELECT {', '.join(f'{moment}::timestamptz' for moment in MOMENTS)}"


def read(register=None):
    with connection.cursor() as cursor:
        if register is not None:
            register(cursor.cursor)
        cursor.execute(QUERY)
        return cursor.fetchone()


def test_the_connection_reads_timestamps_through_the_c_parser_loader():
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert issubclass(loader, TimestamptzLoader)
    assert loader.timezone is connection.timezone  # Django's create_cursor compares these


def test_timestamps_are_the_values_djangos_own_loader_gives():
    ours = read()
    djangos = read(lambda cursor: register_tzloader(connection.timezone, cursor))
    assert ours == djangos
    assert [value.tzinfo for value in ours if value] == [value.tzinfo for value in djangos
                                                         if value]
    assert ours[0].tzinfo is datetime.UTC
    assert ours[0] == datetime.datetime(2026, 12, 4, 0, 30, 0, 123456, tzinfo=datetime.UTC)
    assert ours[-1] is None


def test_a_loader_for_another_zone_attaches_that_zone_as_djangos_does():
    shanghai = ZoneInfo("Asia/Shanghai")
    ours = read(lambda cursor: cursor.adapters.register_loader("timestamptz",
                                                               loader_for(shanghai)))
    djangos = read(lambda cursor: register_tzloader(shanghai, cursor))
    assert ours == djangos
    assert {value.tzinfo for value in ours if value} == {shanghai}
    assert ours[0].hour == 0  # the zone is attached to the connection's clock reading


def test_without_a_zone_the_moments_come_naive_as_django_gives_them():
    ours = read(lambda cursor: cursor.adapters.register_loader("timestamptz",
                                                               loader_for(None)))
    djangos = read(lambda cursor: register_tzloader(None, cursor))
    assert ours == djangos
    assert all(value.tzinfo is None for value in ours if value)
