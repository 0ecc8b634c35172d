"""The register's list page: scope, filters, sorting, pagination, badges, a fixed number
of queries however many matters there are, and the bulk actions for officers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from risks import services
from risks.choices import EventKind, RiskLevel, RiskStatus
from risks.list_views import RiskListView
from risks.models import Risk, RiskEvent

LIST_URL = reverse("risks:risk_list")
BULK_URL = reverse("risks:risk_bulk")

# Session, user, the user's area (scope), the inbox's unread count in the top bar, the
# count and the page of rows (category, subtype, area and department joined), the filter
# selects (categories, subtypes, areas, departments), the people of the bulk selects
# (read once for all four), and the session save of SESSION_SAVE_EVERY_REQUEST
# (savepoint, update, release).
LIST_QUERIES = 14


@pytest.fixture
def matter(report, grid_worker_a1):
    return report(grid_worker_a1)


@pytest.fixture
def matter_b(report, officer_b, street):
    return report(officer_b, area=street.grid_b1, title="东泉小区停车纠纷",
                  description="车位归属引发争执。")


def listed_codes(response) -> set[str]:
    return {risk.code for risk in response.context["risks"]}


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona,sees_a,sees_b", [
    ("grid_worker_a1", True, False), ("officer_a", True, False), ("officer_b", False, True),
    ("supervisor_a", True, False), ("leader", True, True), ("section_staff", False, False),
])
def test_list_shows_only_the_matters_in_scope(client, request, matter, matter_b, persona,
                                              sees_a, sees_b):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert listed_codes(response) == ({matter.code} if sees_a else set()) | (
        {matter_b.code} if sees_b else set())


def test_list_never_shows_parties(client, officer_a, matter):
    services.add_party(matter, actor=officer_a, name="张三丰", phone="13812345678")
    client.force_login(officer_a)
    content = client.get(LIST_URL).content.decode()
    assert matter.code in content
    assert "13812345678" not in content and "张三丰" not in content


def test_filters_narrow_the_list_and_say_how_many(client, report, officer_a, grid_worker_a1,
                                                  street, categories):
    verified = services.verify_risk(report(grid_worker_a1), actor=officer_a)
    in_a2 = report(officer_a, area=street.grid_a2, title="校门口摊贩占道",
                   category=categories["public_order"])
    client.force_login(officer_a)
    response = client.get(LIST_URL, {"status": "verified"})
    assert listed_codes(response) == {verified.code}
    assert '1 matter in all' in response.content.decode() or "共 1 条" in response.content.decode()
    assert listed_codes(client.get(LIST_URL, {"within": street.grid_a2.pk})) == {in_a2.code}
    assert listed_codes(client.get(LIST_URL, {"category": "public_order"})) == {in_a2.code}
    assert listed_codes(client.get(LIST_URL, {"q": "摊贩"})) == {in_a2.code}


def test_filtering_within_an_area_outside_the_scope_is_404(client, officer_a, street):
    client.force_login(officer_a)
    assert client.get(LIST_URL, {"within": street.community_b.pk}).status_code == 404


def test_overdue_filter_and_red_badge(client, officer_a, matter, report, grid_worker_a1):
    late = services.update_risk(matter, actor=officer_a, version=matter.version, changes={
        "due_on": timezone.localdate() - timedelta(days=2)})
    report(grid_worker_a1, title="另一件事")
    client.force_login(officer_a)
    response = client.get(LIST_URL, {"overdue": "true"})
    assert listed_codes(response) == {late.code}
    assert 'data-overdue="true"' in response.content.decode()


def test_badges_carry_colour_and_text(client, officer_a, leader, report, grid_worker_a1):
    high = report(grid_worker_a1, title="高风险事项")
    high = services.verify_risk(high, actor=officer_a)
    services.update_risk(high, actor=officer_a, version=high.version,
                         changes={"level": RiskLevel.HIGH})
    escalated = services.escalate_risk(report(grid_worker_a1, title="升级事项"),
                                       actor=officer_a, note="社区无法化解")
    closed = services.reject_risk(report(grid_worker_a1, title="无效事项"), actor=officer_a,
                                  note="不属于风险隐患")
    client.force_login(leader)
    content = client.get(LIST_URL).content.decode()
    assert f'class="badge badge-level-high" data-level="high">{RiskLevel.HIGH.label}<' in content
    assert 'class="badge badge-escalated" data-tier="street">' in content
    assert f'class="badge badge-closed" data-status="{closed.status}"' in content
    assert escalated.code in content


def test_sortable_headers_keep_the_filters_and_flip_direction(client, officer_a, matter):
    client.force_login(officer_a)
    headers = client.get(LIST_URL, {"status": "reported"}).context["sort_headers"]
    assert headers["code"]["url"] == "?status=reported&ordering=-code"
    headers = client.get(LIST_URL, {"status": "reported", "ordering": "-code"}).context[
        "sort_headers"]
    assert (headers["code"]["url"], headers["code"]["direction"]) == (
        "?status=reported&ordering=code", "desc")


def test_level_ordering_puts_high_first(client, officer_a, report, grid_worker_a1):
    for level in (RiskLevel.LOW, RiskLevel.HIGH, RiskLevel.MEDIUM):
        risk = services.verify_risk(report(grid_worker_a1, title=f"{level}事项"),
                                    actor=officer_a)
        services.update_risk(risk, actor=officer_a, version=risk.version,
                             changes={"level": level})
    client.force_login(officer_a)
    risks = client.get(LIST_URL, {"ordering": "level"}).context["risks"]
    assert [risk.level for risk in risks] == ["high", "medium", "low"]


def test_status_ordering_follows_a_matters_life(client, officer_a, report, grid_worker_a1):
    reported = report(grid_worker_a1, title="刚上报")
    verified = services.verify_risk(report(grid_worker_a1, title="已核实"), actor=officer_a)
    services.reject_risk(report(grid_worker_a1, title="核实无风险"), actor=officer_a,
                         note="现场核实不存在该情况。")
    client.force_login(officer_a)
    risks = client.get(LIST_URL, {"ordering": "status", "status": ""}).context["risks"]
    assert [risk.pk for risk in risks][:2] == [reported.pk, verified.pk]
    assert risks[len(risks) - 1].status == "invalid"  # not between "closed" and "reported"


def test_pagination_keeps_the_filters(client, officer_a, report, grid_worker_a1,
                                      monkeypatch):
    monkeypatch.setattr(RiskListView, "paginate_by", 2)
    for number in range(3):
        report(grid_worker_a1, title=f"事项{number}")
    client.force_login(officer_a)
    content = client.get(LIST_URL, {"status": "reported", "ordering": "code"}).content.decode()
    assert "?status=reported&amp;ordering=code&amp;page=2" in content
    second = client.get(LIST_URL, {"status": "reported", "ordering": "code", "page": 2})
    assert len(second.context["risks"]) == 1


def test_empty_list_says_what_to_do_next(client, grid_worker_a1):
    client.force_login(grid_worker_a1)
    content = client.get(LIST_URL).content.decode()
    assert 'data-testid="empty-state"' in content
    assert reverse("risks:risk_create") in content


# Query counts ------------------------------------------------------------------------

def fill_register(report, grid_worker_a1, street, how_many: int) -> None:
    for number in range(how_many):
        report(grid_worker_a1, title=f"第{number}号事项",
               area=street.micro_a1 if number % 3 else street.grid_a1,
               department=street.department if number % 2 else None)


@pytest.mark.parametrize("how_many", [10, 200])
def test_list_page_runs_a_fixed_number_of_queries(client, report, officer_a, grid_worker_a1,
                                                  street, how_many,
                                                  django_assert_max_num_queries):
    fill_register(report, grid_worker_a1, street, how_many)
    client.force_login(officer_a)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"status": "reported", "ordering": "level"})
    assert response.context["paginator"].count == how_many


def test_list_page_queries_do_not_grow_with_the_rows(client, report, officer_a,
                                                     grid_worker_a1, street,
                                                     django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer_a)
    fill_register(report, grid_worker_a1, street, 10)
    with CaptureQueriesContext(connection) as ten:
        client.get(LIST_URL)
    fill_register(report, grid_worker_a1, street, 190)
    with django_assert_num_queries(len(ten.captured_queries)):
        client.get(LIST_URL)


# Bulk actions ------------------------------------------------------------------------

def bulk_post(client, risks, operation, **fields):
    data = {"selected": [risk.pk for risk in risks], "operation": operation,
            "next_query": "status=reported", **fields}
    for risk in risks:
        data[f"version_{risk.pk}"] = risk.version
    return client.post(BULK_URL, data)


def test_officer_verifies_many_matters_at_once(client, officer_a, report, grid_worker_a1):
    risks = [report(grid_worker_a1, title=f"事项{number}") for number in range(3)]
    client.force_login(officer_a)
    response = bulk_post(client, risks, "verify")
    assert response.status_code == 302 and response["Location"] == f"{LIST_URL}?status=reported"
    assert set(Risk.objects.values_list("status", flat=True)) == {RiskStatus.VERIFIED}
    assert RiskEvent.objects.filter(action="verify").count() == 3


def test_bulk_reports_each_refusal_and_applies_the_rest(client, officer_a, colleague_a,
                                                        report, grid_worker_a1):
    fine = report(grid_worker_a1, title="可以核实")
    changed_meanwhile = report(grid_worker_a1, title="同事刚改过")
    already_verified = services.verify_risk(report(grid_worker_a1, title="已核实"),
                                            actor=officer_a)
    seen = [fine, Risk.objects.get(pk=changed_meanwhile.pk), already_verified]
    services.add_note(changed_meanwhile, actor=colleague_a, note="补充情况")
    client.force_login(officer_a)
    response = bulk_post(client, seen, "verify")
    messages = [str(message) for message in response.wsgi_request._messages]
    assert Risk.objects.get(pk=fine.pk).status == RiskStatus.VERIFIED
    assert Risk.objects.get(pk=changed_meanwhile.pk).status == RiskStatus.REPORTED
    assert any(changed_meanwhile.code in message for message in messages)
    assert any(already_verified.code in message for message in messages)


def test_bulk_cannot_reach_outside_the_scope(client, officer_a, matter_b):
    before = Risk.objects.get(pk=matter_b.pk).version
    client.force_login(officer_a)
    bulk_post(client, [matter_b], "verify")
    fresh = Risk.objects.get(pk=matter_b.pk)
    assert (fresh.status, fresh.version) == (RiskStatus.REPORTED, before)


def test_bulk_sets_the_level(client, officer_a, report, grid_worker_a1):
    risks = [services.verify_risk(report(grid_worker_a1, title=f"事项{n}"), actor=officer_a)
             for n in range(2)]
    client.force_login(officer_a)
    bulk_post(client, risks, "set_level", level="medium")
    assert set(Risk.objects.values_list("level", flat=True)) == {"medium"}
    assert RiskEvent.objects.filter(kind=EventKind.EDITED).count() == 2


def test_bulk_names_the_duties(client, officer_a, colleague_a, grid_worker_a1, report):
    risks = [report(grid_worker_a1, title=f"事项{n}") for n in range(2)]
    client.force_login(officer_a)
    bulk_post(client, risks, "assign_duties", dispatch_person=colleague_a.pk,
              stabilize_person=grid_worker_a1.pk)
    for risk in Risk.objects.all():
        assert (risk.dispatch_person, risk.stabilize_person, risk.resolve_person) == (
            colleague_a, grid_worker_a1, None)
    assert RiskEvent.objects.filter(kind=EventKind.DUTY_CHANGED).count() == 4


def test_bulk_set_level_needs_a_level(client, officer_a, matter):
    client.force_login(officer_a)
    bulk_post(client, [matter], "set_level", level="")
    assert Risk.objects.get(pk=matter.pk).version == matter.version


@pytest.mark.parametrize("persona", ["grid_worker_a1", "supervisor_a"])
def test_roles_without_bulk_actions_are_refused(client, request, matter, persona):
    client.force_login(request.getfixturevalue(persona))
    assert 'data-testid="bulk-form"' not in client.get(LIST_URL).content.decode()
    response = bulk_post(client, [matter], "verify")
    assert response.status_code == 403
    assert Risk.objects.get(pk=matter.pk).version == matter.version


# A reader whose scope spans several streets (the district, the city) -------------------

def within_choices(response) -> set:
    """The places the page itself lists under "within": the chosen one, if any."""
    return {str(value) for value, _label in response.context["filter_form"]
            .fields["within"].choices if value != ""}


def found_places(client, query="") -> dict:
    """The area picker's answer: {id: label}."""
    answer = client.get(reverse("grids:area_search"), {"q": query})
    assert answer.status_code == 200
    return {row["id"]: row["text"] for row in answer.json()["results"]}


def test_the_within_filter_lists_no_places_but_the_chosen_one(client, superuser, street,
                                                              matter):
    client.force_login(superuser)
    assert within_choices(client.get(LIST_URL)) == set()  # a city has 30,000 grids
    # a place chosen (through the picker, or a link) is listed, so the select shows it
    narrowed = client.get(LIST_URL, {"within": street.grid_a1.pk})
    assert within_choices(narrowed) == {str(street.grid_a1.pk)}
    assert listed_codes(narrowed) == {matter.code}


def test_the_area_picker_finds_places_in_scope_only(client, leader, officer_a, street):
    client.force_login(leader)
    found = found_places(client, street.grid_a1.name)
    assert found[street.grid_a1.pk] == f"{street.community_a.name} / {street.grid_a1.name}"
    assert street.other_street.pk not in found_places(client, street.other_street.name)
    client.force_login(officer_a)
    assert street.community_a.pk in found_places(client)
    assert not {street.community_b.pk, street.street.pk} & set(found_places(client))


def test_the_area_picker_answers_in_few_queries(client, leader, street,
                                                django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(6):  # session, user, the places (with parents)
        found_places(client, "网格")


def test_beyond_one_street_duties_are_offered_for_the_chosen_places_street(
        client, superuser, street, grid_worker_a1, matter):
    from accounts.roles import Role
    from tests.conftest import make_user

    elsewhere = make_user("officer_s2", Role.COMMUNITY_OFFICER, street.community_other)
    client.force_login(superuser)
    whole = client.get(LIST_URL)
    assert "dispatch_person" not in whole.context["bulk_form"].fields
    assert 'data-testid="duties-need-a-place"' in whole.content.decode()
    narrowed = client.get(LIST_URL, {"within": street.community_a.pk})
    # the picker searches the people of the chosen place, and the page lists none of them
    widget = narrowed.context["bulk_form"].fields["dispatch_person"].widget
    search = widget.attrs["data-picker-url"]
    assert search.endswith(f"area={street.community_a.pk}")
    offered = {str(row["id"]) for row in client.get(search).json()["results"]}
    assert str(grid_worker_a1.pk) in offered and str(elsewhere.pk) not in offered
    # naming duties still works from a narrowed list
    bulk_post(client, [matter], "assign_duties", dispatch_person=grid_worker_a1.pk)
    assert Risk.objects.get(pk=matter.pk).dispatch_person == grid_worker_a1
