"""The matter page's actions (issue 18): the matter's next step first, the other actions
after it, voiding (作废) set apart as a destructive action; an action whose precondition is
not met yet shown disabled with the transition table's own refusal next to it; resolving
(标记已化解) needs a note, on the page and in the API alike; a written-off or void matter is
read-only on its page but for reopening it."""

import re

import pytest
from django.urls import reverse

from risks import services
from risks.choices import Action, EventKind, RiskStatus
from risks.models import Risk, RiskEvent
from risks.transitions import RISK_TRANSITIONS

RESOLUTION = "经社区调解，双方签订协议，漏水已修复。"


def detail_url(risk):
    return reverse("risks:risk_detail", args=[risk.pk])


def page(client, user, risk) -> str:
    client.force_login(user)
    response = client.get(detail_url(risk))
    assert response.status_code == 200
    return response.content.decode()


def action_bar(content: str) -> str:
    start = content.index('data-testid="actions"')
    return content[start:content.index('data-testid="facts"', start)]


def shown_actions(content: str) -> list[str]:
    """The actions of the bar in the order shown, enabled or disabled."""
    return [action for action in re.findall(r'data-testid="(?:action|blocked)-([a-z_]+)"',
                                            action_bar(content)) if action in Action.values]


def destructive_group(content: str) -> str:
    bar = action_bar(content)
    return bar[bar.index('data-testid="destructive-actions"'):]


def snapshot(risk):
    fresh = Risk.objects.get(pk=risk.pk)
    return fresh.status, fresh.version, fresh.resolved_by_id, RiskEvent.objects.filter(
        risk=risk).count()


@pytest.fixture
def resolving(ready_to_start, officer_a):
    return services.start_risk(ready_to_start(), actor=officer_a)


@pytest.fixture
def resolved(resolving, officer_a):
    return services.resolve_risk(resolving, actor=officer_a, note=RESOLUTION)


# Order: the next step first, the destructive ones apart ----------------------------------

def test_a_verified_matter_offers_starting_first_and_voiding_apart(client, ready_to_start,
                                                                   officer_a):
    content = page(client, officer_a, ready_to_start())
    shown = shown_actions(content)
    assert shown[0] == Action.START
    assert shown[-1] == Action.REJECT
    assert re.search(r'class="btn btn-primary"[^>]*data-testid="action-start"', content)
    group = destructive_group(content)
    assert 'data-testid="action-reject"' in group and "btn-outline-danger" in group
    assert 'data-testid="action-start"' not in group


def test_a_matter_being_resolved_offers_marking_it_resolved_first(client, resolving,
                                                                   officer_a):
    shown = shown_actions(page(client, officer_a, resolving))
    assert shown[0] == Action.RESOLVE
    assert Action.REJECT not in shown


def test_a_resolved_matter_offers_the_write_off_first_to_someone_else(client, resolved,
                                                                       colleague_a):
    shown = shown_actions(page(client, colleague_a, resolved))
    assert shown[0] == Action.CLOSE
    assert set(shown[1:]) >= {Action.REWORK, Action.REOPEN}


# Disabled with the reason -----------------------------------------------------------------

def test_starting_a_high_level_matter_without_its_emergency_plan_is_shown_disabled(
        client, ready_to_start, officer_a):
    risk = ready_to_start("high")
    content = page(client, officer_a, risk)
    assert shown_actions(content)[0] == Action.START
    assert 'data-testid="action-start"' not in content
    assert re.search(r'<button[^>]*disabled[^>]*data-testid="blocked-start"', content)
    reason = RISK_TRANSITIONS.refusal(RISK_TRANSITIONS[Action.START], risk, officer_a)
    assert reason and "一事一案" in reason
    assert f'data-testid="blocked-start-reason">{reason}<' in content
    assert Action.START not in services.available_actions(risk, officer_a)


def test_the_resolver_sees_the_write_off_disabled_with_the_reason(client, resolved,
                                                                  officer_a):
    content = page(client, officer_a, resolved)
    assert 'data-testid="blocked-close"' in content
    assert 'data-testid="action-close"' not in content
    reason = re.search(r'data-testid="blocked-close-reason">([^<]+)<', content).group(1)
    assert "其他人" in reason or "他人" in reason


def test_a_high_level_write_off_without_approval_is_shown_disabled(client, ready_to_start,
                                                                   officer_a, colleague_a):
    risk = ready_to_start("high")
    services.save_emergency_plan(risk, actor=officer_a, start_criteria="扬言伤害他人",
                                 stop_criteria="连续7日无异常", command="街道分管领导",
                                 duties="社区稳控", measures="专人盯守", supplies="执法记录仪")
    risk = services.start_risk(Risk.objects.get(pk=risk.pk), actor=officer_a)
    risk = services.resolve_risk(risk, actor=officer_a, note=RESOLUTION)
    content = page(client, colleague_a, risk)
    assert 'data-testid="blocked-close-reason"' in content
    assert "审批" in re.search(r'data-testid="blocked-close-reason">([^<]+)<',
                              content).group(1)


def test_a_refused_start_keeps_the_note_and_the_button_disabled(client, ready_to_start,
                                                                officer_a):
    risk = ready_to_start("high")
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[risk.pk]),
                           {"action": "start", "version": risk.version, "note": "今天开始化解"})
    assert response.status_code == 400
    content = response.content.decode()
    failed = content[content.index('data-testid="failed-action"'):]
    assert "今天开始化解" in failed
    assert re.search(r'<button class="btn btn-primary" type="submit" disabled>', failed)


# Resolving needs a note -------------------------------------------------------------------

def test_resolving_without_a_note_is_refused_on_the_page_and_changes_nothing(
        client, resolving, officer_a):
    before = snapshot(resolving)
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[resolving.pk]),
                           {"action": "resolve", "version": resolving.version, "note": "  "})
    assert response.status_code == 400
    assert "请在说明中写明化解情况" in response.content.decode()
    assert snapshot(resolving) == before


def test_resolving_without_a_note_is_refused_by_the_api_naming_the_note(api, resolving,
                                                                        officer_a):
    before = snapshot(resolving)
    api.force_authenticate(officer_a)
    url = f"/api/v1/risks/{resolving.pk}/transition/"
    response = api.post(url, {"action": "resolve", "version": resolving.version},
                        format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert snapshot(resolving) == before
    response = api.post(url, {"action": "resolve", "version": resolving.version,
                              "note": RESOLUTION}, format="json")
    assert response.status_code == 200
    event = RiskEvent.objects.filter(risk=resolving, action=Action.RESOLVE).get()
    assert event.note == RESOLUTION


def test_the_resolve_dialog_asks_for_the_resolution_note(client, resolving, officer_a):
    content = page(client, officer_a, resolving)
    assert 'data-bs-target="#action-dialog-resolve"' in content
    dialog = content[content.index('id="action-dialog-resolve"'):]
    dialog = dialog[:dialog.index("</form>")]
    assert re.search(r'<textarea[^>]*name="note"[^>]*required', dialog)


# Closed and void matters are read-only but for reopening -----------------------------------

@pytest.mark.parametrize("ending", ["closed", "invalid"])
def test_a_closed_or_void_matter_is_read_only_but_for_reopening(client, resolved, report,
                                                                officer_a, colleague_a,
                                                                ending):
    if ending == "closed":
        risk = services.close_risk(resolved, actor=colleague_a, note="回访无异常，销号")
    else:
        risk = services.reject_risk(report(officer_a), actor=officer_a,
                                    note="经核实不属于风险隐患")
    content = page(client, officer_a, risk)
    assert shown_actions(content) == [Action.REOPEN]
    assert 'data-testid="read-only"' in content
    assert 'data-testid="edit-link"' not in content
    assert reverse("risks:risk_note_add", args=[risk.pk]) not in content
    assert reverse("risks:risk_party_add", args=[risk.pk]) not in content
    assert 'data-bs-target="#action-dialog-reopen"' in content
    dialog = content[content.index('id="action-dialog-reopen"'):]
    assert re.search(r'<textarea[^>]*name="note"[^>]*required', dialog[:dialog.index("</form>")])


def test_reopening_a_written_off_matter_brings_its_actions_back(client, resolved, officer_a,
                                                               colleague_a):
    closed = services.close_risk(resolved, actor=colleague_a, note="回访无异常，销号")
    client.force_login(officer_a)
    response = client.post(reverse("risks:risk_transition", args=[closed.pk]),
                           {"action": "reopen", "version": closed.version,
                            "note": "当事人再次反映漏水"})
    assert response.status_code == 302
    reopened = Risk.objects.get(pk=closed.pk)
    assert reopened.status == RiskStatus.RESOLVING
    content = page(client, officer_a, reopened)
    assert shown_actions(content)[0] == Action.RESOLVE
    assert 'data-testid="edit-link"' in content
    assert RiskEvent.objects.filter(risk=closed, kind=EventKind.TRANSITION,
                                    action=Action.REOPEN).exists()
