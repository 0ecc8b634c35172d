from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """A notice in a person's in-app inbox: an overdue warning, an instruction, a finished
    export, a supervision notice. ``dedupe_key`` makes sending idempotent: the same
    notice is never delivered twice to the same person."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="inbox_messages")
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200)
    # The delivery that wrote the row: tells which rows a bulk insert really created
    # when others already existed (ON CONFLICT DO NOTHING keeps the older row's batch).
    batch = models.UUIDField(editable=False, db_index=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # E-mail outbox: set when the e-mail copy was handed to the mail server.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "dedupe_key"],
                                               name="one_message_per_recipient_and_key")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread_idx")]

    def __str__(self):
        return self.title
