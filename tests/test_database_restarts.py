"""PostgreSQL restarting under load: a request whose connection dies fails fast with 503
and Retry-After (quanfu/server_errors.py), its transaction rolled back — nothing is
half-written — and the next request works on a fresh connection, without any worker
being restarted (CONN_HEALTH_CHECKS, connect_timeout)."""

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from rhythm.models import ZeroReport

pytestmark = pytest.mark.postgres
ZERO_REPORTS = "/api/v1/zero-reports/"


def terminate_own_backend() -> None:
    """What a restart does to the connection in use: the server ends it."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(dbname=settings["NAME"], user=settings["USER"],
                         host=settings["HOST"], port=settings["PORT"] or 5432,
                         password=settings["PASSWORD"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def cut_off(when):
    """A wrapper of the connection's statements that ends the connection once, before the
    first statement ``when`` accepts."""
    done = []

    def wrapper(execute, sql, params, many, context):
        if not done and when(sql):
            done.append(sql)
            terminate_own_backend()
        return execute(sql, params, many, context)

    return wrapper


@pytest.fixture(autouse=True)
def connection_left_usable(transactional_db):
    yield
    close_old_connections()
    if connection.connection is not None and not connection.is_usable():
        connection.close()


def next_request() -> None:
    """What the server does as each request starts (request_started), which Django's test
    client leaves out: a connection found broken or past its age is closed, and the next
    use checks the one kept (CONN_HEALTH_CHECKS)."""
    close_old_connections()


@pytest.fixture
def worker_api(transactional_db, grid_worker_a1):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(grid_worker_a1)
    return client


def test_a_request_cut_off_by_a_restart_answers_503_with_retry_after_and_saves_nothing(
        worker_api, street, settings):
    settings.DATABASE_RETRY_AFTER_SECONDS = 7
    body = {"grid": street.grid_a1.pk, "day": timezone.localdate().isoformat()}
    # the restart comes after the zero report's INSERT, before its audit entry: the same
    # transaction, half done
    with connection.execute_wrapper(cut_off(lambda sql: "audit_auditentry" in sql)):
        response = worker_api.post(ZERO_REPORTS, body, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert "nothing was saved" in response.json()["detail"]
    assert not ZeroReport.objects.exists()  # read on a fresh connection: rolled back
    next_request()
    again = worker_api.post(ZERO_REPORTS, body, format="json")  # no restart of anything
    assert again.status_code == 201
    assert ZeroReport.objects.count() == 1


def test_a_page_answers_503_in_the_sites_words_without_touching_the_database(
        transactional_db, officer_a):
    client = Client(raise_request_exception=False)
    client.force_login(officer_a)

    with connection.execute_wrapper(cut_off(lambda sql: True)):
        response = client.get("/risks/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert 'data-testid="database-unavailable"' in response.content.decode()
    next_request()
    assert client.get("/risks/").status_code == 200


def test_a_connection_the_server_ended_between_requests_is_replaced_at_the_next(
        transactional_db, officer_a):
    client = Client(raise_request_exception=False)
    client.force_login(officer_a)
    assert client.get("/risks/").status_code == 200
    terminate_own_backend()  # idle in the pool (CONN_MAX_AGE) when the server restarted
    next_request()
    assert client.get("/risks/").status_code == 200
