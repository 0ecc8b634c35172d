"""The ledgers' pages: scope, the register's filters, the same columns as the export,
masking, the navigation entry, and a fixed number of queries however many matters."""

import pytest
from django.urls import reverse

from ledgers.choices import Ledger
from risks import services as risk_services

PAGES = ("online", "archive", "disputes", "key_matters", "baseline", "progress")


def page_url(name: str) -> str:
    return reverse("ledgers:ledger_page", args=[name])


@pytest.fixture
def matter_a(report, officer_a):
    risk = report(officer_a, title="楼上漏水纠纷")
    risk_services.add_party(risk, actor=officer_a, name="张三丰", phone="13812345678")
    return risk


@pytest.fixture
def matter_b(report, officer_b, street):
    return report(officer_b, area=street.grid_b1, title="东泉停车纠纷",
                  description="车位归属引发争执。")


def test_anonymous_visitor_is_sent_to_login(client, street):
    response = client.get(page_url("online"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona,sees_a,sees_b", [
    ("grid_worker_a1", True, False), ("officer_a", True, False), ("officer_b", False, True),
    ("supervisor_a", True, False), ("leader", True, True), ("social_staff", False, False),
])
@pytest.mark.parametrize("ledger", ["online", "archive", "disputes"])
def test_matter_ledgers_show_only_the_scope(client, request, matter_a, matter_b, persona,
                                            sees_a, sees_b, ledger):
    client.force_login(request.getfixturevalue(persona))
    content = client.get(page_url(ledger)).content.decode()
    assert (matter_a.code in content) is sees_a
    assert (matter_b.code in content) is sees_b


def test_pages_never_show_parties_in_the_clear(client, unmasker, matter_a):
    client.force_login(unmasker)
    content = client.get(page_url("online")).content.decode()
    assert "13812345678" not in content and "张三丰" not in content
    assert "138****5678" in content


def test_page_shows_the_export_columns_and_links_the_filtered_export(client, officer_a,
                                                                     matter_a):
    client.force_login(officer_a)
    response = client.get(page_url("online"), {"status": "reported"})
    content = response.content.decode()
    for header in ("编号", "社区", "网格", "调度责任人", "包案领导", "销号时间"):
        assert f">{header}<" in content
    export = reverse("ledgers:ledger_export", args=["online"])
    assert f'href="{export}?status=reported"' in content
    assert 'data-testid="export-unmasked-link"' not in content


def test_baseline_and_progress_pages_show_the_scopes_counts(client, officer_b, matter_a,
                                                            matter_b):
    client.force_login(officer_b)
    baseline = client.get(page_url("baseline")).content.decode()
    assert "东泉社区" in baseline and "花园社区" not in baseline
    progress = client.get(page_url("progress")).content.decode()
    assert 'data-community="东泉社区"' in progress and "花园社区" not in progress


def test_filtering_within_another_community_is_404(client, officer_a, street):
    client.force_login(officer_a)
    for ledger in PAGES:
        assert client.get(page_url(ledger), {"within": street.community_b.pk}).status_code \
            == 404


def test_unknown_or_unavailable_ledger_is_404(client, leader, street):
    client.force_login(leader)
    assert client.get(page_url("nonsense")).status_code == 404
    assert client.get(page_url(Ledger.KEY_MATTERS)).status_code in (200, 404)


def test_page_export_downloads_the_workbook(client, officer_a, matter_a):
    client.force_login(officer_a)
    response = client.get(reverse("ledgers:ledger_export", args=["online"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_ledgers_are_in_the_navigation(client, officer_a, api_client_user):
    client.force_login(officer_a)
    assert reverse("ledgers:ledger_index") in client.get("/").content.decode()
    index = client.get(reverse("ledgers:ledger_index")).content.decode()
    for ledger in PAGES:
        assert page_url(ledger) in index


# Session, user, scope, the filter form's choices (categories, subtypes, areas,
# departments), the count, the page of rows (one joined SELECT) and its parties, the
# header (inbox count, navigation), and the session save (savepoint, update, release).
# Measured 16 for the matter ledgers and 15 for the progress ledger, whatever the rows.
PAGE_QUERIES = 16


@pytest.mark.parametrize("rows", [10, 200])
def test_ledger_pages_run_a_fixed_number_of_queries(client, leader, officer_a, report, rows,
                                                    django_assert_max_num_queries):
    for number in range(rows):
        risk = report(officer_a, title=f"纠纷{number}", description=f"情况{number}")
        if number % 3 == 0:
            risk_services.add_party(risk, actor=officer_a, name="李四", phone="13812345678")
    client.force_login(leader)
    for ledger in PAGES:
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(page_url(ledger)).status_code == 200
