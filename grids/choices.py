from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    MICROGRID = "microgrid", _("Micro-grid")


class GridType(models.TextChoices):
    BASIC = "basic", _("Basic grid")
    DEDICATED = "dedicated", _("Dedicated grid")


class Duty(models.TextChoices):
    """The four duties of the work plan (四个责任): each is a named person on record."""

    DISPATCH = "dispatch", _("Dispatch")
    INVESTIGATE = "investigate", _("Investigation")
    RESOLVE = "resolve", _("Resolution")
    STABILIZE = "stabilize", _("Stabilisation")


class AreaChangeKind(models.TextChoices):
    SPLIT = "split", _("Split")
    MERGE = "merge", _("Merge")
    RETIRE = "retire", _("Retire")
    MOVE = "move", _("Move to another parent")
    RENAME = "rename", _("Rename")
    RECODE = "recode", _("Re-code")


class AreaChangeState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPLIED = "applied", _("Approved and applied")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The only shape the tree may take: street → community → grid → micro-grid.
PARENT_KIND = {
    AreaKind.STREET: None,
    AreaKind.COMMUNITY: AreaKind.STREET,
    AreaKind.GRID: AreaKind.COMMUNITY,
    AreaKind.MICROGRID: AreaKind.GRID,
}
DEPTH_OF_KIND = {
    AreaKind.STREET: 1,
    AreaKind.COMMUNITY: 2,
    AreaKind.GRID: 3,
    AreaKind.MICROGRID: 4,
}
