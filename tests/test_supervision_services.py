"""supervision.services: inspections and findings, the closing rule (a rectification note
AND the supervisor's acceptance), evidence checked by content, notices to the
communities' inboxes, listed supervision and its rising grade, the special campaigns."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AccessLog
from inbox.models import Message
from quanfu.errors import Forbidden, RuleBroken
from risks.choices import RiskLevel, RiskStatus
from supervision import jobs, services
from supervision.choices import (
    EvidenceStage,
    FindingAction,
    FindingStatus,
    FindingSubject,
    Ledger,
    ListingAction,
    ListingGrade,
    ListingStatus,
    NoticeStatus,
    TaskStatus,
)
from supervision.models import (
    Campaign,
    CampaignProgressReport,
    Finding,
    FindingEvent,
    ListedSupervision,
    ListingEvent,
)
from supervision.tasks import escalate_listed_supervision_task
from tests.supervision_helpers import (
    MatterMaker,
    Spec,
    another_supervisor,
    days_from_today,
    find,
    group_of,
    inspect,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18"
       b"\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def inspection(supervisor_a, street):
    return inspect(supervisor_a, street.community_a)


@pytest.fixture
def finding(supervisor_a, inspection):
    return find(supervisor_a, inspection)


def finding_snapshot(finding):
    fresh = Finding.objects.get(pk=finding.pk)
    return (fresh.status, fresh.rectification_note, fresh.accepted_by_id,
            fresh.events.count())


# Inspections ------------------------------------------------------------------------------

def test_supervisor_records_an_inspection_of_their_groups_community(supervisor_a, street):
    inspection = inspect(supervisor_a, street.community_a, kind="concentrated",
                         manner="unannounced")
    assert inspection.group == group_of(supervisor_a)
    assert (inspection.kind, inspection.manner) == ("concentrated", "unannounced")


def test_an_inspection_of_a_community_outside_the_group_is_refused(supervisor_a, street):
    with pytest.raises(RuleBroken) as refused:
        inspect(supervisor_a, street.community_b)
    assert refused.value.field == "community"


def test_an_inspection_cannot_be_recorded_before_it_is_held(supervisor_a, street):
    with pytest.raises(RuleBroken):
        inspect(supervisor_a, street.community_a, held_on=days_from_today(1))


@pytest.mark.parametrize("persona", ["officer_a", "leader", "section_staff"])
def test_only_supervisors_record_inspections(request, supervisor_a, street, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(Forbidden):
        services.record_inspection(actor=actor, group=group_of(supervisor_a),
                                   community=street.community_a,
                                   held_on=timezone.localdate(), checked="台账")


def test_a_supervisor_of_another_group_cannot_inspect_for_this_group(supervisor_a, street):
    outsider = another_supervisor(street)
    with pytest.raises(Forbidden):
        services.record_inspection(actor=outsider, group=group_of(supervisor_a),
                                   community=street.community_a,
                                   held_on=timezone.localdate(), checked="台账")


# Findings ---------------------------------------------------------------------------------

def test_a_finding_tells_the_communitys_officers(officer_a, officer_b, finding):
    assert Message.objects.filter(recipient=officer_a, kind="supervision_finding").count() == 1
    assert not Message.objects.filter(recipient=officer_b).exists()
    assert finding.status == FindingStatus.OPEN
    assert finding.events.get().action == FindingAction.RECORD


def test_a_finding_on_a_matter_names_a_matter_of_the_inspected_community(
        supervisor_a, inspection, street, categories, officer_a, officer_b, leader,
        roster_a1):
    maker = MatterMaker(street, categories, officer_a, officer_b, leader)
    in_a, in_b = maker.make(Spec("a")), maker.make(Spec("b"))
    with pytest.raises(RuleBroken):
        find(supervisor_a, inspection, subject=FindingSubject.MATTER)
    with pytest.raises(RuleBroken):
        find(supervisor_a, inspection, subject=FindingSubject.MATTER, risk=in_b)
    finding = find(supervisor_a, inspection, subject=FindingSubject.MATTER, risk=in_a)
    assert finding.risk == in_a and finding.concerns_label.startswith(in_a.code)


def test_a_finding_on_a_ledger_names_the_ledger(supervisor_a, inspection):
    with pytest.raises(RuleBroken):
        find(supervisor_a, inspection, subject=FindingSubject.LEDGER)
    finding = find(supervisor_a, inspection, subject=FindingSubject.LEDGER,
                   ledger=Ledger.ARCHIVE)
    assert finding.ledger == Ledger.ARCHIVE


def test_a_finding_deadline_cannot_precede_the_inspection(supervisor_a, inspection):
    with pytest.raises(RuleBroken):
        find(supervisor_a, inspection, deadline=inspection.held_on - timedelta(days=1))


# The closing rule: rectification note AND the supervisor's acceptance ----------------------

def test_close_requires_rectification_then_acceptance(finding, officer_a, supervisor_a):
    with pytest.raises(RuleBroken):
        services.accept_rectification(finding, actor=supervisor_a)
    submitted = services.submit_rectification(finding, actor=officer_a,
                                              note="已补齐台账并经社区书记审核。")
    assert submitted.status == FindingStatus.SUBMITTED
    closed = services.accept_rectification(submitted, actor=supervisor_a, note="抽查属实。")
    assert closed.status == FindingStatus.CLOSED
    assert closed.accepted_by == supervisor_a and closed.accepted_at is not None
    assert closed.rectification_note == "已补齐台账并经社区书记审核。"
    assert [event.action for event in closed.events.order_by("pk")] == [
        FindingAction.RECORD, FindingAction.SUBMIT, FindingAction.ACCEPT]


def test_rectification_needs_a_note(finding, officer_a):
    before = finding_snapshot(finding)
    with pytest.raises(RuleBroken) as refused:
        services.submit_rectification(finding, actor=officer_a, note="  ")
    assert refused.value.field == "note" and finding_snapshot(finding) == before


@pytest.mark.parametrize("persona", ["officer_a", "leader", "section_staff"])
def test_only_the_supervisor_accepts_a_rectification(request, finding, officer_a, persona):
    submitted = services.submit_rectification(finding, actor=officer_a, note="已整改。")
    before = finding_snapshot(submitted)
    with pytest.raises(Forbidden):
        services.accept_rectification(submitted, actor=request.getfixturevalue(persona))
    assert finding_snapshot(submitted) == before


def test_a_supervisor_of_another_group_cannot_accept(finding, officer_a, street):
    submitted = services.submit_rectification(finding, actor=officer_a, note="已整改。")
    with pytest.raises(Forbidden):
        services.accept_rectification(submitted, actor=another_supervisor(street))


def test_officer_of_another_community_cannot_rectify(finding, officer_b):
    with pytest.raises(Forbidden):
        services.submit_rectification(finding, actor=officer_b, note="已整改。")
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.OPEN


def test_a_returned_rectification_goes_back_with_the_reason_and_a_new_deadline(
        finding, officer_a, supervisor_a):
    submitted = services.submit_rectification(finding, actor=officer_a, note="已整改。")
    with pytest.raises(RuleBroken):
        services.return_rectification(submitted, actor=supervisor_a, note="")
    returned = services.return_rectification(submitted, actor=supervisor_a,
                                             note="佐证材料不全。", deadline=days_from_today(3))
    assert returned.status == FindingStatus.OPEN and returned.deadline == days_from_today(3)
    assert Message.objects.filter(recipient=officer_a, kind="supervision_returned").exists()
    resubmitted = services.submit_rectification(returned, actor=officer_a, note="已补充材料。")
    assert resubmitted.status == FindingStatus.SUBMITTED


def test_the_database_refuses_a_closed_finding_without_note_or_acceptance(finding):
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.CLOSED)


def test_finding_history_is_append_only(finding):
    event = FindingEvent.objects.filter(finding=finding).first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        FindingEvent.objects.filter(pk=event.pk).delete()


# Evidence ---------------------------------------------------------------------------------

def upload(content: bytes, name: str, content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_evidence_is_kept_with_the_type_read_from_its_content(finding, supervisor_a,
                                                              officer_a):
    photo = services.add_evidence(finding, actor=supervisor_a,
                                  upload=upload(PNG, "现场.jpg", "image/jpeg"))
    assert (photo.content_type, photo.stage) == ("image/png", EvidenceStage.FINDING)
    assert photo.file.name.endswith(".png") and photo.original_name == "现场.jpg"
    pdf = services.add_evidence(finding, actor=officer_a,
                                upload=upload(b"%PDF-1.4\n%...", "整改报告.pdf",
                                              "application/pdf"))
    assert (pdf.content_type, pdf.stage) == ("application/pdf", EvidenceStage.RECTIFICATION)


@pytest.mark.parametrize("content", [b"MZ\x90\x00this is a program", b"<script>alert(1)</script>",
                                     b"PK\x03\x04zipped"])
def test_evidence_that_is_not_a_photo_or_pdf_is_refused_whatever_its_name(
        finding, supervisor_a, content):
    with pytest.raises(RuleBroken) as refused:
        services.add_evidence(finding, actor=supervisor_a, upload=upload(content, "照片.png"))
    assert refused.value.field == "file" and not finding.evidence.exists()


def test_evidence_larger_than_the_limit_is_refused(finding, supervisor_a, settings):
    settings.SUPERVISION_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(RuleBroken):
        services.add_evidence(finding, actor=supervisor_a,
                              upload=upload(PNG + b"\x00" * 2048, "大图.png"))


def test_no_evidence_on_a_closed_finding_nor_from_outside(finding, officer_a, supervisor_a,
                                                          officer_b, grid_worker_a1):
    with pytest.raises(Forbidden):
        services.add_evidence(finding, actor=grid_worker_a1, upload=upload(PNG, "a.png"))
    services.accept_rectification(
        services.submit_rectification(finding, actor=officer_a, note="已整改。"),
        actor=supervisor_a)
    with pytest.raises(RuleBroken):
        services.add_evidence(finding, actor=officer_a, upload=upload(PNG, "a.png"))


def test_evidence_download_is_logged_and_scoped(finding, supervisor_a, officer_a, officer_b,
                                                client):
    photo = services.add_evidence(finding, actor=supervisor_a, upload=upload(PNG, "现场.png"))
    client.force_login(officer_b)
    assert client.get(f"/supervision/evidence/{photo.pk}/").status_code == 404
    assert not AccessLog.objects.exists()
    client.force_login(officer_a)
    response = client.get(f"/supervision/evidence/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PNG
    log = AccessLog.objects.get()
    assert log.actor == officer_a and log.action == AccessLog.Action.EXPORT


# Notices ----------------------------------------------------------------------------------

def test_a_notice_is_drafted_from_findings_and_sent_to_the_communities_inboxes(
        finding, supervisor_a, officer_a, colleague_a, officer_b):
    notice = services.draft_notice(actor=supervisor_a, group=group_of(supervisor_a),
                                   findings=[finding])
    assert notice.status == NoticeStatus.DRAFT and finding.description in notice.body
    assert list(notice.communities.all()) == [finding.community]
    assert not Message.objects.filter(kind="supervision_notice").exists()
    sent = services.send_notice(notice, actor=supervisor_a)
    year = timezone.localdate().year
    assert sent.status == NoticeStatus.SENT and sent.number == f"第1督导组〔{year}〕1号"
    recipients = set(Message.objects.filter(kind="supervision_notice")
                     .values_list("recipient__username", flat=True))
    assert recipients == {officer_a.username, colleague_a.username}
    with pytest.raises(RuleBroken):
        services.send_notice(sent, actor=supervisor_a)
    assert Message.objects.filter(kind="supervision_notice").count() == 2


def test_notices_of_a_group_are_numbered_in_order(finding, supervisor_a):
    group = group_of(supervisor_a)
    numbers = [services.send_notice(services.draft_notice(
        actor=supervisor_a, group=group, findings=[finding]), actor=supervisor_a).number
        for _ in range(2)]
    assert [number[-2:] for number in numbers] == ["1号", "2号"]


def test_a_notice_covers_only_its_own_groups_findings(finding, street):
    outsider = another_supervisor(street)
    with pytest.raises(RuleBroken):
        services.draft_notice(actor=outsider, group=group_of(outsider), findings=[finding])
    with pytest.raises(Forbidden):
        services.draft_notice(actor=outsider, group=finding.inspection.group,
                              findings=[finding])


def test_a_sent_notice_cannot_be_changed(finding, supervisor_a):
    notice = services.send_notice(services.draft_notice(
        actor=supervisor_a, group=group_of(supervisor_a), findings=[finding]),
        actor=supervisor_a)
    with pytest.raises(RuleBroken):
        services.update_notice(notice, actor=supervisor_a, title="改", body="改",
                               findings=[finding])


# Listed supervision and its grade ---------------------------------------------------------

@pytest.fixture
def matter(street, categories, officer_a, officer_b, leader, roster_a1):
    return MatterMaker(street, categories, officer_a, officer_b, leader).make(
        Spec("a", level=RiskLevel.HIGH, status=RiskStatus.VERIFIED))


def test_leader_lists_a_matter_and_the_community_is_told(matter, leader, officer_a):
    listing = services.list_for_supervision(actor=leader, risk=matter, reason="进度缓慢。",
                                            deadline=days_from_today(7))
    assert (listing.community_id, listing.grade, listing.status) == (
        matter.community_id, ListingGrade.NORMAL, ListingStatus.ACTIVE)
    assert listing.original_deadline == listing.deadline
    assert Message.objects.filter(recipient=officer_a, kind="listed_supervision").exists()


def test_a_supervisor_lists_only_within_their_groups_communities(supervisor_a, street):
    listing = services.list_for_supervision(actor=supervisor_a, community=street.community_a,
                                            reason="台账问题多。", deadline=days_from_today(7))
    assert listing.group == group_of(supervisor_a)
    with pytest.raises(Forbidden):
        services.list_for_supervision(actor=supervisor_a, community=street.community_b,
                                      reason="台账问题多。", deadline=days_from_today(7))


@pytest.mark.parametrize("persona", ["officer_a", "section_staff", "grid_worker_a1"])
def test_only_supervisors_and_leaders_list(request, street, persona):
    with pytest.raises(Forbidden):
        services.list_for_supervision(actor=request.getfixturevalue(persona),
                                      community=street.community_a, reason="理由",
                                      deadline=days_from_today(7))
    assert not ListedSupervision.objects.exists()


def test_listing_twice_is_refused_until_lifted(matter, leader):
    first = services.list_for_supervision(actor=leader, risk=matter, reason="理由",
                                          deadline=days_from_today(7))
    with pytest.raises(RuleBroken):
        services.list_for_supervision(actor=leader, risk=matter, reason="理由",
                                      deadline=days_from_today(7))
    with pytest.raises(RuleBroken):
        services.lift_supervision(first, actor=leader, note="")
    lifted = services.lift_supervision(first, actor=leader, note="已化解到位。")
    assert lifted.status == ListingStatus.LIFTED and lifted.lift_note == "已化解到位。"
    services.list_for_supervision(actor=leader, risk=matter, reason="又有反复",
                                  deadline=days_from_today(7))


def test_a_listing_deadline_must_be_after_today(matter, leader):
    with pytest.raises(RuleBroken):
        services.list_for_supervision(actor=leader, risk=matter, reason="理由",
                                      deadline=timezone.localdate())


def listed(actor, community, days=1):
    return services.list_for_supervision(actor=actor, community=community, reason="理由",
                                         deadline=days_from_today(days))


def test_grade_rises_one_step_each_time_the_deadline_slips(leader, street, officer_a):
    listing = listed(leader, street.community_a, days=1)
    first_slip = days_from_today(2)
    assert services.escalate_overdue_listings(first_slip) == {"escalated": 1, "red": 0}
    listing.refresh_from_db()
    assert listing.grade == ListingGrade.YELLOW
    assert listing.deadline == first_slip + timedelta(days=7)
    # run again the same day: nothing more (idempotent)
    assert services.escalate_overdue_listings(first_slip) == {"escalated": 0}
    second_slip = listing.deadline + timedelta(days=1)
    assert services.escalate_overdue_listings(second_slip)["red"] == 1
    listing.refresh_from_db()
    assert listing.grade == ListingGrade.RED
    # red is the top grade: it stays red however long the deadline slips
    assert services.escalate_overdue_listings(listing.deadline + timedelta(days=30)) == {
        "escalated": 0}
    events = list(listing.events.order_by("pk").values_list("action", "from_grade", "to_grade"))
    assert events == [(ListingAction.LIST, "", ListingGrade.NORMAL),
                      (ListingAction.ESCALATE, ListingGrade.NORMAL, ListingGrade.YELLOW),
                      (ListingAction.ESCALATE, ListingGrade.YELLOW, ListingGrade.RED)]
    grades_told = set(Message.objects.filter(recipient=officer_a, kind="listed_supervision")
                      .values_list("dedupe_key", flat=True))
    assert grades_told == {f"listing:{listing.pk}:list", f"listing:{listing.pk}:yellow",
                           f"listing:{listing.pk}:red"}


def test_grade_does_not_rise_before_the_deadline_nor_once_lifted(leader, street):
    waiting = listed(leader, street.community_a, days=5)
    lifted = services.lift_supervision(listed(leader, street.community_b, days=1),
                                       actor=leader, note="已整改。")
    assert services.escalate_overdue_listings(days_from_today(3)) == {"escalated": 0}
    assert {listing.grade for listing in ListedSupervision.objects.filter(
        pk__in=[waiting.pk, lifted.pk])} == {ListingGrade.NORMAL}


def test_escalation_runs_a_fixed_number_of_queries(leader, street,
                                                   django_assert_max_num_queries):
    listed(leader, street.community_a)
    listed(leader, street.community_b)
    # select, update per grade (2), insert events, officers, inbox insert (+ savepoints)
    with django_assert_max_num_queries(10):
        assert services.escalate_overdue_listings(days_from_today(2))["escalated"] == 2


def test_the_daily_job_and_its_task_raise_grades(leader, street):
    listing = listed(leader, street.community_a)
    assert jobs.escalate_listed_supervision(days_from_today(2))["escalated"] == 1
    listing.refresh_from_db()
    escalate_listed_supervision_task.delay((listing.deadline + timedelta(days=1)).isoformat())
    listing.refresh_from_db()
    assert listing.grade == ListingGrade.RED
    assert ListingEvent.objects.filter(listing=listing, actor__isnull=True).count() == 2


# Special campaigns ------------------------------------------------------------------------

def test_the_six_campaigns_of_attachment_2_are_data(db):
    assert list(Campaign.objects.order_by("position").values_list("code", flat=True)) == [
        "dispute_resolution", "seasonal_crackdown", "key_groups", "public_safety",
        "campus_safety", "youth_crime_prevention"]


def campaign(code="dispute_resolution"):
    return Campaign.objects.get(code=code)


def test_leader_gives_a_campaign_tasks_owned_by_a_community_or_a_department(
        leader, street, officer_a, section_staff):
    task = services.add_campaign_task(campaign(), actor=leader, title="逐一建账",
                                      owner_community=street.community_a,
                                      deadline=days_from_today(10))
    assert task.owner_label == street.community_a.name
    assert Message.objects.filter(recipient=officer_a, kind="campaign_task").exists()
    services.add_campaign_task(campaign(), actor=leader, title="梳理警情",
                               owner_department=street.department, deadline=days_from_today(5))
    assert Message.objects.filter(recipient=section_staff, kind="campaign_task").exists()
    with pytest.raises(RuleBroken):
        services.add_campaign_task(campaign(), actor=leader, title="两个都有",
                                   owner_community=street.community_a,
                                   owner_department=street.department,
                                   deadline=days_from_today(5))


def test_only_the_owner_reports_progress_and_done_means_100(leader, street, officer_a,
                                                            officer_b):
    task = services.add_campaign_task(campaign(), actor=leader, title="逐一建账",
                                      owner_community=street.community_a,
                                      deadline=days_from_today(10))
    with pytest.raises(Forbidden):
        services.report_task_progress(task, actor=officer_b, note="x", progress=10,
                                      status=TaskStatus.IN_PROGRESS)
    services.report_task_progress(task, actor=officer_a, note="已摸排一半。", progress=50,
                                  status=TaskStatus.IN_PROGRESS)
    report = services.report_task_progress(task, actor=officer_a, note="全部建账。",
                                           progress=80, status=TaskStatus.DONE)
    task.refresh_from_db()
    assert (task.status, task.progress, report.progress) == (TaskStatus.DONE, 100, 100)
    assert task.completed_at is not None
    with pytest.raises(RuleBroken):
        services.report_task_progress(task, actor=officer_a, note="x", progress=10,
                                      status=TaskStatus.NOT_STARTED)
    assert CampaignProgressReport.objects.filter(task=task).count() == 2


def test_matters_are_linked_only_from_the_actors_scope(matter, officer_a, officer_b):
    link = services.link_matter(campaign(), actor=officer_a, risk=matter)
    assert link.risk == matter
    with pytest.raises(RuleBroken):
        services.link_matter(campaign(), actor=officer_a, risk=matter)
    with pytest.raises(Forbidden):
        services.link_matter(campaign("key_groups"), actor=officer_b, risk=matter)

