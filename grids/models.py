from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.choices import (
    PARENT_KIND,
    AreaChangeKind,
    AreaChangeState,
    AreaKind,
    Duty,
    GridType,
)
from grids.validators import validate_official_code

PATH_SEPARATOR = "."


class Area(models.Model):
    """An area of the street's grid structure (街道 → 社区 → 网格 → 微网格).

    The tree is a materialised path of ids: a node's ``path`` is its ancestors' ids and
    its own, each followed by a dot ("12.40.518."). A whole subtree is then one indexed
    prefix query (``path LIKE '12.40.%'``) on SQLite and PostgreSQL alike.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    grid_type = models.CharField(
        _("grid type"), max_length=16, choices=GridType.choices, blank=True, default=""
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=1)
    # The grid code of CJ/T 349-2010 (20 digits), where the area has been given one.
    official_code = models.CharField(_("official code"), max_length=20, blank=True, default="",
                                     validators=[validate_official_code])
    # GeoJSON Polygon or MultiPolygon in WGS84 (grids/boundaries.py checks and imports it);
    # the simplified copy is what maps of many areas draw.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    boundary_simple = models.JSONField(_("simplified boundary"), null=True, blank=True,
                                       editable=False)
    # An area lives from opened_on (null: since before the register) until closed_on (the
    # day a split, merge or retirement took effect); a closed area keeps its history and
    # takes no new reports.
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", through="AreaLineage", through_fields=("predecessor", "successor"),
        symmetrical=False, related_name="predecessors", verbose_name=_("successors"),
        blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["official_code"], condition=~Q(official_code=""),
                                    name="area_official_code_unique"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="area_closes_after_it_opens"),
            models.CheckConstraint(
                condition=(Q(kind=AreaKind.GRID) & ~Q(grid_type=""))
                | (~Q(kind=AreaKind.GRID) & Q(grid_type="")),
                name="area_grid_type_only_on_grids",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        expected_parent_kind = PARENT_KIND.get(self.kind)
        if self.kind == AreaKind.GRID and not self.grid_type:
            errors["grid_type"] = _("A grid must be a basic or a dedicated grid.")
        if self.kind != AreaKind.GRID and self.grid_type:
            errors["grid_type"] = _("Only a grid has a grid type.")
        if self.parent_id is None:
            if expected_parent_kind is not None:
                errors["parent"] = _("A %(kind)s must have a parent %(parent_kind)s.") % {
                    "kind": AreaKind(self.kind).label,
                    "parent_kind": AreaKind(expected_parent_kind).label,
                }
        elif expected_parent_kind is None:
            errors["parent"] = _("A street is a root and cannot have a parent area.")
        elif self.parent.kind != expected_parent_kind:
            errors["parent"] = _("A %(kind)s cannot be placed under a %(parent_kind)s.") % {
                "kind": AreaKind(self.kind).label,
                "parent_kind": AreaKind(self.parent.kind).label,
            }
        elif self.pk and self.path and self.parent.path.startswith(self.path):
            errors["parent"] = _("An area cannot be moved under itself or its own descendants.")
        if errors:
            raise ValidationError(errors)

    def is_within(self, other: "Area") -> bool:
        """True when this area is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)

    def descendants(self, include_self: bool = True):
        queryset = Area.objects.filter(path__startswith=self.path)
        return queryset if include_self else queryset.exclude(pk=self.pk)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split(PATH_SEPARATOR) if part]

    def street_path(self) -> str:
        """The path of the street this area lies in: the prefix of everything in it."""
        return f"{self.ancestor_ids()[0]}{PATH_SEPARATOR}"


class Department(models.Model):
    """A functional section of a street office (科室), answering for matters by subject (属事)."""

    street = models.ForeignKey(
        Area,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        related_name="departments",
        limit_choices_to={"kind": AreaKind.STREET},
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.street_id and self.street.kind != AreaKind.STREET:
            raise ValidationError({"street": _("A department belongs to a street office.")})


class DutyAssignment(models.Model):
    """One entry of a grid's duty roster (逐个网格明确调度、摸排、化解责任人).

    Entries are never rewritten: a change ends the current entry and opens a new one,
    so the roster on any past date can be traced (倒查).
    """

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="duty_assignments",
        limit_choices_to={"kind": AreaKind.GRID},
    )
    duty = models.CharField(_("duty"), max_length=16, choices=Duty.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="grid_duties",
    )
    starts_on = models.DateField(_("starts on"))
    # The day the next holder took over: the entry covers starts_on <= day < ends_on.
    ends_on = models.DateField(_("ended on"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duty roster entry")
        verbose_name_plural = _("duty roster")
        ordering = ["grid__code", "duty", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "duty"],
                condition=Q(ends_on__isnull=True),
                name="one_current_holder_per_grid_duty",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="duty_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["grid", "duty", "starts_on"])]

    def __str__(self):
        return f"{self.grid} · {self.get_duty_display()} · {self.person}"

    def held_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


class AreaChange(models.Model):
    """One dated change of the structure (split, merge, retire, move, rename, re-code):
    requested by a community officer for their community (or by the street), decided by a
    street leader, applied in one transaction (grids/restructuring.py). ``spec`` is what
    was asked (the areas, the new ones' codes and names, where each open matter goes);
    ``summary`` is what applying it moved."""

    kind = models.CharField(_("kind"), max_length=10, choices=AreaChangeKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=AreaChangeState.choices,
                             default=AreaChangeState.REQUESTED)
    community = models.ForeignKey(Area, verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Area, verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="+")
    effective_on = models.DateField(_("takes effect on"))
    spec = models.JSONField(_("what changes"), default=dict)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    summary = models.JSONField(_("what moved"), null=True, blank=True)

    class Meta:
        verbose_name = _("change of areas")
        verbose_name_plural = _("changes of areas")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "requested_at"], name="area_change_state_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_on} {self.get_state_display()}"


class AreaLineage(models.Model):
    """An area that a change turned (in part) into another: a split grid and each of its
    parts, each merged grid and the grid they became."""

    change = models.ForeignKey(AreaChange, verbose_name=_("change of areas"),
                               on_delete=models.PROTECT, related_name="lineage")
    predecessor = models.ForeignKey(Area, verbose_name=_("predecessor"),
                                    on_delete=models.PROTECT, related_name="successor_links")
    successor = models.ForeignKey(Area, verbose_name=_("successor"), on_delete=models.PROTECT,
                                  related_name="predecessor_links")

    class Meta:
        verbose_name = _("area lineage")
        verbose_name_plural = _("area lineage")
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"],
                                               name="area_lineage_once")]

    def __str__(self):
        return f"{self.predecessor_id} → {self.successor_id}"
