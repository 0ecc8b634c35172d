"""The meetings pages: who may open and post to each (allowed / 403 / 404 / login), what a
refused post leaves unchanged, the locked record and its amendments, printable minutes,
the calendar, the whistle board, the tier dashboard with its flags, and fixed query
counts on the list pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.choices import ActionItemStatus, Decision, MeetingStatus
from meetings.models import ActionItem, Amendment, DepartmentReport, Meeting, WhistleCall
from risks.choices import RiskLevel, Tier
from risks.models import Risk
from tests.meetings_helpers import days_ago, decide, escalated, hold, resolving


@pytest.fixture
def matter(ready_to_start, officer_a):
    return resolving(ready_to_start, officer_a)


@pytest.fixture
def draft(officer_a, matter):
    """A draft community meeting of A with the matter on its agenda."""
    return hold(officer_a, Tier.COMMUNITY, risks=[matter], title="花园社区联席会议")


@pytest.fixture
def approved(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter], held_on=days_ago(10),
                   title="花园社区十月联席会议")
    decide(meeting, officer_a, {matter: Decision.FOLLOW_UP})
    services.add_action_item(meeting, actor=officer_a, item=meeting.items.get(),
                             title="组织双方再次调解", owner=officer_a, deadline=days_ago(3))
    return services.approve_meeting(meeting, actor=officer_a)


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def state(meeting):
    fresh = Meeting.objects.get(pk=meeting.pk)
    return (fresh.status, fresh.version, fresh.minutes,
            list(fresh.items.values_list("pk", "decision")), fresh.action_items.count())


# Who opens what ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["meeting_list", "meeting_calendar", "action_item_list",
                                  "whistle_board", "tier_dashboards", "meeting_create"])
def test_anonymous_visitor_is_sent_to_login(client, db, name):
    response = client.get(url(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona,expected", [
    ("officer_a", 200), ("colleague_a", 200), ("leader", 200), ("supervisor_a", 200),
    ("grid_worker_a1", 200), ("officer_b", 404), ("social_staff", 404),
    ("other_street_leader", 404),
])
def test_meeting_page_follows_the_scope(client, request, approved, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("meeting_detail", approved.pk)).status_code == expected


def test_minutes_are_withheld_from_who_sees_only_their_matters_decision(client, approved,
                                                                       grid_worker_a1):
    client.force_login(grid_worker_a1)
    content = client.get(url("meeting_detail", approved.pk)).content.decode()
    assert 'data-testid="minutes-withheld"' in content
    assert approved.minutes not in content and "组织双方再次调解" in content


@pytest.mark.parametrize("persona,expected", [
    ("officer_a", 200), ("leader", 200), ("grid_worker_a1", 403), ("section_staff", 403),
    ("supervisor_a", 403),
])
def test_convening_page_is_for_those_who_convene(client, request, street, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("meeting_create")).status_code == expected


def test_officer_convenes_through_the_page(client, officer_a, street):
    client.force_login(officer_a)
    response = client.post(url("meeting_create"), {
        "tier": Tier.COMMUNITY, "kind": "joint", "area": street.community_a.pk,
        "title": "花园社区联席会议", "held_on": timezone.localdate().isoformat(),
        "chair": officer_a.pk, "attendees": [officer_a.pk]})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == url("meeting_detail",
                                                                       meeting.pk)
    assert list(meeting.attendees.all()) == [officer_a]


def test_convening_form_shows_a_rule_next_to_its_field(client, leader, street):
    client.force_login(leader)
    response = client.post(url("meeting_create"), {
        "tier": Tier.COMMUNITY, "kind": "joint", "area": street.street.pk, "title": "会议",
        "held_on": timezone.localdate().isoformat()})
    assert response.status_code == 200 and 'data-testid="error-area"' in response.content.decode()
    assert not Meeting.objects.exists()


# Posting to a meeting ----------------------------------------------------------------------

def post_as(client, user, name, meeting, data=None, *extra):
    client.force_login(user)
    return client.post(url(name, meeting.pk, *extra), data or {})


@pytest.mark.parametrize("persona,expected", [
    ("grid_worker_a1", 403), ("supervisor_a", 403), ("officer_b", 404), ("social_staff", 404),
])
def test_refused_posts_to_a_meeting_change_nothing(client, request, draft, matter, persona,
                                                   expected):
    user = request.getfixturevalue(persona)
    item = draft.items.get()
    before = state(draft)
    posts = [("meeting_approve", {}, ()), ("agenda_add", {"topic": "议题"}, ()),
             ("agenda_adopt", {}, ()), ("agenda_remove", {}, (item.pk,)),
             ("decision_record", {f"item-{item.pk}-decision": "escalate",
                                  f"item-{item.pk}-note": "升级"}, (item.pk,)),
             ("action_item_add", {"title": "任务", "owner": user.pk,
                                  "deadline": timezone.localdate().isoformat()}, ()),
             ("meeting_discard", {}, ())]
    for name, data, extra in posts:
        assert post_as(client, user, name, draft, data, *extra).status_code == expected, name
    assert state(draft) == before
    assert Risk.objects.get(pk=matter.pk).tier == Tier.COMMUNITY


def test_chair_decides_assigns_and_approves_through_the_page(client, officer_a, draft, matter):
    item = draft.items.get()
    post_as(client, officer_a, "decision_record", draft,
            {f"item-{item.pk}-decision": "escalate", f"item-{item.pk}-note": "提请街道"},
            item.pk)
    post_as(client, officer_a, "action_item_add", draft,
            {"title": "准备提请材料", "owner": officer_a.pk, "item": item.pk,
             "deadline": timezone.localdate().isoformat()})
    response = post_as(client, officer_a, "meeting_approve", draft)
    assert response.status_code == 302
    assert Meeting.objects.get(pk=draft.pk).status == MeetingStatus.APPROVED
    assert Risk.objects.get(pk=matter.pk).tier == Tier.STREET
    assert ActionItem.objects.get().item == item


def test_approving_without_decisions_says_why_and_changes_nothing(client, officer_a, draft):
    before = state(draft)
    response = post_as(client, officer_a, "meeting_approve", draft)
    assert response.status_code == 400
    assert 'data-testid="approve-errors"' in response.content.decode()
    assert state(draft) == before


def test_a_refused_decision_comes_back_with_what_was_typed(client, officer_a, draft):
    item = draft.items.get()
    response = post_as(client, officer_a, "decision_record", draft,
                       {f"item-{item.pk}-decision": "escalate", f"item-{item.pk}-note": ""},
                       item.pk)
    assert response.status_code == 400
    assert 'data-testid="error-note"' in response.content.decode()


def test_proposed_items_are_shown_to_the_chair_and_adopted(client, officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY)
    client.force_login(officer_a)
    content = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert f'data-proposed-risk="{matter.code}"' in content
    post_as(client, officer_a, "agenda_adopt", meeting)
    assert [item.risk for item in meeting.items.all()] == [matter]


def test_an_agenda_item_outside_the_scope_is_not_found(client, officer_a, report, officer_b,
                                                       street):
    matter_b = report(officer_b, area=street.grid_b1)
    meeting = hold(officer_a, Tier.COMMUNITY)
    response = post_as(client, officer_a, "agenda_add", meeting, {"risk": matter_b.pk})
    assert response.status_code == 404 and not meeting.items.exists()


# The locked record -------------------------------------------------------------------------

def test_editing_approved_minutes_leads_to_the_amendment_page(client, officer_a, approved):
    client.force_login(officer_a)
    response = client.get(url("meeting_edit", approved.pk))
    assert response["Location"] == url("meeting_amend", approved.pk)
    before = state(approved)
    client.post(url("meeting_edit", approved.pk), {"title": "改", "kind": "joint",
                                                   "held_on": "2026-01-01"})
    assert state(approved) == before


def test_amendment_through_the_page_keeps_the_history(client, officer_a, approved):
    client.force_login(officer_a)
    response = client.post(url("meeting_amend", approved.pk), {
        "part": "minutes", "minutes-minutes": "更正后的纪要", "minutes-reason": "笔误"})
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.before == approved.minutes and amendment.after == "更正后的纪要"
    content = client.get(url("meeting_detail", approved.pk)).content.decode()
    assert 'data-amendment="1"' in content and "笔误" in content


def test_amendment_without_a_reason_is_refused(client, officer_a, approved):
    client.force_login(officer_a)
    response = client.post(url("meeting_amend", approved.pk), {
        "part": "minutes", "minutes-minutes": "更正后的纪要", "minutes-reason": ""})
    assert response.status_code == 400 and not Amendment.objects.exists()


def test_only_managers_open_the_amendment_page(client, grid_worker_a1, approved):
    client.force_login(grid_worker_a1)
    assert client.get(url("meeting_amend", approved.pk)).status_code == 403


def test_printable_minutes_carry_the_date_in_chinese_and_the_printer(client, officer_a,
                                                                     approved):
    client.force_login(officer_a)
    response = client.get(url("meeting_print", approved.pk))
    content = response.content.decode()
    assert response.status_code == 200 and approved.minutes in content
    assert approved.held_on.strftime("%Y年").lstrip("0") in content
    assert "css/meetings.css" in content and officer_a.display_name in content


def test_calendar_shows_the_meeting_on_its_day(client, officer_a, approved):
    client.force_login(officer_a)
    month = approved.held_on.strftime("%Y-%m")
    content = client.get(url("meeting_calendar"), {"month": month}).content.decode()
    day = approved.held_on.isoformat()
    cell = content[content.index(f'data-day="{day}"'):]
    assert approved.title in cell[:cell.index("</td>")]


def test_meeting_list_filters_by_tier(client, leader, officer_a, matter):
    hold(officer_a, Tier.COMMUNITY, title="社区会议甲")
    hold(leader, Tier.STREET, title="街道会议乙")
    client.force_login(leader)
    content = client.get(url("meeting_list"), {"tier": "street"}).content.decode()
    assert "街道会议乙" in content and "社区会议甲" not in content


# Action items ------------------------------------------------------------------------------

def test_overdue_action_item_shows_on_the_list_and_the_tier_dashboard(client, officer_a,
                                                                      approved):
    client.force_login(officer_a)
    listed = client.get(url("action_item_list"), {"overdue": "true"}).content.decode()
    assert "组织双方再次调解" in listed and 'data-overdue="true"' in listed
    dashboard = client.get(url("tier_dashboard", "community"))
    assert dashboard.context["figures"]["overdue_items"] == 1
    assert "组织双方再次调解" in dashboard.content.decode()


def test_owner_completes_the_action_item_on_its_page(client, officer_a, approved):
    action_item = ActionItem.objects.get()
    client.force_login(officer_a)
    response = client.post(url("action_item_transition", action_item.pk),
                           {"action": "complete", "note": "已调解成功"})
    assert response.status_code == 302
    assert ActionItem.objects.get().status == ActionItemStatus.DONE


@pytest.mark.parametrize("persona,expected", [("grid_worker_a1", 403), ("officer_b", 404)])
def test_others_cannot_complete_the_action_item(client, request, approved, persona, expected):
    action_item = ActionItem.objects.get()
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url("action_item_transition", action_item.pk),
                           {"action": "complete", "note": "代为完成"})
    assert response.status_code == expected
    assert ActionItem.objects.get().status == ActionItemStatus.OPEN
    assert not action_item.progress.exists()


# Whistles ----------------------------------------------------------------------------------

@pytest.fixture
def overdue_call(report, grid_worker_a1, street, section_staff):
    matter = report(grid_worker_a1)
    now = timezone.now()
    return services.blow_whistle(matter, actor=grid_worker_a1, departments=[street.department],
                                 request="请到场。", called_at=now - timedelta(days=2),
                                 respond_by=now - timedelta(days=1))


def test_whistle_board_marks_the_overdue_department(client, leader, overdue_call):
    client.force_login(leader)
    content = client.get(url("whistle_board"), {"overdue": "true"}).content.decode()
    assert f'data-call="{overdue_call.pk}"' in content and 'data-overdue="true"' in content
    dashboard = client.get(url("tier_dashboard", "street"))
    assert dashboard.context["figures"]["overdue_calls"] == 1


def test_grid_worker_blows_the_whistle_through_the_page(client, grid_worker_a1, report, street,
                                                        section_staff):
    matter = report(grid_worker_a1)
    client.force_login(grid_worker_a1)
    lookup = client.get(url("whistle_create"), {"code": matter.code})
    assert 'data-testid="whistle-form"' in lookup.content.decode()
    respond_by = (timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"{url('whistle_create')}?risk={matter.pk}", {
        "departments": [street.department.pk], "respond_by": respond_by, "request": "请到场"})
    call = WhistleCall.objects.get()
    assert response["Location"] == url("whistle_detail", call.pk)


def test_called_department_reports_in_on_the_page(client, overdue_call, section_staff):
    report = overdue_call.reports.get()
    client.force_login(section_staff)
    page = client.get(url("whistle_detail", overdue_call.pk)).content.decode()
    assert 'data-testid="report-in-S1-pingan"' in page
    response = client.post(url("whistle_report_in", overdue_call.pk, report.pk), {
        f"report-{report.pk}-plan": "立即派员", f"report-{report.pk}-responder": "张科员"})
    assert response.status_code == 302
    assert DepartmentReport.objects.get().responder == "张科员"


@pytest.mark.parametrize("persona,expected", [("officer_a", 403), ("officer_b", 404)])
def test_others_cannot_report_in_for_the_department(client, request, overdue_call, persona,
                                                    expected):
    report = overdue_call.reports.get()
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url("whistle_report_in", overdue_call.pk, report.pk), {
        f"report-{report.pk}-plan": "代为报到"})
    assert response.status_code == expected
    assert DepartmentReport.objects.get().reported_at is None


# The tier dashboard and the rules ----------------------------------------------------------

def test_tier_dashboard_lists_matters_flagged_by_the_rules(client, leader, officer_a, street,
                                                           matter):
    services.save_escalation_rule(actor=leader, street=street.street, tier=Tier.COMMUNITY,
                                  level=RiskLevel.MEDIUM, days=5)
    client.force_login(officer_a)
    assert client.get(url("tier_dashboard", "community")).context["flagged"] == []
    Risk.objects.filter(pk=matter.pk).update(discovered_at=timezone.now() - timedelta(days=6))
    response = client.get(url("tier_dashboard", "community"))
    assert [risk.code for risk in response.context["flagged"]] == [matter.code]
    assert f'data-flagged="{matter.code}"' in response.content.decode()


def test_leader_sets_the_rules_on_their_page(client, leader, officer_a):
    client.force_login(leader)
    response = client.post(url("escalation_rules"), {"community_high": "3",
                                                     "street_low": "40"})
    assert response.status_code == 302
    client.force_login(officer_a)
    page = client.get(url("escalation_rules"))
    assert page.status_code == 200 and "save-rules" not in page.content.decode()
    assert client.post(url("escalation_rules"), {"community_high": "1"}).status_code == 403


def test_tier_dashboards_lead_to_the_users_tier(client, officer_a, leader):
    client.force_login(officer_a)
    assert client.get(url("tier_dashboards"))["Location"] == url("tier_dashboard", "community")
    client.force_login(leader)
    assert client.get(url("tier_dashboards"))["Location"] == url("tier_dashboard", "street")


def test_unknown_tier_is_not_found(client, leader):
    client.force_login(leader)
    assert client.get("/meetings/tiers/province/").status_code == 404


def test_navigation_offers_the_meetings_pages(client, officer_a):
    client.force_login(officer_a)
    names = [item["url_name"] for item in client.get(reverse("home")).context[
        "navigation_items"]]
    assert {"meetings:meeting_list", "meetings:whistle_board", "meetings:action_item_list",
            "meetings:tier_dashboards"} <= set(names)


# Query counts ------------------------------------------------------------------------------

def many_meetings(leader, officer_a, matter, count):
    """``count`` approved street meetings with a decision and an action item each."""
    escalated(matter, officer_a)
    for number in range(count):
        meeting = hold(leader, Tier.STREET, risks=[matter], title=f"街道会议{number}",
                       held_on=days_ago(number + 1))
        decide(meeting, leader, {matter: Decision.FOLLOW_UP})
        services.add_action_item(meeting, actor=leader, item=meeting.items.get(),
                                 title=f"任务{number}", owner=officer_a, deadline=days_ago(0))
        services.approve_meeting(meeting, actor=leader)


# A list page's queries: the session, the user, the user's area (scope roots, for the
# header), the inbox's unread count, then the page's count and its rows (with their
# meeting, owner and area joined or counted in subqueries). The same bound for 2 and for
# 12 rows shows nothing is fetched per row.
PAGE_QUERIES = 10
# The tier dashboard: the same four, the escalation rules, five figures (open, awaiting,
# flagged, overdue action items, overdue report-ins) and four panels.
DASHBOARD_QUERIES = 15


@pytest.mark.parametrize("count", [2, 12])
@pytest.mark.parametrize("name,args,bound", [
    ("meeting_list", (), PAGE_QUERIES), ("action_item_list", (), PAGE_QUERIES),
    ("meeting_calendar", (), PAGE_QUERIES), ("tier_dashboard", ("street",), DASHBOARD_QUERIES),
    ("tier_dashboard", ("community",), DASHBOARD_QUERIES)])
def test_list_pages_make_a_fixed_number_of_queries(client, leader, officer_a, matter, count,
                                                   name, args, bound,
                                                   django_assert_max_num_queries):
    many_meetings(leader, officer_a, matter, count)
    for user in (officer_a, leader):
        client.force_login(user)
        with django_assert_max_num_queries(bound):
            response = client.get(url(name, *args))
        assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_whistle_board_makes_a_fixed_number_of_queries(client, report, grid_worker_a1, street,
                                                       leader, count,
                                                       django_assert_max_num_queries):
    for _number in range(count):
        services.blow_whistle(report(grid_worker_a1), actor=grid_worker_a1,
                              departments=[street.department], request="请到场",
                              respond_by=timezone.now() + timedelta(hours=1))
    client.force_login(leader)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(url("whistle_board"))
    assert len(response.context["calls"]) == count
