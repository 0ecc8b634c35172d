"""schemathesis against our own OpenAPI schema, with a real token of each role: whatever it
sends, valid or not, the API never answers with a server error (5xx), and every answer is
one the schema documents (its status code, its content type, and its body's shape).

Driven through Hypothesis directly (schemathesis' pytest plugin does not run on pytest 9).
Every operation gets a few positive and a few negative cases per role by default; for a
long run set QUANFU_FUZZ_EXAMPLES (cases per operation, per mode, per role), e.g.

    QUANFU_FUZZ_EXAMPLES=100 .venv/bin/pytest tests/test_api_fuzz.py -p no:randomly
"""

import copy
import os
import zlib
from datetime import timedelta

import pytest

schemathesis = pytest.importorskip("schemathesis")
from contextlib import contextmanager  # noqa: E402

from django.core import signals  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import issue_api_token  # noqa: E402
from meetings import services as meeting_services  # noqa: E402
from quanfu.wsgi import application  # noqa: E402
from risks import services as risk_services  # noqa: E402
from risks.choices import Tier  # noqa: E402
from tests.meetings_helpers import decide, hold  # noqa: E402
from tests.supervision_helpers import find, inspect  # noqa: E402

EXAMPLES_PER_OPERATION = int(os.environ.get("QUANFU_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
# One persona of each role, and the superuser.
PERSONAS = ["grid_worker_a1", "officer_a", "section_staff", "supervisor_a", "leader",
            "api_client_user", "superuser"]


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
def register(street, report, officer_a, leader, supervisor_a, roster_a1):
    """Real objects, so that some of the ids tried exist and the answers have something in
    them: matters in several states, one escalated to the street; a community meeting
    with two of them on its agenda, decided and approved, with an action item and its
    progress; a supervision finding."""
    matters = [report(officer_a, department=street.department) for _ in range(3)]
    verified = risk_services.verify_risk(matters[0], actor=officer_a)
    risk_services.add_party(verified, actor=officer_a, name="张三", phone="13812345678")
    risk_services.escalate_risk(matters[1], actor=officer_a, note="社区调解未果。")
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[verified, matters[2]])
    action_item = meeting_services.add_action_item(
        meeting, actor=officer_a, title="三日内回访双方", owner=officer_a,
        deadline=timezone.localdate() + timedelta(days=3))
    decide(meeting, officer_a, {})
    meeting_services.approve_meeting(meeting, actor=officer_a)
    meeting_services.add_progress_note(action_item, actor=officer_a, note="已回访一方。")
    find(supervisor_a, inspect(supervisor_a, street.community_a))


@pytest.fixture(autouse=True)
def unthrottled(settings):
    """Hundreds of cases a minute per token: the rate limit (tests/test_api_rate_limits.py)
    would answer most of them 429 and leave the operations untried."""
    settings.API_RATE_PER_MINUTE = 0


SCHEMA_DOCUMENT = {}  # generated once: the same for every role


@pytest.fixture
def api_schema(client, register, leader):
    if not SCHEMA_DOCUMENT:
        client.force_login(leader)
        SCHEMA_DOCUMENT.update(client.get("/api/schema/", {"format": "json"}).json())
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(SCHEMA_DOCUMENT))
    loaded.app = application
    return loaded


def fuzz(operation, mode, headers, label: str) -> bool:
    """Send EXAMPLES_PER_OPERATION cases of ``operation``; False when it has no cases of
    this mode (nothing to get wrong: no body, no parameters)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @seed(zlib.crc32(label.encode()))  # reproducible, yet different for each role
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_as_documented(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        answers_as_documented()
    except Unsatisfiable:
        return False
    return True


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_gets_documented_answers_and_never_a_server_error(api_schema, request,
                                                                     persona):
    headers = {"Authorization": f"Token {issue_api_token(request.getfixturevalue(persona))[1]}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # signing out (DELETE auth/token/) revokes the token every case is sent with: last
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE"
                    and operation.path.endswith("/auth/token/"))
    assert len(operations) >= 50
    failures, fuzzed = [], 0
    with database_connection_kept_open():
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                label = f"{persona} {operation.label} {mode.value}"
                try:
                    fuzzed += fuzz(operation, mode, headers, label)
                except (Exception, BaseExceptionGroup) as error:  # every failure, reported at once
                    failures.append(f"{label}:\n{error}")
    assert not failures, "\n\n".join(failures)
    # every operation has positive cases; most have negative ones too
    assert fuzzed >= len(operations) * 3 // 2
