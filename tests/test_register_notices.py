"""Notices from every step of the register and the flow (issue 17): for each kind, who is
told, who is not (never the person who took the step), and that the notice's link opens
for whoever got it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from inbox.models import Message
from rhythm.services import issue_warning, record_feedback
from risks import approvals, clocks, notices, services
from risks.choices import Action, FollowUpOutcome, Tier
from risks.follow_ups import record_follow_up
from tests.conftest import make_user


def told(kind) -> set[str]:
    return set(Message.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def notice_of(kind, person) -> Message:
    return Message.objects.get(kind=kind, recipient=person)


def opens(client, person, message: Message) -> None:
    """The notice's link answers 200 for its recipient."""
    assert message.link
    client.force_login(person)
    response = client.get(message.link)
    assert response.status_code == 200, (message.kind, message.link, response.status_code)


@pytest.fixture
def social_colleague(street, social_staff):
    return make_user("staff_social2", Role.SECTION_STAFF, street.street,
                     department=social_staff.department)


@pytest.fixture
def verified(report, officer_a, grid_worker_a1):
    """A matter the grid worker reported and the officer verified (its notices cleared)."""
    risk = services.verify_risk(report(grid_worker_a1), actor=officer_a)
    Message.objects.all().delete()
    return risk


@pytest.fixture
def dispatched(verified, officer_a, social_staff):
    risk = services.transition_risk(verified, Action.DISPATCH, actor=officer_a,
                                    department=social_staff.department)
    return risk


# Reported ----------------------------------------------------------------------------------

def test_officer_is_told_of_a_new_report(client, report, grid_worker_a1, officer_a,
                                         colleague_a, officer_b, leader, section_staff):
    risk = report(grid_worker_a1)
    assert told(notices.REPORTED) == {"officer_a", "colleague_a"}
    message = notice_of(notices.REPORTED, officer_a)
    assert risk.code in message.title and message.link == f"/risks/{risk.pk}/"
    opens(client, officer_a, message)


def test_the_officer_who_reports_is_not_told_of_it(report, officer_a, colleague_a):
    report(officer_a)
    assert told(notices.REPORTED) == {"colleague_a"}


def test_matters_reported_together_are_one_notice_per_officer(client, street, categories,
                                                             officer_a, colleague_a,
                                                             officer_b):
    reports = [{"title": f"排查事项{n}", "description": "楼道堆放杂物。",
                "category": categories["disputes"], "area": street.grid_a1}
               for n in range(5)]
    services.report_risks_in_bulk(actor=officer_a, reports=reports)
    assert told(notices.REPORTED) == {"colleague_a"}
    message = notice_of(notices.REPORTED, colleague_a)
    assert "5" in message.title
    opens(client, colleague_a, message)


# Dispatched, signed for, returned --------------------------------------------------------

def test_the_section_is_told_of_a_dispatch(client, social_colleague, dispatched, officer_a,
                                           social_staff, section_staff, colleague_a):
    assert told(notices.DISPATCHED) == {"staff_social", "staff_social2"}
    message = notice_of(notices.DISPATCHED, social_staff)
    assert dispatched.code in message.title and "社会事务办公室" in message.title
    opens(client, social_staff, message)
    opens(client, social_colleague, notice_of(notices.DISPATCHED, social_colleague))


def test_the_dispatcher_and_the_section_are_told_of_the_sign_in(
        client, social_colleague, dispatched, officer_a, social_staff, colleague_a):
    services.transition_risk(dispatched, Action.ACCEPT, actor=social_staff)
    assert told(notices.ACCEPTED) == {"officer_a", "staff_social2"}
    opens(client, officer_a, notice_of(notices.ACCEPTED, officer_a))
    opens(client, social_colleague, notice_of(notices.ACCEPTED, social_colleague))


def test_the_dispatcher_is_told_of_a_return(client, dispatched, officer_a, social_staff,
                                            social_colleague, colleague_a):
    services.transition_risk(dispatched, Action.RETURN, actor=social_staff,
                             note="不属于本科室职责。")
    # the section no longer sees what it returned: only the dispatcher is told
    assert told(notices.RETURNED) == {"officer_a"}
    message = notice_of(notices.RETURNED, officer_a)
    assert message.body == "不属于本科室职责。" and dispatched.code in message.title
    opens(client, officer_a, message)


def test_the_centre_that_dispatched_is_told_of_the_sign_in(client, verified, section_staff,
                                                          social_staff, officer_a):
    risk = services.transition_risk(verified, Action.DISPATCH, actor=section_staff,
                                    department=social_staff.department)
    services.transition_risk(risk, Action.ACCEPT, actor=social_staff)
    assert told(notices.ACCEPTED) == {"staff_pingan"}
    opens(client, section_staff, notice_of(notices.ACCEPTED, section_staff))


# Named on a duty or as lead -------------------------------------------------------------

def test_a_person_named_on_a_duty_is_told(client, verified, officer_a, colleague_a,
                                          grid_worker_a1):
    services.update_risk(verified, actor=officer_a, version=verified.version,
                         changes={"resolve_person": colleague_a})
    assert told(notices.NAMED) == {"colleague_a"}
    message = notice_of(notices.NAMED, colleague_a)
    assert verified.code in message.title and "化解" in message.title
    opens(client, colleague_a, message)


def test_naming_oneself_or_naming_again_tells_nobody(verified, officer_a, roster_a1):
    verified.refresh_from_db()
    services.update_risk(verified, actor=officer_a, version=verified.version,
                         changes={"resolve_person": officer_a, "level": "medium"})
    assert not told(notices.NAMED)


def test_a_person_named_outside_their_area_is_told_and_may_open_it(
        client, report, officer_a, street, grid_worker_a1):
    """A matter of the community (not of the worker's grid): named, the worker opens it."""
    risk = services.verify_risk(report(officer_a, area=street.community_a), actor=officer_a)
    services.update_risk(risk, actor=officer_a, version=risk.version,
                         changes={"stabilize_person": grid_worker_a1})
    opens(client, grid_worker_a1, notice_of(notices.NAMED, grid_worker_a1))


def test_the_lead_official_is_told(client, verified, officer_a, leader):
    services.update_risk(verified, actor=officer_a, version=verified.version,
                         changes={"level": "high", "lead": leader})
    assert told(notices.NAMED) == {"leader"}
    message = notice_of(notices.NAMED, leader)
    assert "包案领导" in message.title
    opens(client, leader, message)


# Escalated and sent down --------------------------------------------------------------------

def test_the_centre_is_told_of_an_escalation_to_the_street(
        client, verified, officer_a, colleague_a, section_staff, social_staff, leader):
    services.escalate_risk(verified, actor=officer_a, note="社区调解未果。")
    assert told(notices.TIER) == {"staff_pingan"}
    message = notice_of(notices.TIER, section_staff)
    assert verified.code in message.title and "街道" in message.title
    assert message.body == "社区调解未果。"
    opens(client, section_staff, message)


def test_the_centre_is_told_of_an_escalation_to_the_district(client, verified, officer_a,
                                                             leader, section_staff):
    risk = services.escalate_risk(verified, actor=officer_a, note="社区调解未果。")
    Message.objects.all().delete()
    risk = services.escalate_risk(risk, actor=leader, note="街道协调未果。")
    assert risk.tier == Tier.DISTRICT
    assert told(notices.TIER) == {"staff_pingan"}
    opens(client, section_staff, notice_of(notices.TIER, section_staff))


def test_the_officers_are_told_when_a_matter_comes_down_to_the_community(
        client, verified, officer_a, colleague_a, officer_b, leader, section_staff):
    risk = services.escalate_risk(verified, actor=officer_a, note="社区调解未果。")
    Message.objects.all().delete()
    services.deescalate_risk(risk, actor=leader, note="交由社区继续化解。")
    assert told(notices.TIER) == {"officer_a", "colleague_a"}
    message = notice_of(notices.TIER, colleague_a)
    assert "社区" in message.title
    opens(client, colleague_a, message)


# Warnings answered -------------------------------------------------------------------------

def test_the_issuer_is_told_that_a_warning_was_answered(client, ready_to_start, officer_a,
                                                        colleague_a, grid_worker_a1):
    warning = issue_warning(ready_to_start(), actor=officer_a, content="情绪激动，需稳控。")
    record_feedback(warning, actor=grid_worker_a1, content="已上门稳控，情绪平稳。")
    assert told(notices.WARNING_ANSWERED) == {"officer_a"}
    message = notice_of(notices.WARNING_ANSWERED, officer_a)
    assert warning.risk.code in message.title and message.body == "已上门稳控，情绪平稳。"
    opens(client, officer_a, message)


def test_answering_ones_own_warning_tells_nobody(ready_to_start, officer_a):
    warning = issue_warning(ready_to_start(), actor=officer_a, content="情绪激动，需稳控。")
    record_feedback(warning, actor=officer_a, content="已稳控。")
    assert not told(notices.WARNING_ANSWERED)


# Approvals ----------------------------------------------------------------------------------

@pytest.fixture
def second_leader(street):
    return make_user("leader2", Role.STREET_LEADER, street.street)


def test_the_street_leaders_are_told_of_a_request_and_the_requester_of_the_decision(
        client, ready_to_start, officer_a, leader, second_leader, other_street_leader):
    risk = ready_to_start()
    Message.objects.all().delete()
    approval = approvals.request_approval(risk, kind="extension", reason="需等待司法鉴定。",
                                          days=5, actor=officer_a)
    assert told(notices.APPROVAL) == {"leader", "leader2"}
    opens(client, leader, notice_of(notices.APPROVAL, leader))
    Message.objects.all().delete()
    approvals.decide_approval(approval, approve=True, note="同意延期。", actor=leader)
    assert told(notices.APPROVAL) == {"officer_a"}
    message = notice_of(notices.APPROVAL, officer_a)
    assert risk.code in message.title
    opens(client, officer_a, message)


def test_a_leader_who_asks_is_not_told_of_their_own_request(ready_to_start, leader,
                                                            second_leader):
    risk = ready_to_start()
    Message.objects.all().delete()
    approvals.request_approval(risk, kind="extension", reason="需等待司法鉴定。", days=5,
                               actor=leader)
    assert told(notices.APPROVAL) == {"leader2"}


# Follow-up calls ----------------------------------------------------------------------------

@pytest.fixture
def written_off(ready_to_start, officer_a, colleague_a):
    risk = services.start_risk(ready_to_start(), actor=officer_a)
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    risk = services.close_risk(risk, actor=colleague_a, note="双方达成调解协议，已履行。")
    Message.objects.all().delete()
    return risk


def test_a_dissatisfied_call_tells_the_officers_and_the_centre(
        client, written_off, officer_a, colleague_a, section_staff, social_staff, officer_b):
    record_follow_up(written_off, outcome=FollowUpOutcome.DISSATISFIED, note="仍有漏水。",
                     actor=officer_a)
    assert told(notices.DISSATISFIED) == {"colleague_a", "staff_pingan"}
    message = notice_of(notices.DISSATISFIED, section_staff)
    assert written_off.code in message.title and message.body == "仍有漏水。"
    opens(client, section_staff, message)
    opens(client, colleague_a, notice_of(notices.DISSATISFIED, colleague_a))


def test_a_satisfied_call_tells_nobody(written_off, officer_a, colleague_a, section_staff):
    record_follow_up(written_off, outcome=FollowUpOutcome.SATISFIED, actor=officer_a)
    assert not Message.objects.exists()


# Stage clocks turned red (the sweep's notice) -----------------------------------------------

def test_a_red_clock_tells_the_section_and_the_centre(client, dispatched, social_staff,
                                                      section_staff, officer_a):
    clocks.sweep_clocks(timezone.now() + timedelta(days=30))  # sign-in and handling: red
    assert told("clock_red") == {"staff_social", "staff_pingan"}
    for person in (social_staff, section_staff):
        for message in Message.objects.filter(kind="clock_red", recipient=person):
            opens(client, person, message)


# Refusals tell nobody -----------------------------------------------------------------------

def test_a_refused_step_tells_nobody(verified, officer_b, grid_worker_a1):
    from quanfu.errors import Forbidden

    with pytest.raises(Forbidden):
        services.escalate_risk(verified, actor=grid_worker_a1, note="上提")
    assert not Message.objects.exists()


def test_a_person_no_longer_active_is_not_told(verified, officer_a, colleague_a,
                                                       section_staff):
    section_staff.is_active = False
    section_staff.save(update_fields=["is_active"])
    services.escalate_risk(verified, actor=officer_a, note="社区调解未果。")
    assert not told(notices.TIER)
