import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import AREA_KIND_FOR_ROLE, ROLES_NEEDING_DEPARTMENT, Role


class User(AbstractUser):
    """A person who works in the register (a grid worker, a community officer, section
    staff, a street leader, a supervisor) or a machine client of the district platform.

    The scope of what they see is their ``area`` (and the subtree below it) and, for
    section staff, their ``department``.
    """

    name = models.CharField(_("full name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # A district platform's client sees several streets (a district is no area of the
    # tree): its area and these (grids.scoping, through accounts.apps).
    district_streets = models.ManyToManyField(
        "grids.Area", verbose_name=_("district streets"), blank=True, related_name="+",
        limit_choices_to={"kind": "street"},
        help_text=_("For an API client of the district: further streets it sees, besides "
                    "its area."))
    # 科室负责人: with the street's leaders, the only people a matter's lead (包案领导) may be
    is_department_head = models.BooleanField(
        _("head of department"), default=False,
        help_text=_("Heads a section of the street office; may be named a matter's lead."))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def clean(self):
        super().clean()
        if not self.role:
            return
        errors = {}
        allowed_kinds = AREA_KIND_FOR_ROLE[Role(self.role)]
        if self.area_id is None:
            errors["area"] = _("A %(role)s needs an area.") % {"role": Role(self.role).label}
        elif self.area.kind not in allowed_kinds:
            errors["area"] = _("A %(role)s cannot be attached to a %(kind)s.") % {
                "role": Role(self.role).label,
                "kind": self.area.get_kind_display(),
            }
        if self.role in ROLES_NEEDING_DEPARTMENT and self.department_id is None:
            errors["department"] = _("Section staff need a department.")
        if self.is_department_head and self.role != Role.SECTION_STAFF:
            errors["is_department_head"] = _("Only section staff head a department.")
        if errors:
            raise ValidationError(errors)


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A key with which a machine client (the district platform, the grid app) calls the
    REST API. Only the key's hash is stored; the key itself is shown once, at creation.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} · {self.key_prefix}…"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.user.is_active


class IdempotentRequest(models.Model):
    """A POST of the API sent with an ``Idempotency-Key``: kept 24 hours, so that a retry
    of the same body answers the first response again and does nothing else. While the
    first request is being answered the response is empty (``status_code`` null)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=100)
    path = models.CharField(_("path"), max_length=300)
    body_hash = models.CharField(_("body hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    response_body = models.BinaryField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="one_request_per_user_key")]

    def __str__(self):
        return f"{self.user_id} · {self.key}"
