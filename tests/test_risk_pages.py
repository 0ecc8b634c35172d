"""The register's browser pages for a single matter: who may open and post to each page
(allowed / 403 / 404 / login), what a refused post leaves unchanged, masking, unmasking,
the report form with its duplicate suggestions, the edit form's optimistic locking, and
the buttons for exactly the actions the user may take now."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from risks import services
from risks.choices import EventKind, RiskLevel, RiskStatus
from risks.models import EmergencyPlan, Party, ResolutionPlan, Risk, RiskEvent

PHONE = "13812345678"
MASKED_PHONE = "138****5678"


@pytest.fixture
def matter(report, grid_worker_a1):
    """A matter reported by the grid worker in grid A1 (community A)."""
    return report(grid_worker_a1)


@pytest.fixture
def matter_b(report, officer_b, street):
    """A matter of community B: outside the scope of A's people."""
    return report(officer_b, area=street.grid_b1, title="东泉小区停车纠纷",
                  description="车位归属引发争执。")


@pytest.fixture
def matter_with_party(matter, officer_a):
    services.add_party(matter, actor=officer_a, name="张三丰", phone=PHONE)
    return Risk.objects.get(pk=matter.pk)


def detail_url(risk):
    return reverse("risks:risk_detail", args=[risk.pk])


def snapshot(risk):
    """What a refused request must leave as it was."""
    fresh = Risk.objects.get(pk=risk.pk)
    return (fresh.status, fresh.level, fresh.version, fresh.title,
            RiskEvent.objects.filter(risk=risk).count())


def test_officer_cannot_open_other_community_matter_page(client, officer_a, matter_b):
    client.force_login(officer_a)
    assert client.get(detail_url(matter_b)).status_code == 404


@pytest.mark.parametrize("persona,expected", [
    ("grid_worker_a1", 200), ("officer_a", 200), ("colleague_a", 200), ("leader", 200),
    ("supervisor_a", 200), ("officer_b", 404),
    # the street's centre (平安办) sees its street, to dispatch; another section only what
    # is its own or dispatched to it
    ("section_staff", 200), ("social_staff", 404),
])
def test_matter_page_follows_the_scope(client, request, matter, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(detail_url(matter)).status_code == expected


def test_section_staff_see_their_departments_matter(client, report, officer_a, street,
                                                    section_staff):
    risk = report(officer_a, department=street.department)
    client.force_login(section_staff)
    assert client.get(detail_url(risk)).status_code == 200


@pytest.mark.parametrize("name", ["risk_detail", "risk_edit", "risk_plan_edit",
                                  "risk_emergency_plan_edit", "risk_drill_create"])
def test_anonymous_visitor_is_sent_to_login(client, matter, name):
    response = client.get(reverse(f"risks:{name}", args=[matter.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_post_changes_nothing(client, matter):
    before = snapshot(matter)
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "verify", "version": matter.version})
    assert response.status_code == 302
    assert snapshot(matter) == before


# Buttons and transitions -------------------------------------------------------------

def action_buttons(content: str) -> set[str]:
    return set(re.findall(r'data-testid="action-([a-z]+)"', content))


@pytest.mark.parametrize("persona", ["grid_worker_a1", "officer_a", "leader", "supervisor_a"])
def test_matter_page_offers_exactly_the_available_actions(client, request, matter, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    content = client.get(detail_url(matter)).content.decode()
    assert action_buttons(content) == set(services.available_actions(matter, user))


def test_officer_verifies_with_a_button(client, officer_a, matter):
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "verify", "version": matter.version})
    assert response.status_code == 302
    assert Risk.objects.get(pk=matter.pk).status == RiskStatus.VERIFIED
    assert RiskEvent.objects.filter(risk=matter, action="verify").count() == 1


def test_grid_worker_cannot_verify_and_nothing_changes(client, grid_worker_a1, matter):
    before = snapshot(matter)
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "verify", "version": matter.version})
    assert response.status_code == 403
    assert snapshot(matter) == before


def test_outsider_posting_a_transition_gets_404(client, officer_b, matter):
    before = snapshot(matter)
    client.force_login(officer_b)
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "verify", "version": matter.version})
    assert response.status_code == 404
    assert snapshot(matter) == before


def test_reject_without_a_note_says_so_next_to_the_note(client, officer_a, matter):
    before = snapshot(matter)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "reject", "version": matter.version, "note": "  "})
    assert response.status_code == 400
    assert 'data-testid="error-note"' in response.content.decode()
    assert snapshot(matter) == before


def test_start_without_duties_keeps_the_typed_note(client, officer_a, matter):
    risk = services.verify_risk(matter, actor=officer_a)  # no roster: no duty holders
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"level": RiskLevel.MEDIUM})
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[risk.pk]),
                           {"action": "start", "version": risk.version, "note": "今天开始化解"})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'data-testid="failed-action"' in content and "今天开始化解" in content
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.VERIFIED


def test_stale_version_on_a_transition_changes_nothing(client, officer_a, colleague_a,
                                                       matter):
    seen_version = matter.version
    services.add_note(matter, actor=colleague_a, note="已电话联系")
    before = snapshot(matter)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[matter.pk]),
                           {"action": "verify", "version": seen_version})
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()  # the UI speaks Chinese by default
    assert snapshot(matter) == before


def test_close_writes_off_with_the_resolution_note(client, officer_a, colleague_a,
                                                  ready_to_start, roster_a1):
    risk = ready_to_start()
    risk = services.start_risk(risk, actor=officer_a)
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    client.force_login(colleague_a)
    content = client.get(detail_url(risk)).content.decode()
    assert 'data-bs-target="#action-dialog-close"' in content
    response = client.post(reverse("risks:risk_transition", args=[risk.pk]),
                           {"action": "close", "version": risk.version, "note": "双方和解"})
    assert response.status_code == 302
    closed = Risk.objects.get(pk=risk.pk)
    assert (closed.status, closed.resolution_note) == (RiskStatus.CLOSED, "双方和解")


# Timeline ----------------------------------------------------------------------------

def test_timeline_shows_actor_transition_and_changed_fields(client, officer_a, matter):
    risk = services.verify_risk(matter, actor=officer_a)
    services.update_risk(risk, actor=officer_a, version=risk.version,
                         changes={"level": RiskLevel.HIGH})
    client.force_login(officer_a)
    content = client.get(detail_url(matter)).content.decode()
    timeline = content[content.index('data-testid="timeline"'):]
    assert 'data-kind="created"' in timeline
    assert 'data-kind="transition" data-action="verify"' in timeline
    assert 'data-kind="edited"' in timeline
    assert "officer_a" in timeline and "grid_a1" in timeline
    assert str(RiskLevel.HIGH.label) in timeline


def test_note_from_the_grid_worker_lands_in_the_timeline(client, grid_worker_a1, matter):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_note_add", args=[matter.pk]),
                           {"note": "已上门走访"})
    assert response.status_code == 302
    assert RiskEvent.objects.filter(risk=matter, kind=EventKind.NOTE,
                                    note="已上门走访").exists()


def test_supervisor_cannot_add_a_note(client, supervisor_a, matter):
    before = snapshot(matter)
    client.force_login(supervisor_a)
    response = client.post(reverse("risks:risk_note_add", args=[matter.pk]), {"note": "看过"})
    assert response.status_code == 403
    assert snapshot(matter) == before


def test_empty_note_is_refused_on_the_page(client, officer_a, matter):
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_note_add", args=[matter.pk]), {"note": ""})
    assert response.status_code == 400
    assert 'data-testid="error-note"' in response.content.decode()


# Parties: masked, unmasked on purpose, logged ----------------------------------------

@pytest.mark.parametrize("persona", ["officer_a", "unmasker", "leader"])
def test_matter_page_masks_parties(client, request, matter_with_party, persona):
    client.force_login(request.getfixturevalue(persona))
    content = client.get(detail_url(matter_with_party)).content.decode()
    assert MASKED_PHONE in content and "张**" in content
    assert PHONE not in content and "张三丰" not in content


def test_unmask_button_only_for_holders_of_the_permission(client, officer_a, unmasker,
                                                          matter_with_party):
    client.force_login(officer_a)
    assert 'data-testid="unmask"' not in client.get(detail_url(matter_with_party)).content.decode()
    client.force_login(unmasker)
    assert 'data-testid="unmask"' in client.get(detail_url(matter_with_party)).content.decode()


def test_unmasking_shows_the_phone_and_writes_the_access_log(client, unmasker,
                                                             matter_with_party):
    client.force_login(unmasker)
    response = client.post(reverse("risks:risk_parties_unmask", args=[matter_with_party.pk]),
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert PHONE in response.content.decode() and "张三丰" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.target) == (
        unmasker, AccessLog.Action.UNMASKED_READ, f"risk:{matter_with_party.code}")


def test_unmasking_without_htmx_returns_the_whole_page(client, unmasker, matter_with_party):
    client.force_login(unmasker)
    response = client.post(reverse("risks:risk_parties_unmask", args=[matter_with_party.pk]))
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert AccessLog.objects.count() == 1


def test_unmasking_without_the_permission_is_refused_and_not_logged(client, officer_a,
                                                                    matter_with_party):
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_parties_unmask", args=[matter_with_party.pk]))
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert AccessLog.objects.count() == 0


def test_officer_adds_a_party_and_sees_it_masked(client, officer_a, matter):
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_party_add", args=[matter.pk]),
                           {"name": "李四", "phone": "13900001111", "relation": "complainant"},
                           follow=True)
    assert Party.objects.filter(risk=matter, name="李四").exists()
    content = response.content.decode()
    assert "139****1111" in content and "13900001111" not in content


def test_grid_worker_cannot_add_a_party(client, grid_worker_a1, matter):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_party_add", args=[matter.pk]),
                           {"name": "李四", "phone": "13900001111", "relation": "party"})
    assert response.status_code == 403
    assert not Party.objects.filter(risk=matter).exists()


def test_bad_phone_is_shown_next_to_the_phone_field(client, officer_a, matter):
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_party_add", args=[matter.pk]),
                           {"name": "李四", "phone": "电话号码", "relation": "party"})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'data-testid="error-phone"' in content and 'value="李四"' in content


def test_officer_removes_a_party(client, officer_a, matter_with_party):
    party = Party.objects.get(risk=matter_with_party)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_party_remove",
                                   args=[matter_with_party.pk, party.pk]))
    assert response.status_code == 302
    assert not Party.objects.filter(pk=party.pk).exists()


# Reporting ---------------------------------------------------------------------------

def report_data(street, categories, **overrides):
    data = {"area": street.grid_a1.pk, "category": categories["disputes"].pk, "subtype": "",
            "title": "小区广场舞噪音扰民", "description": "晚间广场舞音响过大，居民多次投诉。",
            "source": "grid_patrol", "discovered_at": "", "party_name": "", "party_phone": "",
            "party_relation": "party"}
    data.update(overrides)
    return data


def test_grid_worker_reports_a_matter(client, grid_worker_a1, street, categories):
    client.force_login(grid_worker_a1)
    assert client.get(reverse("risks:risk_create")).status_code == 200
    response = client.post(reverse("risks:risk_create"), report_data(
        street, categories, party_name="王五", party_phone=PHONE))
    risk = Risk.objects.get(title="小区广场舞噪音扰民")
    assert response["Location"] == detail_url(risk)
    assert (risk.reported_by, risk.area, risk.status) == (
        grid_worker_a1, street.grid_a1, RiskStatus.REPORTED)
    assert Party.objects.get(risk=risk).phone == PHONE


def test_report_form_offers_only_the_users_reportable_areas(client, grid_worker_a1, street):
    client.force_login(grid_worker_a1)
    form = client.get(reverse("risks:risk_create")).context["form"]
    offered = set(form.fields["area"].queryset)
    assert offered == {street.grid_a1, street.micro_a1}
    assert form["area"].value() == street.grid_a1.pk


def test_report_outside_the_scope_is_refused_and_nothing_is_saved(client, grid_worker_a1,
                                                                  street, categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"),
                           report_data(street, categories, area=street.grid_b1.pk))
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not Risk.objects.exists()


def test_report_rule_is_shown_on_its_field_and_keeps_the_input(client, grid_worker_a1,
                                                               street, categories):
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"),
                           report_data(street, categories, discovered_at=future))
    assert response.context["form"].errors.keys() == {"discovered_at"}
    assert "小区广场舞噪音扰民" in response.content.decode()
    assert not Risk.objects.exists()


def test_supervisor_cannot_report(client, supervisor_a, street, categories):
    client.force_login(supervisor_a)
    assert client.get(reverse("risks:risk_create")).status_code == 403
    response = client.post(reverse("risks:risk_create"), report_data(street, categories))
    assert response.status_code == 403
    assert not Risk.objects.exists()


def test_duplicate_suggestions_appear_while_typing(client, grid_worker_a1, matter, street,
                                                    categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_duplicate_suggestions"), report_data(
        street, categories, title=matter.title, description=matter.description),
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert matter.code in response.content.decode()
    assert detail_url(matter) in response.content.decode()


def test_duplicate_suggestions_stay_within_the_scope(client, report, officer_a, street,
                                                     grid_worker_a1, categories):
    hidden = report(officer_a, area=street.grid_a2)  # same community, another grid
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_duplicate_suggestions"), report_data(
        street, categories, title=hidden.title, description=hidden.description))
    assert hidden.code not in response.content.decode()


def test_duplicates_never_block_saving_and_show_on_the_new_matter(client, grid_worker_a1,
                                                                   matter, street,
                                                                   categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), report_data(
        street, categories, title=matter.title, description=matter.description), follow=True)
    assert Risk.objects.count() == 2
    content = response.content.decode()
    assert 'data-testid="matter-suggestions"' in content and matter.code in content


def test_officer_links_a_report_as_duplicate(client, officer_a, matter, report,
                                             grid_worker_a1):
    second = report(grid_worker_a1)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_link_duplicate", args=[second.pk]),
                           {"original": matter.pk, "version": second.version})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.duplicate_of, second.status) == (matter, RiskStatus.INVALID)


# Editing -----------------------------------------------------------------------------

def edit_data(form_initial, **overrides):
    data = {name: ("" if value is None else value) for name, value in form_initial.items()}
    data["discovered_at"] = timezone.localtime(form_initial["discovered_at"]).strftime(
        "%Y-%m-%dT%H:%M")
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona,expected", [
    ("officer_a", 200), ("leader", 200), ("grid_worker_a1", 403), ("supervisor_a", 403),
    ("officer_b", 404),
])
def test_edit_page_by_role_and_scope(client, request, matter, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("risks:risk_edit", args=[matter.pk])).status_code == expected


def test_officer_grades_and_names_the_duties(client, officer_a, grid_worker_a1, leader,
                                             matter):
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[matter.pk])
    initial = client.get(url).context["form"].initial
    response = client.post(url, edit_data(
        initial, level="high", dispatch_person=officer_a.pk,
        investigate_person=grid_worker_a1.pk, resolve_person=officer_a.pk,
        stabilize_person=grid_worker_a1.pk, lead=leader.pk))
    assert response.status_code == 302
    risk = Risk.objects.get(pk=matter.pk)
    assert (risk.level, risk.lead, risk.has_all_duties()) == ("high", leader, True)
    assert RiskEvent.objects.filter(risk=risk, kind=EventKind.DUTY_CHANGED).count() == 4


def test_saving_an_unchanged_form_changes_nothing(client, officer_a, matter):
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[matter.pk])
    before = snapshot(matter)
    response = client.post(url, edit_data(client.get(url).context["form"].initial))
    assert response.status_code == 302
    assert snapshot(matter) == before


def test_stale_version_on_edit_says_so_and_changes_nothing(client, officer_a, colleague_a,
                                                           matter):
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[matter.pk])
    initial = client.get(url).context["form"].initial
    services.update_risk(matter, actor=colleague_a, version=matter.version,
                         changes={"title": "同事改过的标题"})
    before = snapshot(matter)
    response = client.post(url, edit_data(initial, title="我改的标题"))
    assert response.status_code == 409
    content = response.content.decode()
    assert 'data-testid="stale-version"' in content and "我改的标题" in content
    assert snapshot(matter) == before
    assert response.context["form"]["title"].value() == "同事改过的标题"


def test_grid_worker_posting_an_edit_changes_nothing(client, grid_worker_a1, matter):
    before = snapshot(matter)
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_edit", args=[matter.pk]),
                           {"version": matter.version, "title": "改了"})
    assert response.status_code == 403
    assert snapshot(matter) == before


def test_edit_of_a_written_off_matter_is_refused_with_a_message(client, officer_a, matter):
    risk = services.reject_risk(matter, actor=officer_a, note="不属于风险隐患")
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[risk.pk])
    before = snapshot(risk)
    response = client.post(url, edit_data(client.get(url).context["form"].initial,
                                          title="新标题"))
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    assert snapshot(risk) == before


# Plans -------------------------------------------------------------------------------

EMERGENCY_PLAN = {"start_criteria": "双方发生肢体冲突", "stop_criteria": "冲突平息",
                  "command": "街道分管领导", "duties": "社区负责劝导", "measures": "现场稳控",
                  "supplies": "对讲机"}


def test_officer_writes_the_resolution_plan(client, officer_a, matter):
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_plan_edit", args=[matter.pk]),
                           {"measures": "组织双方调解", "owner": officer_a.pk,
                            "target_date": "2030-01-31"})
    assert response.status_code == 302
    plan = ResolutionPlan.objects.get(risk=matter)
    assert (plan.measures, plan.owner) == ("组织双方调解", officer_a)


@pytest.mark.parametrize("name", ["risk_plan_edit", "risk_emergency_plan_edit"])
def test_grid_worker_cannot_write_plans(client, grid_worker_a1, matter, name):
    client.force_login(grid_worker_a1)
    url = reverse(f"risks:{name}", args=[matter.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"measures": "x", **EMERGENCY_PLAN}).status_code == 403
    assert not ResolutionPlan.objects.exists() and not EmergencyPlan.objects.exists()


@pytest.mark.parametrize("name", ["risk_plan_edit", "risk_emergency_plan_edit",
                                  "risk_drill_create"])
@pytest.mark.parametrize("persona,expected", [
    ("officer_a", {200, 302}), ("leader", {200, 302}), ("supervisor_a", {403}),
    ("officer_b", {404}),
])
def test_plan_pages_by_role_and_scope(client, request, matter, name, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(f"risks:{name}", args=[matter.pk]))
    assert response.status_code in expected  # 302: a drill needs an emergency plan first


def test_outsider_cannot_write_a_plan_and_nothing_changes(client, officer_b, matter):
    client.force_login(officer_b)
    url = reverse("risks:risk_emergency_plan_edit", args=[matter.pk])
    assert client.post(url, EMERGENCY_PLAN).status_code == 404
    assert not EmergencyPlan.objects.exists()


def test_emergency_plan_revision_needs_a_reason(client, officer_a, matter):
    client.force_login(officer_a)
    url = reverse("risks:risk_emergency_plan_edit", args=[matter.pk])
    assert client.post(url, EMERGENCY_PLAN).status_code == 302
    response = client.post(url, {**EMERGENCY_PLAN, "supplies": "对讲机、急救箱"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert EmergencyPlan.objects.get(risk=matter).revision == 1
    response = client.post(url, {**EMERGENCY_PLAN, "supplies": "对讲机、急救箱",
                                 "reason": "演练发现缺少急救物资"})
    assert response.status_code == 302
    plan = EmergencyPlan.objects.get(risk=matter)
    assert (plan.revision, plan.supplies, plan.revisions.get().reason) == (
        2, "对讲机、急救箱", "演练发现缺少急救物资")
    content = client.get(detail_url(matter)).content.decode()
    assert 'data-testid="emergency-plan-revisions"' in content


def test_drill_is_recorded_on_the_emergency_plan(client, officer_a, matter):
    client.force_login(officer_a)
    drill_url = reverse("risks:risk_drill_create", args=[matter.pk])
    assert client.get(drill_url).status_code == 302  # no emergency plan yet: write it first
    services.save_emergency_plan(matter, actor=officer_a, **EMERGENCY_PLAN)
    response = client.post(drill_url, {
        "held_on": timezone.localdate().isoformat(), "participants": "社区网格员6人",
        "summary": "按预案完成疏散", "findings": ""})
    assert response.status_code == 302
    assert EmergencyPlan.objects.get(risk=matter).drills.get().summary == "按预案完成疏散"


def test_drill_in_the_future_is_refused_on_its_field(client, officer_a, matter):
    services.save_emergency_plan(matter, actor=officer_a, **EMERGENCY_PLAN)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_drill_create", args=[matter.pk]), {
        "held_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "participants": "社区网格员6人", "summary": "按预案完成疏散"})
    assert response.status_code == 200
    assert "held_on" in response.context["form"].errors


# Navigation --------------------------------------------------------------------------

@pytest.mark.parametrize("persona,shown", [
    ("grid_worker_a1", {"risks:risk_list", "risks:risk_create"}),
    ("officer_a", {"risks:risk_list", "risks:risk_create"}),
    ("supervisor_a", {"risks:risk_list"}),
])
def test_navigation_shows_the_register_to_the_roles_that_use_it(client, request, persona,
                                                                 shown):
    client.force_login(request.getfixturevalue(persona))
    items = {item["url_name"] for item in client.get("/").context["navigation_items"]}
    assert items & {"risks:risk_list", "risks:risk_create"} == shown
