from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inbox.choices import Cadence, Channel, ChatPlatform, DeliveryStatus


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
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    # The delivery that wrote the row: tells which rows a bulk insert really created
    # when others already existed (ON CONFLICT DO NOTHING keeps the older row's batch).
    batch = models.UUIDField(_("delivery batch"), editable=False, db_index=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # E-mail outbox: set when the e-mail copy was handed to the mail server.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Chat-robot outbox: set when the notice was handed to the person's unit's robot (or
    # found to have none).
    chatted_at = models.DateTimeField(_("sent to chat at"), null=True, blank=True)
    # A digest stands for this many notices of a burst (more than the hourly limit);
    # 0 for an ordinary notice.
    folded = models.PositiveIntegerField(_("notices folded"), db_default=0)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "dedupe_key"],
                                               name="one_message_per_recipient_and_key")]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="inbox_unread_idx"),
            # a person's notices of the last hour (the hourly limit, the burst digest)
            models.Index(fields=["recipient", "created_at"], name="inbox_recent_idx"),
            # the outboxes: what is still to be e-mailed or sent to a chat robot, by age
            models.Index(fields=["created_at"], condition=Q(emailed_at__isnull=True),
                         name="inbox_email_outbox_idx"),
            models.Index(fields=["created_at"], condition=Q(chatted_at__isnull=True),
                         name="inbox_chat_outbox_idx"),
        ]

    def __str__(self):
        return self.title


class NoticePreference(models.Model):
    """A person's cadence for one channel; no row means the channel's default
    (e-mail immediate, chat robot off)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                             on_delete=models.CASCADE, related_name="notice_preferences")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")
        constraints = [models.UniqueConstraint(fields=["user", "channel"],
                                               name="one_preference_per_channel")]

    def __str__(self):
        return f"{self.user} {self.channel}: {self.cadence}"


class ChatRobot(models.Model):
    """An enterprise chat group robot (企业微信/钉钉群机器人) of a community or a
    department: the notices of its people who chose the chat channel are POSTed to its
    webhook URL. Off until an administrator turns it on."""

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=10, choices=ChatPlatform.choices,
                                default=ChatPlatform.WECOM)
    url = models.URLField(_("webhook URL"), max_length=500)
    # DingTalk's signing secret (加签); empty when the robot uses keywords or IP lists.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    area = models.ForeignKey("grids.Area", verbose_name=_("community"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="chat_robots")
    department = models.ForeignKey("grids.Department", verbose_name=_("department"),
                                   null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="chat_robots")
    is_active = models.BooleanField(_("on"), default=False)

    class Meta:
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")
        ordering = ["name"]
        constraints = [models.CheckConstraint(
            condition=Q(area__isnull=False, department__isnull=True)
            | Q(area__isnull=True, department__isnull=False),
            name="chat_robot_of_a_community_or_a_department")]

    def __str__(self):
        return self.name


class ChatDelivery(models.Model):
    """One POST (with its retries) of notices to a chat robot: what was sent, how it went."""

    robot = models.ForeignKey(ChatRobot, verbose_name=_("chat robot"), on_delete=models.CASCADE,
                              related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  null=True, on_delete=models.SET_NULL,
                                  related_name="chat_deliveries")
    messages = models.PositiveIntegerField(_("notices"), default=1)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("chat delivery")
        verbose_name_plural = _("chat deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="inbox_chat_status_idx")]

    def __str__(self):
        return f"{self.robot} #{self.pk}"


class NoticeRun(models.Model):
    """Notices a sweep decided to send, waiting to be written (the sweep's outbox): the
    sweep's own transaction only marks what went overdue or red and adds this row; the
    notices, hundreds of thousands of rows after an outage, are written by
    ``inbox.runs.write_notice_runs`` in a transaction of their own, right after, or by the
    next sweep if the process stopped in between."""

    kind = models.CharField(_("kind"), max_length=40)  # a writer registered in inbox.runs
    moment = models.DateTimeField(_("as of"))
    since = models.DateTimeField(_("since"), null=True, blank=True)
    items = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    written_at = models.DateTimeField(_("written at"), null=True, blank=True)
    notices = models.PositiveIntegerField(_("notices written"), null=True, blank=True)

    class Meta:
        verbose_name = _("run of notices")
        verbose_name_plural = _("runs of notices")
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=models.Q(written_at=None),
                                name="notice_run_pending_idx")]

    def __str__(self):
        return f"{self.kind} {self.moment:%Y-%m-%d %H:%M}"
