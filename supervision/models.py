from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
