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
