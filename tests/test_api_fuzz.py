"""schemathesis against our own OpenAPI schema, with a real token: whatever it sends,
valid or not, the API never answers with a server error (5xx).

Driven through Hypothesis directly (schemathesis' pytest plugin does not run on pytest 9).
"""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from contextlib import contextmanager  # noqa: E402

from django.core import signals  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from accounts.services import issue_api_token  # noqa: E402
from quanfu.wsgi import application  # noqa: E402

EXAMPLES_PER_OPERATION = 15


@contextmanager
def database_connection_kept_open():
    """The WSGI app is called directly, not through Django's test client; like the test
    client, keep Django from closing the test's database connection (which is inside the
    test's transaction) at each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(client, street, categories, leader, report, officer_a, roster_a1):
    for _ in range(3):  # real matters, so that some of the ids tried exist
        report(officer_a)
    client.force_login(leader)
    document = client.get("/api/schema/", {"format": "json"}).json()
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    return loaded


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_answers_with_a_server_error(api_schema, leader, mode):
    headers = {"Authorization": f"Token {issue_api_token(leader)[1]}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    fuzzed = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def never_5xx(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            with database_connection_kept_open():
                never_5xx()
        except Unsatisfiable:
            # an operation with nothing to get wrong (no body, no parameters) has no
            # negative cases; every other one is fuzzed
            assert mode == GenerationMode.NEGATIVE
            continue
        fuzzed += 1
    assert fuzzed >= len(operations) // 2
