"""The incremental sync walk: ``risks/?updated_after=T&ordering=updated_at`` through all
pages never skips a matter changed after T, and shows a matter twice only when it changed
again during the walk (and then its newer version comes later)."""

import random
import threading
import time
from datetime import datetime

import pytest
from django.utils import timezone

from risks import services
from risks.models import Risk


def walk(api, url, params, pause=0.0, until=None):
    """Follow ``next`` links; returns [(id, version, updated_at)] in walk order. With
    ``until``, a client that reached the end polls again from the last change it saw,
    as the district platform does, until ``until()`` says stop."""
    seen = []
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [(row["id"], row["version"], row["updated_at"]) for row in body["results"]]
        if body["next"] is None and (until is None or until()):
            return seen
        time.sleep(pause)
        if body["next"]:
            response = api.get(body["next"])
        else:
            resume_from = seen[-1][2] if seen else params["updated_after"]
            response = api.get(url, {**params, "updated_after": resume_from})


def test_walk_pages_through_every_changed_matter_once(api, report, officer_a, settings):
    settings.SYNC_SETTLE_SECONDS = 0
    old = report(officer_a)
    time.sleep(0.01)
    since = timezone.now()
    fresh = [report(officer_a) for _ in range(7)]
    services.verify_risk(old, actor=officer_a)  # changed after T: must be in the walk
    api.force_authenticate(officer_a)
    seen = walk(api, "/api/v1/risks/", {"updated_after": since.isoformat(),
                                        "ordering": "updated_at", "page_size": 3})
    ids = [row[0] for row in seen]
    assert sorted(ids) == sorted([risk.pk for risk in fresh] + [old.pk])
    assert len(ids) == len(set(ids))
    stamps = [datetime.fromisoformat(row[2]) for row in seen]
    assert stamps == sorted(stamps)


def test_walk_leaves_the_last_moments_for_the_next_walk(api, report, officer_a, settings):
    settings.SYNC_SETTLE_SECONDS = 60
    report(officer_a)
    api.force_authenticate(officer_a)
    body = api.get("/api/v1/risks/", {"ordering": "updated_at"}).json()
    assert body["results"] == [] and body["next"] is None


def test_bad_cursor_is_a_clear_400(api, street, officer_a):
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/risks/", {"ordering": "updated_at", "cursor": "garbage!"})
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_walk_misses_nothing_while_another_thread_creates_and_edits(
        api, street, categories, officer_a, settings):
    settings.SYNC_SETTLE_SECONDS = 1
    area, category = street.grid_a1, categories["disputes"]

    def new():
        return services.report_risk(actor=officer_a, title="同步测试", description="同步期间的变更",
                                    category=category, area=area).risk

    existing = [new() for _ in range(30)]
    time.sleep(0.05)
    since = timezone.now()
    done = threading.Event()
    errors = []
    operations = 80

    def writer():
        from django.db import connection

        rng = random.Random(7)
        try:
            for _ in range(operations):
                if rng.random() < 0.5:
                    new()
                else:
                    risk = Risk.objects.get(pk=rng.choice(existing).pk)
                    services.update_risk(risk, actor=officer_a, version=risk.version,
                                         changes={"title": f"同步测试{rng.randint(1, 10**6)}"})
                time.sleep(0.005)
        except Exception as error:  # asserted below
            errors.append(error)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    api.force_authenticate(officer_a)
    try:
        # the client keeps walking (and polling from its last change) while the writer works
        seen = walk(api, "/api/v1/risks/", {"updated_after": since.isoformat(),
                                            "ordering": "updated_at", "page_size": 7},
                    pause=0.05, until=done.is_set)
    finally:
        thread.join()
    assert errors == []
    # The writer has stopped: finish the walk once the settle time has passed.
    time.sleep(settings.SYNC_SETTLE_SECONDS + 0.2)
    last_stamp = seen[-1][2] if seen else since.isoformat()
    seen += walk(api, "/api/v1/risks/", {"updated_after": last_stamp,
                                         "ordering": "updated_at", "page_size": 50})

    final = {risk.pk: risk.version for risk in Risk.objects.filter(updated_at__gt=since)}
    last_seen_version = {}
    for pk, version, _ in seen:
        if pk in last_seen_version:
            # shown again only because it changed again, and the newer version comes later
            assert version > last_seen_version[pk], f"matter {pk} repeated unchanged"
        last_seen_version[pk] = version
    missing = set(final) - set(last_seen_version)
    assert not missing, f"the walk skipped {len(missing)} changed matters"
    assert all(last_seen_version[pk] == version for pk, version in final.items())
    assert len(final) >= 30  # the writer's new and edited matters are all there
