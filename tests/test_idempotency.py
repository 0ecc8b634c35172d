"""Idempotency-Key on every POST of the API (accounts.idempotency): a report retried after a
timeout makes one matter; the same key for another request is refused; a failed first try
leaves the key free for the retry; concurrent retries make one matter."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import idempotency
from accounts.models import IdempotentRequest
from accounts.services import issue_api_token
from accounts.tasks import forget_old_idempotent_requests_task
from risks import services as risk_services
from risks.models import Risk, RiskEvent

RISKS = "/api/v1/risks/"


def new_matter(street, **extra):
    return {"title": "小区物业费纠纷", "description": "业主对物业服务不满，拒缴物业费。",
            "category": "mass_interest", "subtype": "real_estate", "area": street.grid_a1.pk,
            "source": "grid_patrol", **extra}


def with_token(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)[1]}")
    return client


def send(client, body, key, path=RISKS):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(path, body, format="json", **headers)


@pytest.fixture
def worker(grid_worker_a1, categories):
    return with_token(grid_worker_a1)


def test_a_retried_report_makes_one_matter_and_answers_the_first_response(worker, street):
    first = send(worker, new_matter(street), "draft-0001")
    again = send(worker, new_matter(street), "draft-0001")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert idempotency.REPLAYED_HEADER not in first
    assert Risk.objects.filter(title="小区物业费纠纷").count() == 1


def test_the_same_json_encoded_otherwise_is_the_same_request(worker, street):
    import json

    body = new_matter(street)
    first = worker.post(RISKS, json.dumps(body), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = worker.post(RISKS, reordered, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201 and again.content == first.content
    assert Risk.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(worker, street):
    send(worker, new_matter(street), "draft-0002")
    other = send(worker, new_matter(street, title="另一件事：楼道堆物"), "draft-0002")
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert not Risk.objects.filter(title="另一件事：楼道堆物").exists()
    assert Risk.objects.count() == 1


def test_the_same_key_on_another_path_is_refused(worker, street, report, officer_a):
    send(worker, new_matter(street), "draft-0003")
    risk = report(officer_a)
    response = send(worker, {"note": "已走访"}, "draft-0003", path=f"{RISKS}{risk.pk}/notes/")
    assert response.status_code == 422
    assert not RiskEvent.objects.filter(risk=risk, note="已走访").exists()


def test_without_the_header_a_post_behaves_as_before(worker, street):
    assert send(worker, new_matter(street), None).status_code == 201
    assert send(worker, new_matter(street), None).status_code == 201
    assert Risk.objects.filter(title="小区物业费纠纷").count() == 2
    assert not IdempotentRequest.objects.exists()


def test_keys_are_per_user(worker, street, officer_a):
    officer = with_token(officer_a)
    mine = send(worker, new_matter(street), "same-key")
    theirs = send(officer, new_matter(street), "same-key")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert Risk.objects.count() == 2


def test_a_key_older_than_a_day_is_new_again(worker, street):
    first = send(worker, new_matter(street), "yesterday")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    again = send(worker, new_matter(street), "yesterday")
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert idempotency.REPLAYED_HEADER not in again
    assert Risk.objects.count() == 2
    assert IdempotentRequest.objects.get().created_at > timezone.now() - timedelta(minutes=1)


def test_the_hourly_job_forgets_keys_older_than_a_day(worker, street, officer_a):
    send(worker, new_matter(street), "old")
    send(with_token(officer_a), new_matter(street), "recent")
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25))
    assert forget_old_idempotent_requests_task.delay().get() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["recent"]


def test_a_key_longer_than_100_characters_is_refused(worker, street):
    response = send(worker, new_matter(street), "k" * 101)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert send(worker, new_matter(street), "").status_code == 400
    assert not Risk.objects.exists()
    assert send(worker, new_matter(street), "k" * 100).status_code == 201


def test_a_server_error_releases_the_key_so_that_the_retry_runs(grid_worker_a1, categories,
                                                                street, monkeypatch):
    worker = APIClient(raise_request_exception=False)
    worker.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(grid_worker_a1)[1]}")
    report_risk = risk_services.report_risk

    def broken(**arguments):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(risk_services, "report_risk", broken)
    assert send(worker, new_matter(street), "retry-me").status_code == 500
    assert not IdempotentRequest.objects.exists()
    monkeypatch.setattr(risk_services, "report_risk", report_risk)
    retried = send(worker, new_matter(street), "retry-me")
    assert retried.status_code == 201
    assert Risk.objects.count() == 1


def test_a_refusal_is_answered_again_too(worker, street):
    refused = send(worker, new_matter(street, category="nonsense"), "bad-draft")
    assert refused.status_code == 400
    again = send(worker, new_matter(street, category="nonsense"), "bad-draft")
    assert (again.status_code, again.content) == (400, refused.content)
    assert again[idempotency.REPLAYED_HEADER] == "true"


def test_a_session_post_honours_the_key(api, officer_a, street, categories):
    api.force_login(officer_a)
    first = send(api, new_matter(street), "from-the-page")
    again = send(api, new_matter(street), "from-the-page")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert Risk.objects.count() == 1
    assert IdempotentRequest.objects.get().user == officer_a


def test_anonymous_and_bad_tokens_are_refused_as_before(api, street, categories):
    assert send(api, new_matter(street), "anonymous").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert send(api, new_matter(street), "bad-token").status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_a_retried_transition_is_taken_once(report, officer_a):
    risk = report(officer_a)
    officer = with_token(officer_a)
    url = f"{RISKS}{risk.pk}/transition/"
    body = {"action": "verify", "note": "核实属实", "version": risk.version}
    first = send(officer, body, "verify-1", path=url)
    again = send(officer, body, "verify-1", path=url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert RiskEvent.objects.filter(risk=risk, action="verify").count() == 1
    # without the key the retry is what it always was: the matter is verified already
    assert send(officer, body, None, path=url).status_code in (400, 409)


def test_a_key_still_in_progress_answers_409_after_the_wait(worker, grid_worker_a1, street,
                                                             monkeypatch):
    monkeypatch.setattr(idempotency, "WAIT_FOR_FIRST", 0.2)
    IdempotentRequest.objects.create(user=grid_worker_a1, key="slow", path=RISKS,
                                     body_hash=body_hash_of(new_matter(street)))
    response = send(worker, new_matter(street), "slow")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert not Risk.objects.exists()


def test_a_claim_abandoned_by_a_dead_process_is_taken_over(worker, grid_worker_a1, street):
    IdempotentRequest.objects.create(user=grid_worker_a1, key="crashed", path=RISKS,
                                     body_hash=body_hash_of(new_matter(street)),
                                     created_at=timezone.now() - timedelta(minutes=11))
    assert send(worker, new_matter(street), "crashed").status_code == 201
    assert Risk.objects.count() == 1


def body_hash_of(body) -> str:
    from django.test import RequestFactory

    return idempotency.body_fingerprint(RequestFactory().post(RISKS, body,
                                                              content_type="application/json"))


def test_a_multipart_form_is_compared_by_its_fields_and_files_not_its_boundary(db):
    """Each send of a form with a photo has a new random boundary: the same photo and
    fields are the same request; another photo is another."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory
    from django.test.client import encode_multipart

    def form(boundary, photo=b"\x89PNG first photo"):
        data = {"note": "现场照片", "file": SimpleUploadedFile("现场.png", photo, "image/png")}
        return RequestFactory().generic(
            "POST", f"{RISKS}1/attachments/", encode_multipart(boundary, data),
            content_type=f"multipart/form-data; boundary={boundary}")

    fingerprint = idempotency.body_fingerprint
    assert fingerprint(form("one-boundary")) == fingerprint(form("another-boundary"))
    assert fingerprint(form("one-boundary")) != fingerprint(
        form("one-boundary", photo=b"\x89PNG second photo"))


def test_the_schema_documents_the_header_on_every_post(api, leader):
    api.force_login(leader)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    posts = {path: operations["post"] for path, operations in schema["paths"].items()
             if "post" in operations and path != "/api/v1/auth/token/"}
    assert "/api/v1/risks/" in posts and "/api/v1/risks/{id}/transition/" in posts
    for path, operation in posts.items():
        headers = [parameter for parameter in operation.get("parameters", [])
                   if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"]
        assert len(headers) == 1, path
        assert headers[0]["schema"]["maxLength"] == 100
        assert {"422", "409"} <= set(operation["responses"]), path


# Concurrent retries ---------------------------------------------------------------------------

@pytest.mark.postgres
def test_concurrent_retries_of_one_report_make_one_matter(transactional_db, grid_worker_a1,
                                                          street, categories, monkeypatch):
    """Several connections send the same draft at once (a phone retrying while the first
    send is still on its way): one matter; every answer is the first one's (the others waited
    for it and replayed it)."""
    key = issue_api_token(grid_worker_a1)[1]
    report_risk = risk_services.report_risk

    def slow_report(**arguments):
        time.sleep(0.3)  # the others arrive while the first is being answered
        return report_risk(**arguments)

    monkeypatch.setattr(risk_services, "report_risk", slow_report)
    threads = 5
    start = threading.Barrier(threads)
    answers, failures = [], []

    def send_the_draft():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            start.wait()
            response = send(client, new_matter(street, title="并发重发的同一条上报"), "draft-42")
            answers.append((response.status_code, response.content,
                            response.get(idempotency.REPLAYED_HEADER)))
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=send_the_draft) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert Risk.objects.filter(title="并发重发的同一条上报").count() == 1
    assert len(answers) == threads
    assert {status for status, _, _ in answers} == {201}
    assert len({content for _, content, _ in answers}) == 1
    assert sorted(str(replayed) for _, _, replayed in answers) == [
        "None", *["true"] * (threads - 1)]
    assert IdempotentRequest.objects.get().status_code == 201
