from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.choices import (
    RULE_TIERS,
    ActionItemAction,
    ActionItemStatus,
    AmendedPart,
    Decision,
    ItemKind,
    MeetingKind,
    MeetingStatus,
    WhistleStatus,
)
from quanfu.append_only import AppendOnlyModel
from risks.choices import RiskLevel, Tier


class Meeting(models.Model):
    """A meeting of one of the three tiers (三级联席会议): a community or street joint
    meeting (联席会议), the street's weekly party working committee meeting (党工委会议), a
    consultation (会商研判), or the district joint meeting the street takes its matters to.

    ``area`` is the community for a community meeting and the street otherwise. Once the
    minutes are approved the record is locked; later changes are amendments.
    """

    tier = models.CharField(_("meeting tier"), max_length=12, choices=Tier.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices,
                            default=MeetingKind.JOINT)
    area = models.ForeignKey("grids.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="meetings")
    title = models.CharField(_("meeting title"), max_length=200)
    held_on = models.DateField(_("meeting date"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chair"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("attendees"),
                                       blank=True, related_name="meetings_attended")
    departments = models.ManyToManyField("grids.Department",
                                         verbose_name=_("attending departments"), blank=True,
                                         related_name="meetings_attended")
    other_attendees = models.TextField(_("other attendees"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["tier", "held_on"], name="meeting_tier_held_idx"),
            models.Index(fields=["area", "tier", "status"], name="meeting_area_tier_idx"),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    @property
    def is_locked(self) -> bool:
        return self.status == MeetingStatus.APPROVED


class MeetingItem(models.Model):
    """An item of a meeting's agenda (议题) and the meeting's decision on it (议定事项):
    a matter of the register, an overdue action item brought back, or a general topic
    (the weekly statistics at the party committee meeting)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="meeting_items")
    reviewed_action = models.ForeignKey("ActionItem", verbose_name=_("action item reviewed"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="reviews")
    topic = models.CharField(_("topic"), max_length=200)
    proposed = models.BooleanField(_("proposed by the system"), default=False)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices,
                                blank=True)
    decision_note = models.TextField(_("decision text"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "risk"], condition=Q(risk__isnull=False),
                                    name="meeting_item_one_per_matter"),
            models.UniqueConstraint(fields=["meeting", "reviewed_action"],
                                    condition=Q(reviewed_action__isnull=False),
                                    name="meeting_item_one_per_action_item"),
            models.CheckConstraint(
                condition=(Q(kind=ItemKind.MATTER) & Q(risk__isnull=False))
                | (Q(kind=ItemKind.ACTION_REVIEW) & Q(reviewed_action__isnull=False))
                | (Q(kind=ItemKind.TOPIC) & Q(risk__isnull=True)
                   & Q(reviewed_action__isnull=True)),
                name="meeting_item_kind_matches_its_subject",
            ),
        ]
        indexes = [models.Index(fields=["risk", "created_at"], name="meeting_item_risk_idx")]

    def __str__(self):
        return self.topic

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)


class ActionItem(models.Model):
    """An action item of a meeting (会议交办事项): what is to be done, by whom (a person
    or a department: 责任人 / 责任单位), by when (办结时限), followed through progress
    notes until it is done. In force once the meeting's minutes are approved."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="action_items")
    item = models.ForeignKey(MeetingItem, verbose_name=_("agenda item"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("task assigned"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible person"),
                              null=True, blank=True, on_delete=models.PROTECT,
                              related_name="action_items")
    owner_department = models.ForeignKey("grids.Department",
                                         verbose_name=_("responsible department"), null=True,
                                         blank=True, on_delete=models.PROTECT,
                                         related_name="action_items")
    deadline = models.DateField(_("completion deadline"))
    status = models.CharField(_("status"), max_length=12, choices=ActionItemStatus.choices,
                              default=ActionItemStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(owner_department__isnull=False),
                name="action_item_has_an_owner"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="action_item_due_idx")]

    def __str__(self):
        return self.title

    @property
    def is_in_force(self) -> bool:
        return self.meeting.status == MeetingStatus.APPROVED

    @property
    def is_overdue(self) -> bool:
        return (self.status == ActionItemStatus.OPEN and self.deadline < timezone.localdate()
                and self.is_in_force)

    @property
    def owner_label(self) -> str:
        names = [self.owner.display_name] if self.owner_id else []
        if self.owner_department_id:
            names.insert(0, self.owner_department.name)
        return " · ".join(names)


class ActionItemProgress(AppendOnlyModel):
    """One step of an action item's follow-through: a progress note, or a change of
    status (done, cancelled, reopened) with its note."""

    action_item = models.ForeignKey(ActionItem, verbose_name=_("action item"),
                                    on_delete=models.CASCADE, related_name="progress")
    action = models.CharField(_("action"), max_length=12, choices=ActionItemAction.choices,
                              blank=True)
    from_status = models.CharField(_("from"), max_length=12, choices=ActionItemStatus.choices,
                                   blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ActionItemStatus.choices,
                                 blank=True)
    note = models.TextField(_("note"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.action_item_id} {self.created_at:%Y-%m-%d %H:%M}"


class Amendment(AppendOnlyModel):
    """A change to approved minutes (纪要更正): what part, the text before and after,
    why, by whom and when. The approved record itself is never rewritten silently."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="amendments")
    number = models.PositiveIntegerField(_("amendment number"))
    part = models.CharField(_("part amended"), max_length=16, choices=AmendedPart.choices)
    item = models.ForeignKey(MeetingItem, verbose_name=_("agenda item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="amendments")
    before = models.TextField(_("text before the amendment"), blank=True)
    after = models.TextField(_("text after the amendment"))
    reason = models.TextField(_("reason"))
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("amended by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    amended_at = models.DateTimeField(_("amended at"), default=timezone.now)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"],
                                               name="one_amendment_per_meeting_number")]

    def __str__(self):
        return f"{self.meeting_id} #{self.number}"


class WhistleCall(models.Model):
    """A whistle blown on a matter (网格吹哨): a grid or a community calls named
    departments to the matter by a deadline. Open until every department has reported in
    (部门报到); then closed, by the last report."""

    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="whistle_calls")
    request = models.TextField(_("what the departments are called to do"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("called by"),
                                  null=True, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(_("called at"), default=timezone.now)
    respond_by = models.DateTimeField(_("report in by"))
    status = models.CharField(_("status"), max_length=12, choices=WhistleStatus.choices,
                              default=WhistleStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("whistle call")
        verbose_name_plural = _("whistle calls")
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["status", "respond_by"], name="whistle_due_idx")]

    def __str__(self):
        return f"{self.risk_id} {self.called_at:%Y-%m-%d %H:%M}"


class DepartmentReport(models.Model):
    """A called department's report-in (报到): who came, when, and what it will do. Pending
    until reported; overdue when still pending after the call's deadline."""

    call = models.ForeignKey(WhistleCall, verbose_name=_("whistle call"),
                             on_delete=models.CASCADE, related_name="reports")
    department = models.ForeignKey("grids.Department", verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="whistle_reports")
    responder = models.CharField(_("who reports in"), max_length=100, blank=True)
    plan = models.TextField(_("what it will do"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("department report-in")
        verbose_name_plural = _("department report-ins")
        ordering = ["call", "department__code"]
        constraints = [models.UniqueConstraint(fields=["call", "department"],
                                               name="one_report_per_call_department")]

    def __str__(self):
        return f"{self.call_id} {self.department_id}"

    @property
    def is_reported(self) -> bool:
        return self.reported_at is not None

    def is_overdue(self, now=None) -> bool:
        return self.reported_at is None and (now or timezone.now()) > self.call.respond_by

    @property
    def was_late(self) -> bool:
        return self.reported_at is not None and self.reported_at > self.call.respond_by


class EscalationRule(models.Model):
    """A street's rule for flagging matters for escalation: a matter of this level that
    has stayed unresolved at this tier for more than ``days`` days shows on the tier's
    dashboard. It only flags; a person decides whether to escalate."""

    street = models.ForeignKey("grids.Area", verbose_name=_("street"), on_delete=models.CASCADE,
                               related_name="escalation_rules",
                               limit_choices_to={"kind": "street"})
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    days = models.PositiveSmallIntegerField(_("days unresolved at the tier"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["street", "tier", "level"]
        constraints = [
            models.UniqueConstraint(fields=["street", "tier", "level"],
                                    name="one_escalation_rule_per_street_tier_level"),
            models.CheckConstraint(condition=Q(days__gte=1), name="escalation_rule_days_positive"),
        ]

    def __str__(self):
        return f"{self.get_tier_display()} · {self.get_level_display()} · {self.days}"

    def clean(self):
        if self.tier not in RULE_TIERS:
            raise ValidationError({"tier": _("Escalation rules are set for the community and "
                                             "street tiers.")})
