from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """A read of personal data in the clear, or an export (严肃保密纪律): who, what, when
    and from where. Append-only."""

    class Action(models.TextChoices):
        UNMASKED_READ = "unmasked_read", _("Unmasked read")
        EXPORT = "export", _("Export")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"),
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target = models.CharField(_("what"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    ip_address = models.GenericIPAddressField(_("from where"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
