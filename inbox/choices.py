from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a notice goes besides the inbox (which is always immediate)."""

    EMAIL = "email", _("e-mail")
    CHAT = "chat", _("chat robot")


class Cadence(models.TextChoices):
    """How often a person wants a channel's notices: each at once (at most
    IMMEDIATE_PER_HOUR an hour, the rest in the next hourly digest), an hourly digest, one
    digest at 08:00 on working days, or none."""

    IMMEDIATE = "immediate", _("immediately")
    HOURLY = "hourly", _("hourly digest")
    DAILY = "daily", _("daily digest")
    OFF = "off", _("off")


class ChatPlatform(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
