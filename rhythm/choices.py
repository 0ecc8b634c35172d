from django.db import models
from django.utils.translation import gettext_lazy as _


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Awaiting feedback")
    ANSWERED = "answered", _("Answered")
    OVERDUE = "overdue", _("Overdue")


class CheckOutcome(models.TextChoices):
    UNCHANGED = "unchanged", _("Unchanged")
    CHANGED = "changed", _("Changed")


class InstructionKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    VERIFY = "verify", _("Verify")
    STABILIZE = "stabilize", _("Stabilise")
    OTHER = "other", _("Other")


class InstructionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    ANSWERED = "answered", _("Answered")
    OVERDUE = "overdue", _("Overdue")


class ReplyAction(models.TextChoices):
    """What happens to a warning, or to an instruction's recipient, awaiting the answer:
    the answer (on time or late), or the sweep marking it overdue (rhythm/transitions.py)."""

    ANSWER = "answer", _("Answered")
    MARK_OVERDUE = "mark_overdue", _("Overdue")
