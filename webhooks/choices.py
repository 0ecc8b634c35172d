from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    """The events an API client may subscribe to (API_CONTRACT.md, "Other systems")."""

    RISK_CREATED = "risk.created", _("a matter was reported")
    RISK_CHANGED = "risk.changed", _("a matter was changed")
    RISK_CLOSED = "risk.closed", _("a matter was written off")
    WARNING_ISSUED = "warning.issued", _("a warning was issued")
    WARNING_ANSWERED = "warning.answered", _("a warning was answered")
    DISPUTE_CHANGED = "dispute.changed", _("a dispute record was changed")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
