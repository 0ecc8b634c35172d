from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.chain import HASHED_FIELDS
from audit.choices import ACCESS_ACTIONS, AuditAction
from audit.wording import describe_changes


class AuditEntryQuerySet(models.QuerySet):
    """Entries are never updated, and deleted only by the retention job (raw SQL under
    the PostgreSQL trigger's session switch, audit.services.remove_expired_entries)."""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only: entries are never updated.")

    def delete(self):
        raise PermissionError("The audit log is append-only: only the retention job "
                              "removes entries.")

    def access(self):
        return self.filter(action__in=ACCESS_ACTIONS)


class AuditEntry(models.Model):
    """One line of the audit log (审计日志, 倒查): a create, change, transition or delete of
    the register's records, an export or import, a read of personal data in the clear, a
    login, logout, failed login or lock-out, a use of an API token — who, what, when and
    from where. Append-only and hash-chained (audit.chain); kept at least 180 days.
    """

    Action = AuditAction

    # Null until the sealer puts the entry into the hash chain (audit.chain.seal).
    seq = models.BigIntegerField(_("number"), unique=True, null=True, editable=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # No database constraint and no cascade: deleting a user must neither fail because of
    # the log nor change it. ``username`` keeps who it was.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True,
                              blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    # The street the entry belongs to (audit.streets): what a street leader reads.
    street = models.ForeignKey("grids.Area", verbose_name=_("street"), null=True, blank=True,
                               on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="+")
    username = models.CharField(_("user name"), max_length=150, blank=True,
                                help_text=_("The actor's user name, or the one tried in a "
                                            "failed login."))
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    model_label = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    target = models.CharField(_("what"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    ip_address = models.CharField(_("from where"), max_length=45, blank=True)
    user_agent = models.CharField(_("client"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    origin = models.CharField(_("origin"), max_length=200, blank=True,
                              help_text=_("The request's method and path, task:<name> or "
                                          "command:<name>."))
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False,
                                 blank=True, default="")
    hash = models.CharField(_("hash"), max_length=64, editable=False, blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-seq"]
        # Each filter of the browse page with the page's order (newest first), so that
        # a filtered page on millions of entries reads an index range, not the table.
        indexes = [
            models.Index(fields=["street", "-seq"], name="audit_by_street"),
            models.Index(fields=["username", "-seq"], name="audit_by_username"),
            models.Index(fields=["action", "-seq"], name="audit_by_action"),
            models.Index(fields=["model_label", "object_id", "-seq"], name="audit_by_record"),
            models.Index(fields=["ip_address", "-seq"], name="audit_by_ip_address"),
            # what waits for the sealer, in the order it seals
            models.Index(fields=["id"], condition=models.Q(seq=None), name="audit_unsealed"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only: entries are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only: only the retention job "
                              "removes entries.")

    def hashed_values(self) -> dict:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    @property
    def change_lines(self) -> list[str]:
        return describe_changes(self.changes, self.model_label)


class AccessLogManager(models.Manager.from_queryset(AuditEntryQuerySet)):
    def get_queryset(self):
        return super().get_queryset().access()


class AccessLog(AuditEntry):
    """The reads of personal data in the clear and the exports (严肃保密纪律): the part of
    the audit log that was the register's access log before every change was audited."""

    objects = AccessLogManager()

    class Meta:
        proxy = True
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
