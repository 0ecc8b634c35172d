from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanfu.append_only import AppendOnlyModel
from supervision.choices import (
    OPEN_FINDING_STATUSES,
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
    NoticeStatus,
    Severity,
    TaskStatus,
)


class SupervisionGroup(models.Model):
    """A supervision group (督导组): led by a deputy-director-level leader, it inspects
    the communities it covers (five of the street's fifteen) and reads their data.
    """

    street = models.ForeignKey(
        "grids.Area",
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "street"},
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_supervision_groups",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="supervision_groups",
    )
    communities = models.ManyToManyField(
        "grids.Area",
        verbose_name=_("communities"),
        related_name="supervision_groups",
        limit_choices_to={"kind": "community"},
    )

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Inspection(models.Model):
    """An inspection (督导检查) of one community by a supervision group on one day:
    concentrated or routine (集中督导 / 常规督导), announced or unannounced (明察 / 暗访),
    with what was checked. Its findings hang from it."""

    group = models.ForeignKey(SupervisionGroup, verbose_name=_("supervision group"),
                              on_delete=models.PROTECT, related_name="inspections")
    community = models.ForeignKey("grids.Area", verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="inspections",
                                  limit_choices_to={"kind": "community"})
    held_on = models.DateField(_("inspection date"))
    kind = models.CharField(_("kind"), max_length=16, choices=InspectionKind.choices,
                            default=InspectionKind.ROUTINE)
    manner = models.CharField(_("manner"), max_length=16, choices=InspectionManner.choices,
                              default=InspectionManner.ANNOUNCED)
    checked = models.TextField(_("what was checked"))
    summary = models.TextField(_("overall conclusion"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["community", "held_on"], name="inspection_community_idx")]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.community}"


class Finding(models.Model):
    """A shortfall an inspection found (督导发现问题): how serious, which matter or ledger
    it concerns, what rectification is required (整改要求) and by when. Closed only when
    the community has written how it rectified it and the supervisor has accepted it
    (验收) — the database refuses a closed finding without both."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"),
                                   on_delete=models.PROTECT, related_name="findings")
    # The inspected community, kept with the finding for per-community counts and scope.
    community = models.ForeignKey("grids.Area", verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="+", editable=False)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                default=Severity.GENERAL)
    subject = models.CharField(_("concerns"), max_length=10, choices=FindingSubject.choices,
                               default=FindingSubject.WORK)
    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="supervision_findings")
    ledger = models.CharField(_("ledger"), max_length=16, choices=Ledger.choices, blank=True)
    description = models.TextField(_("what was found"))
    rectification_required = models.TextField(_("rectification required"))
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices,
                              default=FindingStatus.OPEN)
    rectification_note = models.TextField(_("how it was rectified"), blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rectified by"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    rectified_at = models.DateTimeField(_("rectification submitted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acceptance_note = models.TextField(_("acceptance note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["community", "status"], name="finding_community_status_idx"),
            models.Index(fields=["status", "deadline"], name="finding_status_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.CLOSED)
                | (~Q(rectification_note="") & Q(accepted_by__isnull=False)
                   & Q(accepted_at__isnull=False)),
                name="finding_closed_only_rectified_and_accepted"),
            models.CheckConstraint(
                condition=~Q(subject=FindingSubject.MATTER) | Q(risk__isnull=False),
                name="finding_on_a_matter_names_it"),
            models.CheckConstraint(
                condition=~Q(subject=FindingSubject.LEDGER) | ~Q(ledger=""),
                name="finding_on_a_ledger_names_it"),
        ]

    def __str__(self):
        return self.description[:40]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FINDING_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status == FindingStatus.OPEN and self.deadline < timezone.localdate()

    @property
    def concerns_label(self) -> str:
        if self.subject == FindingSubject.MATTER and self.risk_id:
            return f"{self.risk.code} {self.risk.title}"
        if self.subject == FindingSubject.LEDGER:
            return self.get_ledger_display()
        return self.get_subject_display()


class FindingEvent(AppendOnlyModel):
    """One step of a finding's life: recorded, rectification submitted, returned,
    accepted, evidence added — who, when, from which status to which, and the note."""

    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT,
                                related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=FindingAction.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.finding_id} {self.action}"


def evidence_path(instance, filename: str) -> str:
    return f"supervision/evidence/{timezone.localdate():%Y/%m}/{filename}"


class Evidence(models.Model):
    """A photo or PDF kept as evidence (佐证材料) of a finding, as found or after
    rectification. Its type is checked from its content, not its name; it is served only
    to those who see the finding, and every download is logged."""

    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT,
                                related_name="evidence")
    stage = models.CharField(_("stage"), max_length=16, choices=EvidenceStage.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Notice(models.Model):
    """A notice (督导通报) of a supervision group on what its inspections found: drafted
    from findings, printed on A4, and sent to the inboxes of the communities concerned.
    Once sent it is a record and no longer changes."""

    group = models.ForeignKey(SupervisionGroup, verbose_name=_("supervision group"),
                              on_delete=models.PROTECT, related_name="notices")
    number = models.CharField(_("notice number"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    findings = models.ManyToManyField(Finding, verbose_name=_("findings"), blank=True,
                                      related_name="notices")
    communities = models.ManyToManyField("grids.Area", verbose_name=_("communities notified"),
                                         related_name="supervision_notices",
                                         limit_choices_to={"kind": "community"})
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices,
                              default=NoticeStatus.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("drafted by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-drafted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], condition=~Q(number=""),
                                    name="notice_number_unique_in_group"),
            models.CheckConstraint(
                condition=~Q(status=NoticeStatus.SENT)
                | (~Q(number="") & Q(sent_at__isnull=False)),
                name="notice_sent_has_number_and_time"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_sent(self) -> bool:
        return self.status == NoticeStatus.SENT


class ListedSupervision(models.Model):
    """Listed supervision (挂牌督办) of a matter or of a whole community: a supervisor or
    the street leader lists it with a reason and a deadline; the grade rises when the
    deadline slips (普通 → 黄牌 → 红牌), and it shows on every dashboard and list of its
    scope until it is lifted with a note."""

    community = models.ForeignKey("grids.Area", verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="listings",
                                  limit_choices_to={"kind": "community"})
    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="listings")
    group = models.ForeignKey(SupervisionGroup, verbose_name=_("supervision group"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="listings")
    reason = models.TextField(_("reason"))
    grade = models.CharField(_("grade"), max_length=10, choices=ListingGrade.choices,
                             default=ListingGrade.NORMAL)
    deadline = models.DateField(_("deadline"))
    original_deadline = models.DateField(_("first deadline"), editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ListingStatus.choices,
                              default=ListingStatus.ACTIVE)
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("listed by"),
                                  null=True, on_delete=models.PROTECT, related_name="+")
    listed_at = models.DateTimeField(_("listed at"), default=timezone.now)
    escalated_at = models.DateTimeField(_("grade last raised at"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lifted by"),
                                  null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_note = models.TextField(_("why it is lifted"), blank=True)

    class Meta:
        verbose_name = _("listed supervision")
        verbose_name_plural = _("listed supervision")
        ordering = ["-listed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="listing_status_deadline_idx"),
            models.Index(fields=["community", "status"], name="listing_community_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["risk"], condition=Q(status="active", risk__isnull=False),
                name="one_active_listing_per_matter"),
            models.UniqueConstraint(
                fields=["community"], condition=Q(status="active", risk__isnull=True),
                name="one_active_listing_per_community"),
            models.CheckConstraint(
                condition=~Q(status=ListingStatus.LIFTED)
                | (~Q(lift_note="") & Q(lifted_at__isnull=False)),
                name="listing_lifted_with_a_note"),
        ]

    def __str__(self):
        return f"{self.subject_label} ({self.get_grade_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == ListingStatus.ACTIVE

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.deadline < timezone.localdate()

    @property
    def subject_label(self) -> str:
        if self.risk_id:
            return f"{self.risk.code} {self.risk.title}"
        return self.community.name


class ListingEvent(AppendOnlyModel):
    """One step of a listed supervision: listed, grade raised (by the daily job when the
    deadline slipped), lifted — with the grades before and after and the note."""

    listing = models.ForeignKey(ListedSupervision, verbose_name=_("listed supervision"),
                                on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=ListingAction.choices)
    from_grade = models.CharField(_("from"), max_length=10, blank=True)
    to_grade = models.CharField(_("to"), max_length=10, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("listed supervision event")
        verbose_name_plural = _("listed supervision events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.listing_id} {self.action}"


class Campaign(models.Model):
    """A special campaign (专项攻坚行动) of attachment 2 of the work plan: dispute
    resolution, the seasonal crackdown, key-group services, public-safety supervision,
    campus safety, youth crime prevention. Data, seeded by a migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    summary = models.TextField(_("what it does"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("in progress"), default=True)
    matters = models.ManyToManyField("risks.Risk", verbose_name=_("linked matters"),
                                     through="CampaignMatter", related_name="campaigns",
                                     blank=True)

    class Meta:
        verbose_name = _("special campaign")
        verbose_name_plural = _("special campaigns")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class CampaignTask(models.Model):
    """A task of a campaign (攻坚任务) owned by a department (属事) or a community (属地),
    with a deadline, a status and progress reports."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("special campaign"),
                                 on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    owner_department = models.ForeignKey("grids.Department",
                                         verbose_name=_("responsible department"), null=True,
                                         blank=True, on_delete=models.PROTECT,
                                         related_name="campaign_tasks")
    owner_community = models.ForeignKey("grids.Area", verbose_name=_("responsible community"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="campaign_tasks",
                                        limit_choices_to={"kind": "community"})
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices,
                              default=TaskStatus.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["campaign", "status"], name="campaign_task_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_department__isnull=False) & Q(owner_community__isnull=True))
                | (Q(owner_department__isnull=True) & Q(owner_community__isnull=False)),
                name="campaign_task_has_one_owner"),
            models.CheckConstraint(condition=Q(progress__lte=100),
                                   name="campaign_task_progress_at_most_100"),
        ]

    def __str__(self):
        return self.title

    @property
    def owner_label(self) -> str:
        return (self.owner_department or self.owner_community).name

    @property
    def is_overdue(self) -> bool:
        return self.status != TaskStatus.DONE and self.deadline < timezone.localdate()


class CampaignProgressReport(AppendOnlyModel):
    """A progress report on a campaign task (进展报告): what was done, the progress and
    the status after it."""

    task = models.ForeignKey(CampaignTask, verbose_name=_("campaign task"),
                             on_delete=models.PROTECT, related_name="reports")
    note = models.TextField(_("what was done"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"),
                              null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.task_id} {self.progress}%"


class CampaignMatter(models.Model):
    """A matter of the register worked on under a campaign (列入专项攻坚)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("special campaign"),
                                 on_delete=models.CASCADE, related_name="links")
    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="campaign_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("linked by"),
                                  null=True, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        verbose_name = _("linked matter")
        verbose_name_plural = _("linked matters")
        ordering = ["-linked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "risk"],
                                               name="one_link_per_campaign_and_matter")]

    def __str__(self):
        return f"{self.campaign_id}:{self.risk_id}"
