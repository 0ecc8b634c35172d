from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rhythm.choices import CheckOutcome, InstructionKind, InstructionStatus, WarningStatus


class CalendarDay(models.Model):
    """A day of China's official calendar that is not an ordinary Monday–Friday workday
    or weekend: a public holiday, or a make-up workday (调休). Kept by the administrator,
    seeded from the chinesecalendar package. A year with no rows falls back to Mon–Fri."""

    day = models.DateField(_("day"), unique=True)
    is_workday = models.BooleanField(_("workday"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("official calendar")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {'班' if self.is_workday else '休'} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule (holidays and 调休) is complete in CalendarDay: the
    package supplied it, or an administrator marked it after entering the State
    Council's notice. Only such a year counts as covered; one row of CalendarDay does not
    (a single day entered early must not silence the warning on the admin's home)."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("the chinesecalendar package")
        ADMINISTRATOR = "administrator", _("an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=15, choices=Source.choices,
                              default=Source.ADMINISTRATOR)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("marked by"),
                                  null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)

    class Meta:
        verbose_name = _("complete calendar year")
        verbose_name_plural = _("complete calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class RiskWarning(models.Model):
    """A warning (预警) on a graded matter. The responsible unit must feed back by the end
    of the second working day after the day of issue (T+2) or it is overdue."""

    # The foreign keys have no index of their own (db_index=False): a matter's warnings
    # are read through warning_risk_status_idx, nobody lists warnings by who issued or
    # answered them, and each index is written again when the sweep marks a warning
    # overdue (200,000 at once after an outage: bench/city.py).
    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="warnings", db_index=False)
    level = models.CharField(_("level"), max_length=10)
    content = models.TextField(_("content"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                  null=True, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    feedback_due = models.DateTimeField(_("feedback due"), editable=False)
    status = models.CharField(_("status"), max_length=10, choices=WarningStatus.choices,
                              default=WarningStatus.OPEN)
    feedback = models.TextField(_("feedback"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    # The issue notice went out (an outbox flag: the sweep delivers what was missed).
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["feedback_due"], name="warning_open_due_idx",
                         condition=Q(status="open")),
            models.Index(fields=["risk", "status"], name="warning_risk_status_idx"),
            # The sweep (every 15 minutes) finds the warnings it just marked by their
            # overdue_at, and the issue notices still to deliver by a null notified_at:
            # without these, a scan of every warning each time (bench/city.py).
            models.Index(fields=["overdue_at"], name="warning_overdue_at_idx",
                         condition=Q(overdue_at__isnull=False)),
            models.Index(fields=["id"], name="warning_unnotified_idx",
                         condition=Q(notified_at__isnull=True)),
            # The dashboards count overdue warnings per community from the overdue ones
            # alone, not a scan of every warning (city preset, busiest street: 64 → 21 ms).
            models.Index(fields=["risk"], name="warning_overdue_risk_idx",
                         condition=Q(status="overdue")),
        ]

    def __str__(self):
        return f"{self.risk_id} {self.issued_at:%Y-%m-%d}"

    @property
    def answered_on_time(self) -> bool:
        return bool(self.answered_at and self.answered_at <= self.feedback_due)


class DailyCheck(models.Model):
    """A community's daily check (日核) of its open matters on one day."""

    community = models.ForeignKey("grids.Area", verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="daily_checks")
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("daily check")
        verbose_name_plural = _("daily checks")
        ordering = ["-day", "community__code"]
        constraints = [models.UniqueConstraint(fields=["community", "day"],
                                               name="one_daily_check_per_community_day")]

    def __str__(self):
        return f"{self.community} {self.day}"


class DailyCheckItem(models.Model):
    """One open matter on a daily checklist: confirmed unchanged, or changed with a note."""

    # The daily job inserts one item per open matter of the city every day (~600,000 on
    # the city preset). No index of its own on check_list (the unique constraint below
    # leads with it), and no database constraint on risk: checking it locks every matter
    # row (FOR KEY SHARE) at each batch's commit, which cost more than the inserts
    # (bench/city.py). A matter cannot disappear under an item anyway: it is never
    # deleted through the ORM while items PROTECT it, and its own append-only events
    # hold it with a database constraint.
    check_list = models.ForeignKey(DailyCheck, verbose_name=_("daily check"),
                                   on_delete=models.CASCADE, related_name="items",
                                   db_index=False)
    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="+", db_constraint=False)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CheckOutcome.choices,
                               blank=True)
    note = models.TextField(_("note"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("daily check item")
        verbose_name_plural = _("daily check items")
        ordering = ["risk_id"]
        constraints = [models.UniqueConstraint(fields=["check_list", "risk"],
                                               name="one_item_per_check_and_matter")]

    def __str__(self):
        return f"{self.check_list_id}:{self.risk_id}"


class ZeroReport(models.Model):
    """A grid worker's report that nothing new was found in the grid that day (零报告),
    so silence can be told apart from "no risk"."""

    grid = models.ForeignKey("grids.Area", verbose_name=_("grid"), on_delete=models.PROTECT,
                             related_name="zero_reports")
    day = models.DateField(_("day"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reporter"),
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("zero report")
        verbose_name_plural = _("zero reports")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["grid", "day"],
                                               name="one_zero_report_per_grid_day")]

    def __str__(self):
        return f"{self.grid} {self.day}"


class Snapshot(models.Model):
    """Figures of a street kept as they were (周调 weekly, 月统 monthly, data quality),
    so that trends can be drawn later. ``rows`` holds the aggregate rows."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        DATA_QUALITY = "data_quality", _("Data quality")

    street = models.ForeignKey("grids.Area", verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period_start = models.DateField(_("period start"))
    rows = models.JSONField(_("figures"), default=list)
    created_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-period_start"]
        constraints = [models.UniqueConstraint(fields=["street", "kind", "period_start"],
                                               name="one_snapshot_per_street_kind_period")]

    def __str__(self):
        return f"{self.street} {self.kind} {self.period_start}"


class WorkInstruction(models.Model):
    """A work instruction (工作指令) from an officer to grid workers about a matter or an
    area — visit, verify, stabilise — with a deadline; overdue when unanswered."""

    risk = models.ForeignKey("risks.Risk", verbose_name=_("matter"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="instructions")
    area = models.ForeignKey("grids.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=InstructionKind.choices)
    content = models.TextField(_("instruction"))
    deadline = models.DateTimeField(_("deadline"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("work instruction")
        verbose_name_plural = _("work instructions")
        ordering = ["-issued_at"]

    def __str__(self):
        return self.content[:30]


class InstructionRecipient(models.Model):
    """A grid worker an instruction was sent to, and their answer."""

    instruction = models.ForeignKey(WorkInstruction, verbose_name=_("instruction"),
                                    on_delete=models.CASCADE, related_name="recipients")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"),
                               on_delete=models.PROTECT, related_name="instructions")
    status = models.CharField(_("status"), max_length=10, choices=InstructionStatus.choices,
                              default=InstructionStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)

    class Meta:
        verbose_name = _("instruction recipient")
        verbose_name_plural = _("instruction recipients")
        constraints = [models.UniqueConstraint(fields=["instruction", "worker"],
                                               name="one_row_per_instruction_worker")]

    def __str__(self):
        return f"{self.instruction_id}:{self.worker_id}"
