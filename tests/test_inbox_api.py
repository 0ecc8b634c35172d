"""The inbox through the API (API_CONTRACT.md ``notices/``): the caller's own notices,
newest first and paginated; one notice; marking one or all read. Another person's notice
is 404, as if missing."""

import pytest
from django.utils import timezone

from inbox.models import Message
from inbox.services import notify
from risks import notices


@pytest.fixture
def reported(report, grid_worker_a1, officer_a, colleague_a):
    """A matter the grid worker reported: both officers of community A are told."""
    return report(grid_worker_a1)


def test_the_inbox_lists_only_the_callers_notices_newest_first(api, reported, officer_a,
                                                               colleague_a):
    notify([officer_a], kind="test", title="较新的通知", key="test:1", email=False)
    api.force_authenticate(officer_a)
    body = api.get("/api/v1/notices/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [row["title"] for row in body["results"]][0] == "较新的通知"
    assert {row["id"] for row in body["results"]} == set(
        Message.objects.filter(recipient=officer_a).values_list("pk", flat=True))


def test_a_notice_about_a_matter_names_its_code_and_links_its_page(api, client, reported,
                                                                   officer_a):
    message = Message.objects.get(recipient=officer_a, kind=notices.REPORTED)
    api.force_authenticate(officer_a)
    body = api.get(f"/api/v1/notices/{message.pk}/").json()
    assert set(body) == {"id", "kind", "title", "body", "url", "created_at", "read_at"}
    assert (body["id"], body["kind"], body["read_at"]) == (message.pk, "risk_reported", None)
    assert reported.code in body["title"]
    assert body["url"] == f"http://testserver/risks/{reported.pk}/"
    client.force_login(officer_a)
    assert client.get(body["url"]).status_code == 200


def test_another_persons_notice_is_not_found(api, reported, officer_a, colleague_a, leader):
    theirs = Message.objects.get(recipient=colleague_a)
    api.force_authenticate(officer_a)
    assert api.get(f"/api/v1/notices/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/notices/{theirs.pk}/read/").status_code == 404
    assert Message.objects.get(pk=theirs.pk).read_at is None
    api.force_authenticate(leader)  # nobody sees another's inbox, whatever their scope
    assert api.get(f"/api/v1/notices/{theirs.pk}/").status_code == 404


def test_reading_a_notice_marks_it_read_once(api, reported, officer_a):
    message = Message.objects.get(recipient=officer_a)
    api.force_authenticate(officer_a)
    response = api.post(f"/api/v1/notices/{message.pk}/read/")
    assert response.status_code == 200
    first = response.json()["read_at"]
    assert first is not None
    again = api.post(f"/api/v1/notices/{message.pk}/read/").json()
    assert again["read_at"] == first


def test_read_all_marks_only_the_callers_notices(api, reported, officer_a, colleague_a):
    notify([officer_a], kind="test", title="另一条", key="test:2", email=False)
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/notices/read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 2}
    assert not Message.objects.filter(recipient=officer_a, read_at__isnull=True).exists()
    assert Message.objects.get(recipient=colleague_a).read_at is None
    assert api.post("/api/v1/notices/read-all/").json() == {"marked": 0}


def test_the_inbox_needs_a_signed_in_caller(api, reported):
    assert api.get("/api/v1/notices/").status_code == 401
    assert api.post("/api/v1/notices/read-all/").status_code == 401


def test_a_phone_reads_its_inbox_with_a_token(api, reported, officer_a):
    from accounts.services import issue_api_token

    _token, key = issue_api_token(officer_a, name="手机", days=1)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/notices/").json()["count"] == 1


@pytest.mark.parametrize("how_many", [2, 40])
def test_the_inbox_page_costs_the_same_queries_whatever_its_rows(
        api, officer_a, how_many, django_assert_num_queries):
    notify([officer_a], kind="test", title="通知", key="test:0", email=False)
    for n in range(1, how_many):
        Message.objects.create(recipient=officer_a, kind="test", title=f"通知{n}",
                               dedupe_key=f"test:{n}", batch=Message.objects.first().batch,
                               created_at=timezone.now())
    api.force_authenticate(officer_a)
    with django_assert_num_queries(2):  # the count, the page
        body = api.get("/api/v1/notices/").json()
    assert body["count"] == how_many
