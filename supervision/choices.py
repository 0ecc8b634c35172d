"""The words of supervision (督导): inspections, findings and their rectification, notices
(通报), listed supervision (挂牌督办) and the special campaigns (专项攻坚行动). The
transitions each stateful model allows are in supervision/transitions.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    """集中督导 (a concentrated round, all groups at once) or 常规督导 (routine)."""

    CONCENTRATED = "concentrated", _("Concentrated supervision")
    ROUTINE = "routine", _("Routine supervision")


class InspectionManner(models.TextChoices):
    """明察 (announced) or 暗访 (unannounced): 明察暗访."""

    ANNOUNCED = "announced", _("Announced inspection")
    UNANNOUNCED = "unannounced", _("Unannounced visit")


class Severity(models.TextChoices):
    SERIOUS = "serious", _("Serious")
    GENERAL = "general", _("General")
    MINOR = "minor", _("Minor")


class FindingSubject(models.TextChoices):
    """What a finding is about: a matter of the register, one of the ledgers, or the
    community's work in general (duty rosters, daily checks, zero reports)."""

    MATTER = "matter", _("A matter")
    LEDGER = "ledger", _("A ledger")
    WORK = "work", _("The community's work")


class Ledger(models.TextChoices):
    """The ledgers a finding may concern (健全三个台账, plus 底数台账 and 销号进度台账)."""

    ONLINE = "online", _("Online platform ledger")
    ARCHIVE = "archive", _("Offline archive ledger")
    KEY_MATTERS = "key_matters", _("Key-matters ledger")
    BASELINE = "baseline", _("Baseline ledger")
    PROGRESS = "progress", _("Write-off progress ledger")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Awaiting rectification")
    SUBMITTED = "submitted", _("Rectified, awaiting acceptance")
    CLOSED = "closed", _("Accepted and closed")


OPEN_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.SUBMITTED)


class FindingAction(models.TextChoices):
    RECORD = "record", _("Recorded")
    SUBMIT = "submit", _("Rectification submitted")
    RETURN = "return", _("Rectification returned")
    ACCEPT = "accept", _("Rectification accepted")
    EVIDENCE = "evidence", _("Evidence added")


class EvidenceStage(models.TextChoices):
    FINDING = "finding", _("As found")
    RECTIFICATION = "rectification", _("After rectification")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


class NoticeAction(models.TextChoices):
    SEND = "send", _("Send to the communities")


class ListingGrade(models.TextChoices):
    """The grade of listed supervision, rising when a deadline slips (普通 → 黄牌 → 红牌)."""

    NORMAL = "normal", _("Listed")
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


GRADE_ORDER = [ListingGrade.NORMAL, ListingGrade.YELLOW, ListingGrade.RED]
# After a grade rises, the days the community gets before it may rise again.
GRACE_DAYS = {ListingGrade.YELLOW: 7, ListingGrade.RED: 7}


class ListingStatus(models.TextChoices):
    ACTIVE = "active", _("Under listed supervision")
    LIFTED = "lifted", _("Lifted")


class ListingAction(models.TextChoices):
    LIST = "list", _("Listed")
    ESCALATE = "escalate", _("Grade raised")
    LIFT = "lift", _("Lifted")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
