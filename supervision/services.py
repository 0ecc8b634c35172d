"""Every change in supervision goes through here: inspections and findings, their
rectification and acceptance, evidence, notices, listed supervision and the special
campaigns' tasks. Each function takes a keyword-only ``actor``, runs in one transaction,
checks the actor's role (supervision.permissions) and scope, writes the history row and
tells the people concerned through their inbox. Refusals are quanfu.errors: RuleBroken
(wrong state, bad input) or Forbidden (role or scope).

Callers fetch objects through supervision.scoping, so an object outside the actor's scope
is never handed here; references the actor passes in (a community, a matter, a
department) are checked against the actor's scope here.
"""

import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from grids.choices import AreaKind
from grids.models import Area, Department
from grids.scoping import visible_departments
from inbox.services import Notice as InboxNotice
from inbox.services import deliver
from quanfu.errors import Forbidden, RuleBroken
from quanfu.personal_data import refuse_personal_data
from risks.models import Risk
from risks.scoping import visible_risks
from supervision import evidence as evidence_checks
from supervision import permissions
from supervision.choices import (
    GRACE_DAYS,
    GRADE_ORDER,
    EvidenceStage,
    FindingAction,
    FindingStatus,
    FindingSubject,
    InspectionKind,
    InspectionManner,
    Ledger,
    ListingAction,
    ListingGrade,
    ListingStatus,
    NoticeAction,
    NoticeStatus,
    Severity,
    TaskStatus,
)
from supervision.models import (
    Campaign,
    CampaignMatter,
    CampaignProgressReport,
    CampaignTask,
    Evidence,
    Finding,
    FindingEvent,
    Inspection,
    ListedSupervision,
    ListingEvent,
    Notice,
    SupervisionGroup,
)
from supervision.scoping import groups_of
from supervision.transitions import (
    FINDING_TRANSITIONS,
    LISTING_GRADE_TRANSITIONS,
    LISTING_TRANSITIONS,
    NOTICE_TRANSITIONS,
    TASK_STATE,
    TASK_TRANSITIONS,
)

# Helpers ----------------------------------------------------------------------------------

def _required_text(value: str, field: str, message) -> str:
    """The text stripped; refused when empty (with ``message``) or holding an identity or
    mobile number."""
    value = (value or "").strip()
    if not value:
        raise RuleBroken(message, field=field)
    refuse_personal_data(**{field: value})
    return value


def _officers_of(community_ids: Iterable[int]):
    return User.objects.filter(role=Role.COMMUNITY_OFFICER, is_active=True,
                               area_id__in=list(community_ids))


def _group_people(group: SupervisionGroup) -> list:
    people = list(group.members.filter(is_active=True))
    if group.leader_id and group.leader.is_active and group.leader not in people:
        people.append(group.leader)
    return people


def _finding_url(finding) -> str:
    return reverse("supervision:finding_detail", args=[finding.pk])


def _listing_url(listing) -> str:
    return reverse("supervision:listing_detail", args=[listing.pk])


# Inspections and findings -----------------------------------------------------------------

@transaction.atomic
def record_inspection(*, actor, group: SupervisionGroup, community: Area, held_on: date,
                      checked: str, kind: str = InspectionKind.ROUTINE,
                      manner: str = InspectionManner.ANNOUNCED, summary: str = "") -> Inspection:
    """Record an inspection by ``group`` of one of its communities.

    Preconditions: the actor leads or belongs to the group; the community is one of the
    group's; the date is not in the future; what was checked is said.
    """
    permissions.require_group(actor, permissions.INSPECT, group)
    if community.kind != AreaKind.COMMUNITY or not group.communities.filter(
            pk=community.pk).exists():
        raise RuleBroken(_("%(community)s is not one of the communities of %(group)s.")
                         % {"community": community.name, "group": group.name},
                         field="community")
    if held_on > timezone.localdate():
        raise RuleBroken(_("An inspection cannot be recorded before it is held."),
                         field="held_on")
    if kind not in InspectionKind.values:
        raise RuleBroken(_("Choose concentrated or routine supervision."), field="kind")
    if manner not in InspectionManner.values:
        raise RuleBroken(_("Choose an announced inspection or an unannounced visit."),
                         field="manner")
    checked = _required_text(checked, "checked", _("Say what was checked."))
    refuse_personal_data(summary=summary)
    return Inspection.objects.create(group=group, community=community, held_on=held_on,
                                     kind=kind, manner=manner, checked=checked,
                                     summary=(summary or "").strip(), recorded_by=actor)


@transaction.atomic
def record_finding(inspection: Inspection, *, actor, description: str,
                   rectification_required: str, deadline: date,
                   severity: str = Severity.GENERAL, subject: str = FindingSubject.WORK,
                   risk: Risk | None = None, ledger: str = "") -> Finding:
    """Record a shortfall the inspection found, with the rectification required and its
    deadline. The community's officers are told in their inbox.

    Preconditions: the actor acts for the inspection's group; a finding on a matter names
    a matter of the inspected community, one on a ledger names the ledger; the deadline
    is not before the inspection.
    """
    permissions.require_group(actor, permissions.INSPECT, inspection.group)
    if severity not in Severity.values:
        raise RuleBroken(_("Choose how serious the finding is."), field="severity")
    if subject not in FindingSubject.values:
        raise RuleBroken(_("Choose what the finding concerns."), field="subject")
    if subject == FindingSubject.MATTER:
        if risk is None:
            raise RuleBroken(_("Name the matter the finding concerns."), field="risk")
        if risk.community_id != inspection.community_id:
            raise RuleBroken(_("%(code)s is not a matter of %(community)s.")
                             % {"code": risk.code, "community": inspection.community.name},
                             field="risk")
    else:
        risk = None
    if subject == FindingSubject.LEDGER:
        if ledger not in Ledger.values:
            raise RuleBroken(_("Name the ledger the finding concerns."), field="ledger")
    else:
        ledger = ""
    description = _required_text(description, "description", _("Say what was found."))
    rectification_required = _required_text(
        rectification_required, "rectification_required",
        _("Say what rectification is required."))
    if deadline < inspection.held_on:
        raise RuleBroken(_("The deadline cannot be before the inspection."), field="deadline")
    now = timezone.now()
    finding = Finding.objects.create(
        inspection=inspection, community_id=inspection.community_id, severity=severity,
        subject=subject, risk=risk, ledger=ledger, description=description,
        rectification_required=rectification_required, deadline=deadline,
        created_by=actor, created_at=now, updated_at=now)
    FindingEvent.objects.create(finding=finding, action=FindingAction.RECORD,
                                to_status=finding.status, actor=actor, created_at=now)
    deliver([InboxNotice(
        officer, "supervision_finding",
        _("Supervision finding to rectify by %(deadline)s") % {"deadline": deadline},
        key=f"supervision_finding:{finding.pk}", body=description,
        link=_finding_url(finding)) for officer in _officers_of([inspection.community_id])])
    return finding


def _lock_finding(finding: Finding) -> Finding:
    return Finding.objects.select_for_update(of=("self",)).select_related(
        "inspection__group", "community").get(pk=finding.pk)


def _transition(finding: Finding, action: str, *, actor, note: str,
                context: dict | None = None, **changes) -> Finding:
    """Take ``action`` on the finding locked by the caller, through its table
    (supervision/transitions.py: who, the status, the note, the preconditions given
    ``context``), setting ``changes`` (a callable gets the time) and writing its event."""
    now = timezone.now()

    def apply(locked, transition):
        locked.updated_at = now
        for field, value in changes.items():
            setattr(locked, field, value(now) if callable(value) else value)
        return ["updated_at", *changes]

    def record(locked, transition, from_status):
        FindingEvent.objects.create(finding=locked, action=transition.action,
                                    from_status=from_status, to_status=locked.status,
                                    note=note, actor=actor, created_at=now)

    return FINDING_TRANSITIONS.run(finding, action, actor=actor, note=note, lock=False,
                                   apply=apply, record_event=record, **(context or {}))


@transaction.atomic
def submit_rectification(finding: Finding, *, actor, note: str) -> Finding:
    """The community says how it rectified the finding (整改情况); it then waits for the
    supervisor's acceptance. The group is told.

    Preconditions: the actor may rectify (a community officer) and the finding's community
    is theirs; the finding awaits rectification; the note is written.
    """
    finding = _lock_finding(finding)
    note = (note or "").strip()
    finding = _transition(finding, FindingAction.SUBMIT, actor=actor, note=note,
                          rectification_note=note, rectified_by=actor,
                          rectified_at=lambda now: now)
    deliver([InboxNotice(person, "supervision_rectification",
                         _("Rectification submitted by %(community)s")
                         % {"community": finding.community.name},
                         key=f"supervision_rectified:{finding.pk}:{finding.events.count()}",
                         body=note, link=_finding_url(finding))
             for person in _group_people(finding.inspection.group)])
    return finding


@transaction.atomic
def return_rectification(finding: Finding, *, actor, note: str,
                         deadline: date | None = None) -> Finding:
    """The supervisor does not accept the rectification: the finding goes back to the
    community with the reason (and, if given, a new deadline).

    Preconditions: the actor acts for the finding's group; it awaits acceptance; the
    reason is written.
    """
    finding = _lock_finding(finding)
    note = (note or "").strip()
    changes = {} if deadline is None else {"deadline": deadline}
    finding = _transition(finding, FindingAction.RETURN, actor=actor, note=note,
                          context={"deadline": deadline}, **changes)
    deliver([InboxNotice(officer, "supervision_returned",
                         _("Rectification not accepted: %(finding)s")
                         % {"finding": finding.description[:60]},
                         key=f"supervision_returned:{finding.pk}:{finding.events.count()}",
                         body=note, link=_finding_url(finding))
             for officer in _officers_of([finding.community_id])])
    return finding


@transaction.atomic
def accept_rectification(finding: Finding, *, actor, note: str = "") -> Finding:
    """The supervisor accepts the rectification (验收): the finding is closed. A finding is
    closed only this way, so only with the community's rectification note and the
    acceptance of a member of the group (the database refuses anything else).

    Preconditions: the actor acts for the finding's group; the rectification was
    submitted with its note.
    """
    finding = _lock_finding(finding)
    note = (note or "").strip()
    return _transition(finding, FindingAction.ACCEPT, actor=actor, note=note,
                       accepted_by=actor, accepted_at=lambda now: now, acceptance_note=note)


@transaction.atomic
def add_evidence(finding: Finding, *, actor, upload) -> Evidence:
    """Keep a photo or PDF as evidence: as found (by the group) or after rectification
    (by the community). The type is read from the content; the size is limited.

    Preconditions: the finding is not closed; the actor acts for its group or may
    rectify it in their scope; the file passes supervision.evidence.check_upload.
    """
    finding = _lock_finding(finding)
    if permissions.may(actor, permissions.INSPECT) and permissions.acts_for_group(
            actor, finding.inspection.group):
        stage = EvidenceStage.FINDING
    elif (permissions.may(actor, permissions.RECTIFY)
          and permissions.area_in_scope(actor, finding.community)):
        stage = EvidenceStage.RECTIFICATION
    else:
        raise Forbidden(_("Your role may not do this."))
    if finding.status == FindingStatus.CLOSED:
        raise RuleBroken(_("The finding is closed: no more evidence can be added."),
                         field="file")
    kind = evidence_checks.check_upload(upload)
    original_name = (getattr(upload, "name", "") or "evidence")[-200:]
    now = timezone.now()
    item = Evidence(finding=finding, stage=stage, original_name=original_name,
                    content_type=kind.content_type, size=upload.size, uploaded_by=actor,
                    uploaded_at=now)
    # The stored name is ours, with the extension of the detected type: the uploader's
    # name is kept only to show.
    item.file.save(f"{uuid.uuid4().hex}.{kind.extension}", upload, save=False)
    item.save()
    FindingEvent.objects.create(finding=finding, action=FindingAction.EVIDENCE,
                                note=original_name, actor=actor, created_at=now)
    return item


# Notices (通报) ---------------------------------------------------------------------------

def _default_title(group: SupervisionGroup) -> str:
    return _("Notice of %(group)s on the shortfalls found in supervision") % {
        "group": group.name}


def _default_body(findings: list[Finding]) -> str:
    lines = [_("In recent supervision the group found the following shortfalls. The "
               "communities concerned are to rectify them by the deadlines and report how "
               "they did so."), ""]
    for number, finding in enumerate(findings, start=1):
        lines.append(_("%(number)s. %(community)s (%(severity)s): %(description)s "
                       "Rectification required: %(required)s Deadline: %(deadline)s.")
                     % {"number": number, "community": finding.community.name,
                        "severity": finding.get_severity_display(),
                        "description": finding.description,
                        "required": finding.rectification_required,
                        "deadline": f"{finding.deadline.year}年{finding.deadline.month}月"
                                    f"{finding.deadline.day}日"})
    return "\n".join(lines)


def _check_findings(group: SupervisionGroup, findings: list[Finding]) -> list[Finding]:
    if not findings:
        raise RuleBroken(_("Choose at least one finding for the notice."), field="findings")
    if any(finding.inspection.group_id != group.pk for finding in findings):
        raise RuleBroken(_("A notice covers only its own group's findings."), field="findings")
    return sorted(findings, key=lambda finding: (finding.community.code, finding.pk))


@transaction.atomic
def draft_notice(*, actor, group: SupervisionGroup, findings: list[Finding],
                 title: str = "", body: str = "") -> Notice:
    """Draft a notice from findings of the group's inspections; the title and text are
    proposed from the findings when not given. Nothing is sent yet.

    Preconditions: the actor acts for the group; every finding is the group's.
    """
    permissions.require_group(actor, permissions.NOTICE, group)
    findings = _check_findings(group, list(findings))
    refuse_personal_data(title=title, body=body)
    notice = Notice.objects.create(
        group=group, title=(title or "").strip() or _default_title(group),
        body=(body or "").strip() or _default_body(findings), drafted_by=actor)
    notice.findings.set(findings)
    notice.communities.set({finding.community_id for finding in findings})
    return notice


@transaction.atomic
def update_notice(notice: Notice, *, actor, title: str, body: str,
                  findings: list[Finding]) -> Notice:
    """Change a draft's title, text and findings (and so the communities it goes to).

    Preconditions: the actor acts for the group; the notice is still a draft.
    """
    notice = (Notice.objects.select_for_update(of=("self",)).select_related("group")
              .get(pk=notice.pk))
    permissions.require_group(actor, permissions.NOTICE, notice.group)
    if notice.is_sent:
        raise RuleBroken(_("A sent notice is a record and cannot be changed."))
    findings = _check_findings(notice.group, list(findings))
    notice.title = _required_text(title, "title", _("Give the notice a title."))
    notice.body = _required_text(body, "body", _("Write the notice's text."))
    notice.save(update_fields=["title", "body"])
    notice.findings.set(findings)
    notice.communities.set({finding.community_id for finding in findings})
    return notice


@transaction.atomic
def send_notice(notice: Notice, *, actor) -> Notice:
    """Number the notice (the group's n-th of the year), mark it sent and put it in the
    inbox of every officer of the communities concerned.

    Preconditions: the actor acts for the group; the notice is a draft with at least one
    community. Numbering holds the group's row lock, so two sends never share a number.
    """
    group = SupervisionGroup.objects.select_for_update().get(pk=notice.group_id)
    now = timezone.now()

    def apply(locked, transition):
        year = timezone.localdate(now).year
        sent_this_year = Notice.objects.filter(
            group=group, status=NoticeStatus.SENT,
            number__startswith=f"{group.name}〔{year}〕").count()
        locked.number = f"{group.name}〔{year}〕{sent_this_year + 1}号"
        locked.sent_by, locked.sent_at = actor, now
        return ["number", "sent_by", "sent_at"]

    notice = NOTICE_TRANSITIONS.run(notice, NoticeAction.SEND, actor=actor, apply=apply)
    community_ids = list(notice.communities.values_list("pk", flat=True))
    link = reverse("supervision:notice_detail", args=[notice.pk])
    deliver([InboxNotice(officer, "supervision_notice",
                         _("Supervision notice %(number)s: %(title)s")
                         % {"number": notice.number, "title": notice.title},
                         key=f"supervision_notice:{notice.pk}", body=notice.body[:500],
                         link=link) for officer in _officers_of(community_ids)])
    return notice


# Listed supervision (挂牌督办) -------------------------------------------------------------

def _group_for(actor, community: Area) -> SupervisionGroup | None:
    if actor.role != Role.SUPERVISOR:
        return None

    return groups_of(actor).filter(communities=community).order_by("code").first()


@transaction.atomic
def list_for_supervision(*, actor, reason: str, deadline: date, risk: Risk | None = None,
                         community: Area | None = None) -> ListedSupervision:
    """Put a matter, or a whole community, under listed supervision at the ordinary grade
    with a reason and a deadline. The community's officers are told.

    Preconditions: the actor may list (a supervisor or a street leader); exactly one of a
    matter and a community; it lies in the actor's scope (a matter the actor sees); the
    deadline is after today; it is not already under listed supervision.
    """
    permissions.require(actor, permissions.LIST)
    if (risk is None) == (community is None):
        raise RuleBroken(_("List either a matter or a whole community."), field="risk")
    if risk is not None:
        if not visible_risks(actor).filter(pk=risk.pk).exists():
            raise Forbidden(_("That matter is outside your scope."), field="risk")
        community = Area.objects.get(pk=risk.community_id)
    elif community.kind != AreaKind.COMMUNITY:
        raise RuleBroken(_("Only a community or a matter can be listed."), field="community")
    permissions.require_area_in_scope(actor, community)
    reason = _required_text(reason, "reason", _("Say why it is listed."))
    if deadline <= timezone.localdate():
        raise RuleBroken(_("The deadline must be after today."), field="deadline")
    now = timezone.now()
    try:
        with transaction.atomic():
            listing = ListedSupervision.objects.create(
                community=community, risk=risk, group=_group_for(actor, community),
                reason=reason, deadline=deadline, original_deadline=deadline,
                listed_by=actor, listed_at=now)
    except IntegrityError as error:
        raise RuleBroken(_("It is already under listed supervision."),
                         field="risk" if risk else "community") from error
    ListingEvent.objects.create(listing=listing, action=ListingAction.LIST,
                                to_grade=listing.grade, deadline=deadline, note=reason,
                                actor=actor, created_at=now)
    deliver([InboxNotice(officer, "listed_supervision",
                         _("Listed supervision: %(subject)s, deadline %(deadline)s")
                         % {"subject": listing.subject_label, "deadline": deadline},
                         key=f"listing:{listing.pk}:list", body=reason,
                         link=_listing_url(listing))
             for officer in _officers_of([community.pk])])
    return listing


@transaction.atomic
def lift_supervision(listing: ListedSupervision, *, actor, note: str) -> ListedSupervision:
    """Lift listed supervision (摘牌) with the note that says why.

    Preconditions: the actor may list and the listing's community is in their scope; it
    is active; the note is written.
    """
    listing = ListedSupervision.objects.select_for_update(of=("self",)).select_related(
        "community", "risk").get(pk=listing.pk)
    note = (note or "").strip()
    now = timezone.now()

    def apply(locked, transition):
        locked.lifted_by, locked.lifted_at, locked.lift_note = actor, now, note
        return ["lifted_by", "lifted_at", "lift_note"]

    def record(locked, transition, from_status):
        ListingEvent.objects.create(listing=locked, action=transition.action,
                                    from_grade=locked.grade, to_grade=locked.grade, note=note,
                                    actor=actor, created_at=now)

    listing = LISTING_TRANSITIONS.run(listing, ListingAction.LIFT, actor=actor, note=note,
                                      lock=False, apply=apply, record_event=record)
    deliver([InboxNotice(officer, "listed_supervision",
                         _("Listed supervision lifted: %(subject)s")
                         % {"subject": listing.subject_label},
                         key=f"listing:{listing.pk}:lift", body=note,
                         link=_listing_url(listing))
             for officer in _officers_of([listing.community_id])])
    return listing


def escalate_overdue_listings(today: date | None = None) -> dict:
    """Raise the grade of every active listing whose deadline has slipped: ordinary →
    yellow card → red card, one step per slipped deadline, each step with a new deadline
    (choices.GRACE_DAYS) and an event; the community's officers and the listing group are
    told. Called by the daily job (supervision.jobs / tasks).

    Safe to run twice and side by side: rows are claimed under FOR UPDATE SKIP LOCKED and
    a raised row's deadline lies in the future, so it is not picked again. A fixed number
    of queries whatever the number of listings: one SELECT, one UPDATE per grade, one
    INSERT of events, one audit entry (naming the listings raised), one INSERT of notices.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    escalate = LISTING_GRADE_TRANSITIONS[ListingAction.ESCALATE]
    with transaction.atomic():
        due = list(ListedSupervision.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(status=ListingStatus.ACTIVE, deadline__lt=today,
                           grade__in=escalate.sources)
                   .select_related("community", "risk").order_by("pk"))
        if not due:
            return {"escalated": 0}
        events, raised, deadlines = [], {}, {}
        now_at: dict[int, tuple] = {}  # listing → (grade, deadline) after this run
        by_grade = {grade: [listing for listing in due if listing.grade == grade]
                    for grade in escalate.sources}  # grouped first: one step per run, never two
        for from_grade in (grade for grade in GRADE_ORDER if grade in escalate.sources):
            rows, to_grade = by_grade[from_grade], escalate.leads_to(from_grade)
            if not rows:
                continue
            new_deadline = today + timedelta(days=GRACE_DAYS[to_grade])
            step = f"{from_grade}→{to_grade}"
            raised[step], deadlines[step] = [row.pk for row in rows], new_deadline.isoformat()
            LISTING_GRADE_TRANSITIONS.move_all(
                ListedSupervision.objects.filter(pk__in=raised[step]), ListingAction.ESCALATE,
                deadline=new_deadline, escalated_at=now)
            for listing in rows:
                events.append(ListingEvent(
                    listing=listing, action=ListingAction.ESCALATE, from_grade=from_grade,
                    to_grade=to_grade, deadline=new_deadline, created_at=now,
                    note=_("Deadline %(deadline)s slipped.") % {"deadline": listing.deadline}))
                now_at[listing.pk] = (to_grade, new_deadline)
        ListingEvent.objects.bulk_create(events)
        # the UPDATE sends no post_save: one audit entry stands for the grades raised
        record_event(action=AuditAction.UPDATE, target="supervision.listedsupervision",
                     detail=f"{len(due)} listed supervisions rose a grade (deadline slipped): "
                            + ", ".join(f"{len(ids)} {step}" for step, ids in raised.items()),
                     changes={"grade": raised, "deadline": deadlines})
        officers: dict[int, list] = {}
        for officer in _officers_of({listing.community_id for listing in due}):
            officers.setdefault(officer.area_id, []).append(officer)
        notices = []
        for listing in due:
            grade, deadline = now_at[listing.pk]
            title = _("%(grade)s: %(subject)s, new deadline %(deadline)s") % {
                "grade": ListingGrade(grade).label, "subject": listing.subject_label,
                "deadline": deadline}
            for officer in officers.get(listing.community_id, []):
                notices.append(InboxNotice(officer, "listed_supervision", title,
                                           key=f"listing:{listing.pk}:{grade}",
                                           link=_listing_url(listing)))
        deliver(notices, fetch=False)
    return {"escalated": len(due),
            "red": sum(1 for grade, _deadline in now_at.values() if grade == ListingGrade.RED)}


# Special campaigns (专项攻坚行动) ----------------------------------------------------------

@transaction.atomic
def add_campaign_task(campaign: Campaign, *, actor, title: str, deadline: date,
                      owner_department: Department | None = None,
                      owner_community: Area | None = None) -> CampaignTask:
    """Give a campaign a task owned by a department (属事) or a community (属地). The
    owner's people are told.

    Preconditions: the actor may plan campaigns (a street leader); exactly one owner, in
    the actor's scope; the deadline is not in the past.
    """
    permissions.require(actor, permissions.PLAN_CAMPAIGN)
    if (owner_department is None) == (owner_community is None):
        raise RuleBroken(_("Give the task either a responsible department or a responsible "
                           "community."), field="owner_community")
    if owner_department is not None and not visible_departments(actor).filter(
            pk=owner_department.pk).exists():
        raise Forbidden(_("That department is outside your scope."), field="owner_department")
    if owner_community is not None:
        if owner_community.kind != AreaKind.COMMUNITY:
            raise RuleBroken(_("Choose a community."), field="owner_community")
        permissions.require_area_in_scope(actor, owner_community, field="owner_community")
    title = _required_text(title, "title", _("Say what the task is."))
    if deadline < timezone.localdate():
        raise RuleBroken(_("The deadline cannot be in the past."), field="deadline")
    task = CampaignTask.objects.create(campaign=campaign, title=title, deadline=deadline,
                                       owner_department=owner_department,
                                       owner_community=owner_community, created_by=actor)
    if owner_community is not None:
        people = _officers_of([owner_community.pk])
    else:
        people = User.objects.filter(role=Role.SECTION_STAFF, is_active=True,
                                     department=owner_department)
    deliver([InboxNotice(person, "campaign_task",
                         _("%(campaign)s: new task by %(deadline)s")
                         % {"campaign": campaign.name, "deadline": deadline},
                         key=f"campaign_task:{task.pk}", body=title,
                         link=reverse("supervision:campaign_detail", args=[campaign.pk]))
             for person in people])
    return task


@transaction.atomic
def report_task_progress(task: CampaignTask, *, actor, note: str, progress: int,
                         status: str) -> CampaignProgressReport:
    """Report what was done on a campaign task, its progress (0–100 %) and its status
    (done means 100 %).

    Preconditions: the actor owns the task (permissions.may_report_on); the status may follow the
    current one (supervision/transitions.py: TASK_TRANSITIONS, whose actions are named
    after the status a report leads to); the note is written.
    """
    task = CampaignTask.objects.select_for_update(of=("self",)).select_related(
        "owner_community", "owner_department__street").get(pk=task.pk)
    if status not in TASK_TRANSITIONS.by_action:  # no report leads there (not started)
        raise RuleBroken(TASK_STATE % {
            "state": task.get_status_display(),
            "action": TaskStatus(status).label if status in TaskStatus.values else status},
            field="status")
    note = (note or "").strip()
    now = timezone.now()
    reports = []

    def apply(locked, transition):
        if transition.target == TaskStatus.DONE:
            locked.progress, locked.completed_at = 100, now
        else:
            locked.progress, locked.completed_at = int(progress), None
        return ["progress", "completed_at"]

    def record(locked, transition, from_status):
        reports.append(CampaignProgressReport.objects.create(
            task=locked, note=note, progress=locked.progress, status=locked.status,
            actor=actor, created_at=now))

    TASK_TRANSITIONS.run(task, status, actor=actor, note=note, lock=False, apply=apply,
                         record_event=record, progress=progress)
    return reports[0]


@transaction.atomic
def link_matter(campaign: Campaign, *, actor, risk: Risk) -> CampaignMatter:
    """Link a matter of the register to a campaign (列入专项攻坚).

    Preconditions: the actor may link matters and sees the matter; it is not linked yet.
    """
    permissions.require(actor, permissions.LINK_MATTER)
    if not visible_risks(actor).filter(pk=risk.pk).exists():
        raise Forbidden(_("That matter is outside your scope."), field="risk")
    try:
        with transaction.atomic():
            return CampaignMatter.objects.create(campaign=campaign, risk=risk, linked_by=actor)
    except IntegrityError as error:
        raise RuleBroken(_("%(code)s is already linked to this campaign.")
                         % {"code": risk.code}, field="risk") from error


@transaction.atomic
def unlink_matter(link: CampaignMatter, *, actor) -> None:
    """Take a matter off a campaign.

    Preconditions: the actor may link matters and sees the matter.
    """
    permissions.require(actor, permissions.LINK_MATTER)
    if not visible_risks(actor).filter(pk=link.risk_id).exists():
        raise Forbidden(_("That matter is outside your scope."), field="risk")
    CampaignMatter.objects.filter(pk=link.pk).delete()
