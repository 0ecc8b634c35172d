from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.choices import Duty
from quanfu.append_only import AppendOnlyModel
from risks.choices import (
    OPEN_STATUSES,
    ApprovalKind,
    ApprovalState,
    ClockStage,
    EventKind,
    FollowUpOutcome,
    Relation,
    RiskLevel,
    RiskStatus,
    Source,
    Tier,
)
from risks.masking import mask_name

# The four duties (四个责任) as fields of a matter.
DUTY_FIELDS = {
    Duty.DISPATCH: "dispatch_person",
    Duty.INVESTIGATE: "investigate_person",
    Duty.RESOLVE: "resolve_person",
    Duty.STABILIZE: "stabilize_person",
}


class Category(models.Model):
    """One of the seven categories of social-stability risk (七类风险隐患). Data, not code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class Subtype(models.Model):
    """A kind of hazard, event or dispute within a category (never a class of people)."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="subtypes")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # A retired subtype stays (history and old exports keep its words), offered nowhere.
    is_active = models.BooleanField(_("in use"), default=True)
    replaced_by = models.ForeignKey("self", verbose_name=_("replaced by"), null=True,
                                    blank=True, on_delete=models.PROTECT,
                                    related_name="replaces",
                                    help_text=_("For a retired subtype: the subtype that "
                                                "new matters use instead."))

    class Meta:
        verbose_name = _("subtype")
        verbose_name_plural = _("subtypes")
        ordering = ["category__position", "position", "code"]

    def __str__(self):
        return self.name


class SubjectRoute(models.Model):
    """Which section a subtype's matters go to by default (属事: 谁主管谁负责), named by the
    section's kind, the end of its code (``pingan`` for QF-pingan), so one table serves
    every street. Kept by the administrator."""

    subtype = models.OneToOneField(Subtype, verbose_name=_("subtype"), on_delete=models.CASCADE,
                                   related_name="route")
    department_kind = models.SlugField(
        _("department"), max_length=20,
        help_text=_("The end of the section's code, e.g. pingan, social, urban, emergency."))

    class Meta:
        verbose_name = _("subject route")
        verbose_name_plural = _("subject routes")
        ordering = ["subtype__category__position", "subtype__position"]

    def __str__(self):
        return f"{self.subtype} → {self.department_kind}"


class RiskCodeCounter(models.Model):
    """The last number handed out for a year's matter codes (QF-2026-000123)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"],
                                               name="one_counter_per_prefix_year")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Risk(models.Model):
    """A matter (事项) of the register: a risk hazard (风险隐患) or a dispute (矛盾纠纷)
    found in the street, graded, given four responsible persons and driven to write-off.
    """

    code = models.CharField(_("code"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="risks")
    subtype = models.ForeignKey(Subtype, verbose_name=_("subtype"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="risks")
    area = models.ForeignKey("grids.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="risks")
    # The street, community and grid the area lies in, kept with the matter so that scoping
    # by a street, community or grid is an equality on an indexed column (exact estimates,
    # index-ordered pages, index-only counts) and counts per community a plain GROUP BY.
    street = models.ForeignKey("grids.Area", verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="+", editable=False)
    community = models.ForeignKey("grids.Area", verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="+", editable=False)
    grid = models.ForeignKey("grids.Area", verbose_name=_("grid"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", editable=False)
    department = models.ForeignKey("grids.Department", verbose_name=_("department"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="risks")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices,
                              default=Source.GRID_PATROL)
    # Where the matter is (地址、位置): free text and an optional WGS84 point, both or neither
    # of its coordinates. db_default: bulk loaders COPY without these columns.
    address = models.CharField(_("address"), max_length=200, blank=True, default="",
                               db_default="")
    location_lat = models.FloatField(_("latitude"), null=True, blank=True,
                                     validators=[MinValueValidator(-90), MaxValueValidator(90)])
    location_lng = models.FloatField(_("longitude"), null=True, blank=True,
                                     validators=[MinValueValidator(-180),
                                                 MaxValueValidator(180)])
    # How many people the matter involves (涉及人数): a count, never a list of names.
    people_involved = models.PositiveIntegerField(
        _("people involved"), null=True, blank=True, validators=[MinValueValidator(1)])
    # null until graded (API_CONTRACT.md): "not graded" is not a level.
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices,  # noqa: DJ001
                             null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices,
                              default=RiskStatus.REPORTED)
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices,
                            default=Tier.COMMUNITY)
    discovered_at = models.DateTimeField(_("discovered at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("written off at"), null=True, blank=True, editable=False)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    dispatch_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("dispatch"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    investigate_person = models.ForeignKey(settings.AUTH_USER_MODEL,
                                           verbose_name=_("investigation"), null=True,
                                           blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    resolve_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolution"),
                                       null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    stabilize_person = models.ForeignKey(settings.AUTH_USER_MODEL,
                                         verbose_name=_("stabilisation"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lead official"),
                             null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # 属事 dispatch (分流): the department the matter was sent to, when, and when it signed
    # for it (签收; it then owns the matter as ``department``); returns (退回) are counted.
    dispatched_to = models.ForeignKey("grids.Department", verbose_name=_("dispatched to"),
                                      null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True,
                                         editable=False)
    accepted_at = models.DateTimeField(_("signed for at"), null=True, blank=True,
                                       editable=False)
    # db_default too: the scale generator and other bulk loaders COPY without the column
    returns = models.PositiveSmallIntegerField(_("returns"), default=0, db_default=0,
                                               editable=False)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", editable=False)
    reworks = models.PositiveSmallIntegerField(_("reworks"), default=0, db_default=0,
                                               editable=False)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    duplicate_of = models.ForeignKey("self", verbose_name=_("duplicate of"), null=True,
                                     blank=True, on_delete=models.PROTECT,
                                     related_name="duplicates")
    # The sending system's own id for the matter (API_CONTRACT.md): one matter per id and
    # reporter, so a client that sends the same matter again is told which one it is.
    external_ref = models.CharField(  # noqa: DJ001 (null: no id; "" would be one id)
        _("external reference"), max_length=100, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["-updated_at", "-id"]
        permissions = [("unmask_party", _("Can see parties' names and phone numbers unmasked"))]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="risk_sync_idx"),
            models.Index(fields=["area", "status"], name="risk_area_status_idx"),
            models.Index(fields=["community", "status"], name="risk_community_status_idx"),
            # a street's or community's newest matters first, and its sync walk
            models.Index(fields=["street", "updated_at", "id"], name="risk_street_recent_idx"),
            models.Index(fields=["street", "community", "updated_at", "id"],
                         name="risk_community_recent_idx"),
            models.Index(fields=["status", "level"], name="risk_status_level_idx"),
            models.Index(fields=["department", "status"], name="risk_department_status_idx"),
            models.Index(fields=["due_on"], name="risk_due_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(location_lat__isnull=True, location_lng__isnull=True)
                | Q(location_lat__isnull=False, location_lng__isnull=False),
                name="risk_location_whole"),
            models.UniqueConstraint(fields=["reported_by", "external_ref"],
                                    condition=Q(external_ref__isnull=False),
                                    name="risk_one_external_ref_per_reporter"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_on and self.is_open and self.due_on < timezone.localdate())

    def place_in(self, area) -> None:
        """Put the matter in ``area`` (a community, grid or micro-grid) and note the
        street, community and grid that contain it."""
        ancestors = area.ancestor_ids()
        self.area = area
        self.street_id = ancestors[0]
        self.community_id = ancestors[1]
        self.grid_id = ancestors[2] if len(ancestors) > 2 else None

    def save_change(self, fields: list[str], now=None) -> None:
        """Save ``fields`` as one change of the matter: a new version (what optimistic
        locking and the district's sync walk read) and its time."""
        self.version += 1
        self.updated_at = now or timezone.now()
        self.save(update_fields=[*fields, "version", "updated_at"])

    def duty_holder_ids(self) -> dict[str, int | None]:
        return {duty: getattr(self, f"{field}_id") for duty, field in DUTY_FIELDS.items()}

    def has_all_duties(self) -> bool:
        return all(self.duty_holder_ids().values())


class RiskEvent(AppendOnlyModel):
    """One step in a matter's history (倒查): who did what, when, from which state to which.

    Append-only: never updated or deleted, by anyone. The model and its queryset refuse,
    and on PostgreSQL a trigger refuses too.
    """

    risk = models.ForeignKey(Risk, verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=20, blank=True)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["risk", "created_at"], name="risk_event_risk_idx")]

    def __str__(self):
        return f"{self.risk_id} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename: str) -> str:
    return f"risks/attachments/{timezone.localdate():%Y/%m}/{filename}"


class Attachment(models.Model):
    """A photo or document attached to a matter (现场照片、材料). Its type is read from its
    content; a photo is re-encoded without its metadata (place, device) and keeps a
    thumbnail. It is served only to those who see the matter, and every download is
    logged."""

    risk = models.ForeignKey(Risk, verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_path, max_length=200,
                                 blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Party(models.Model):
    """A party to a matter (当事人): only a name, a phone number and how they are involved.

    No other personal data is kept; names and phones are masked unless unmasked on purpose.
    """

    risk = models.ForeignKey(Risk, verbose_name=_("matter"), on_delete=models.CASCADE,
                             related_name="parties")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices,
                                default=Relation.PARTY)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]

    def __str__(self):
        return mask_name(self.name)


class ResolutionPlan(models.Model):
    """The resolution plan of a matter (一事一策): measures, owner and target date."""

    risk = models.OneToOneField(Risk, verbose_name=_("matter"), on_delete=models.CASCADE,
                                related_name="plan")
    measures = models.TextField(_("measures"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    target_date = models.DateField(_("target date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resolution plan")
        verbose_name_plural = _("resolution plans")

    def __str__(self):
        return f"{self.risk_id}: {self.measures[:30]}"


class EmergencyPlan(models.Model):
    """The emergency plan of a high-level matter (一事一案): when it starts and stops,
    who commands, who does what, the measures and the supplies. Revised, and drilled.
    """

    risk = models.OneToOneField(Risk, verbose_name=_("matter"), on_delete=models.CASCADE,
                                related_name="emergency_plan")
    start_criteria = models.TextField(_("when it starts"))
    stop_criteria = models.TextField(_("when it stops"))
    command = models.TextField(_("command"))
    duties = models.TextField(_("duties"))
    measures = models.TextField(_("measures"))
    supplies = models.TextField(_("supplies"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")

    def __str__(self):
        return _("Matter %(risk)s, revision %(revision)s") % {"risk": self.risk_id,
                                                              "revision": self.revision}

    CONTENT_FIELDS = ("start_criteria", "stop_criteria", "command", "duties", "measures",
                      "supplies")

    def snapshot(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in self.CONTENT_FIELDS}


class EmergencyPlanRevision(models.Model):
    """An earlier text of an emergency plan, kept when it is revised (及时修订预案)."""

    plan = models.ForeignKey(EmergencyPlan, verbose_name=_("emergency plan"),
                             on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    content = models.JSONField(_("content"))
    reason = models.TextField(_("reason"), blank=True)
    revised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("revised by"),
                                   null=True, on_delete=models.PROTECT, related_name="+")
    revised_at = models.DateTimeField(_("revised at"), default=timezone.now)

    class Meta:
        verbose_name = _("emergency plan revision")
        verbose_name_plural = _("emergency plan revisions")
        ordering = ["plan", "revision"]
        constraints = [models.UniqueConstraint(fields=["plan", "revision"],
                                               name="one_row_per_plan_revision")]

    def __str__(self):
        return _("Plan %(plan)s, revision %(revision)s") % {"plan": self.plan_id,
                                                            "revision": self.revision}


class EmergencyDrill(models.Model):
    """A drill of an emergency plan (定期组织演练)."""

    plan = models.ForeignKey(EmergencyPlan, verbose_name=_("emergency plan"),
                             on_delete=models.CASCADE, related_name="drills")
    held_on = models.DateField(_("held on"))
    participants = models.TextField(_("participants"))
    summary = models.TextField(_("summary"))
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.plan_id} {self.held_on}"


class ClockRule(models.Model):
    """How many working days a stage may take before its clock turns yellow (the stage's
    time limit) and red, for a level and a category (empty = any). The most specific
    rule wins. Kept by the administrator; seeded with the street's defaults."""

    stage = models.CharField(_("stage"), max_length=10, choices=ClockStage.choices)
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices,  # noqa: DJ001
                             null=True, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    yellow_days = models.PositiveSmallIntegerField(_("yellow after (working days)"),
                                                   validators=[MinValueValidator(1)])
    red_days = models.PositiveSmallIntegerField(_("red after (working days)"),
                                                validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("clock rule")
        verbose_name_plural = _("clock rules")
        ordering = ["stage", "level", "category"]
        constraints = [
            # "any" (null) counts as one value: one rule per stage, level and category
            models.UniqueConstraint(F("stage"), Coalesce(F("level"), Value("")),
                                    Coalesce(F("category"), Value(0)),
                                    name="one_clock_rule_per_scope"),
            models.CheckConstraint(condition=Q(red_days__gte=F("yellow_days")),
                                   name="clock_rule_red_not_before_yellow"),
        ]

    def __str__(self):
        return f"{self.stage} {self.level or '*'} {self.category_id or '*'}: " \
               f"{self.yellow_days}/{self.red_days}"


class StageClock(models.Model):
    """The clock of one stage of a matter (sign-in, handling, verification, an upper
    tier's answer): started when the stage starts, stopped when it ends. ``yellow_at`` is
    the stage's time limit and ``red_at`` the point where the unit and the centre are
    told; both move later by the working days a clock spends paused (中止)."""

    risk = models.ForeignKey(Risk, verbose_name=_("matter"), on_delete=models.CASCADE,
                             related_name="clocks")
    # The matter's street and community, kept on the clock as on the matter (relinked with
    # it): a street's or community's lights are read from the clocks alone, without
    # joining every lit clock of the city to the street's matters (bench/workbench.py).
    # No index of their own (db_index=False): a street's lights are read through
    # clock_street_lights_idx, a community's from that street's.
    street = models.ForeignKey("grids.Area", verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="+", editable=False, db_index=False)
    community = models.ForeignKey("grids.Area", verbose_name=_("community"),
                                  on_delete=models.PROTECT, related_name="+", editable=False,
                                  db_index=False)
    stage = models.CharField(_("stage"), max_length=10, choices=ClockStage.choices)
    started_at = models.DateTimeField(_("started at"))
    yellow_at = models.DateTimeField(_("yellow at"))
    red_at = models.DateTimeField(_("red at"))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused seconds"), default=0)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    # A clock's colour (yellow, red) is not kept: it is read from its limits and the time
    # (risks.clocks.colour_q), so that no colour change rewrites a row. The first sweep
    # after an outage would otherwise rewrite every running clock at once (bench/city.py).

    class Meta:
        verbose_name = _("stage clock")
        verbose_name_plural = _("stage clocks")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["risk", "stage"], condition=Q(stopped_at=None),
                                    name="one_running_clock_per_stage"),
        ]
        indexes = [
            # the sweep: running, unpaused clocks crossing a limit since the last sweep
            models.Index(fields=["yellow_at"], name="clock_running_yellow_idx",
                         condition=Q(stopped_at=None, paused_at=None)),
            models.Index(fields=["red_at"], name="clock_running_red_idx",
                         condition=Q(stopped_at=None, paused_at=None)),
            # a street's lights (the register's clock= filter, dashboards, workbench): its
            # running clocks past their time limit, read from the index alone
            models.Index(fields=["street", "yellow_at"], name="clock_street_lights_idx",
                         include=["red_at", "paused_at", "risk"],
                         condition=Q(stopped_at=None)),
        ]

    def __str__(self):
        return f"{self.risk_id} {self.get_stage_display()} {self.started_at:%Y-%m-%d}"


class ClockSweep(models.Model):
    """How far the 15-minute sweep has told of clocks turning red (one row): the next
    sweep looks only at limits passed after this moment."""

    swept_until = models.DateTimeField(_("swept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock sweep")
        verbose_name_plural = _("clock sweeps")

    def __str__(self):
        return f"{self.swept_until}"


class Approval(models.Model):
    """A request that a street leader must decide (审批): writing off a high-level matter,
    lowering a high-level matter's level, extending its deadline, pausing its clock."""

    risk = models.ForeignKey(Risk, verbose_name=_("matter"), on_delete=models.PROTECT,
                             related_name="approvals")
    kind = models.CharField(_("kind"), max_length=12, choices=ApprovalKind.choices)
    reason = models.TextField(_("reason"))
    days = models.PositiveSmallIntegerField(_("days asked"), null=True, blank=True,
                                            validators=[MinValueValidator(1)])
    level = models.CharField(_("new level"), max_length=10, choices=RiskLevel.choices,  # noqa: DJ001
                             null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ApprovalState.choices,
                             default=ApprovalState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    granted_days = models.PositiveSmallIntegerField(_("days granted"), null=True, blank=True)
    # a write-off or a downgrade is done by its requester once approved, once
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["risk", "kind"], condition=Q(state="pending"),
                                    name="one_pending_approval_per_kind"),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="approval_state_idx")]

    def __str__(self):
        return f"{self.risk_id} {self.get_kind_display()} {self.get_state_display()}"


class FollowUp(models.Model):
    """A follow-up call after write-off (回访): did the matter stay resolved?"""

    risk = models.ForeignKey(Risk, verbose_name=_("matter"), on_delete=models.CASCADE,
                             related_name="follow_ups")
    outcome = models.CharField(_("outcome"), max_length=12, choices=FollowUpOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("called by"),
                                  on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(_("called at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["-called_at", "-id"]

    def __str__(self):
        return f"{self.risk_id} {self.outcome} {self.called_at:%Y-%m-%d}"
