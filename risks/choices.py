from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    RESOLVING = "resolving", _("Resolving")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed (written off)")
    INVALID = "invalid", _("Invalid")


OPEN_STATUSES = (RiskStatus.REPORTED, RiskStatus.VERIFIED, RiskStatus.RESOLVING)


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


LEVEL_ORDER = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}


class Tier(models.TextChoices):
    """Who handles a matter now: the three tiers of joint meetings (三级联席会议)."""

    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


TIER_ORDER = [Tier.COMMUNITY, Tier.STREET, Tier.DISTRICT]


class Source(models.TextChoices):
    GRID_PATROL = "grid_patrol", _("Grid patrol")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    POLICE_110 = "police_110", _("110 police")
    PETITION = "petition", _("Petition")
    DEPARTMENT = "department", _("Department")
    MEETING = "meeting", _("Meeting")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Action(models.TextChoices):
    """The actions of ``risks/{id}/transition/``."""

    VERIFY = "verify", _("Verify")
    REJECT = "reject", _("Reject as not a risk")
    START = "start", _("Start resolving")
    RESOLVE = "resolve", _("Mark resolved")
    CLOSE = "close", _("Write off")
    REOPEN = "reopen", _("Reopen")
    ESCALATE = "escalate", _("Escalate")
    DEESCALATE = "deescalate", _("Send down a tier")
    CONFIRM_GRADE = "confirm_grade", _("Confirm grade")
    DISPATCH = "dispatch", _("Dispatch to a department")
    ACCEPT = "accept", _("Sign for it")
    RETURN = "return", _("Return it")
    REWORK = "rework", _("Send back for rework")
    RESUME = "resume", _("Resume the clock")


class EventKind(models.TextChoices):
    CREATED = "created", _("Reported")
    EDITED = "edited", _("Edited")
    # its area, community or grid changed because the areas did (a split, a merge, a move)
    AREA_MOVED = "area_moved", _("Moved with its area")
    TRANSITION = "transition", _("Status changed")
    DUTY_CHANGED = "duty_changed", _("Responsible person changed")
    NOTE = "note", _("Progress note")
    PARTY = "party", _("Parties changed")
    PLAN = "plan", _("Resolution plan")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency plan")
    DRILL = "drill", _("Drill")
    LINKED = "linked", _("Linked as duplicate")
    WARNING = "warning", _("Warning")
    GRADE_CONFIRMED = "grade_confirmed", _("Grade confirmed")
    SUBTYPE_MOVED = "subtype_moved", _("Moved to a new subtype")
    MASKED = "masked", _("Personal data masked")
    APPROVAL = "approval", _("Approval")
    CLOCK = "clock", _("Clock")
    FOLLOW_UP = "follow_up", _("Follow-up call")


class Relation(models.TextChoices):
    """How a party (当事人) is involved in the matter: nothing more is kept about them."""

    PARTY = "party", _("Party to the dispute")
    COMPLAINANT = "complainant", _("Complainant")
    RESPONDENT = "respondent", _("Respondent")
    GUARDIAN = "guardian", _("Guardian or family")
    WITNESS = "witness", _("Witness")
    CONTACT = "contact", _("Contact person")
    OTHER = "other", _("Other")


class ClockStage(models.TextChoices):
    """The stages a matter's clocks time (from the stage's start, in working days)."""

    ACCEPT = "accept", _("Sign-in")
    HANDLE = "handle", _("Handling")
    VERIFY = "verify", _("Verification")
    ANSWER = "answer", _("Upper tier's answer")


class ClockFlag(models.TextChoices):
    """How late a running clock is, read from its limits and the time (risks.clocks)."""

    GREEN = "", _("On time")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class ApprovalKind(models.TextChoices):
    WRITE_OFF = "write_off", _("Write-off of a high-level matter")
    DOWNGRADE = "downgrade", _("Lowering a high-level matter's level")
    EXTENSION = "extension", _("Extension of the deadline")
    PAUSE = "pause", _("Pausing the clock")


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class ApprovalDecision(models.TextChoices):
    """The actions of an approval's table: a street leader decides a pending request."""

    APPROVE = "approve", _("Approve")
    DENY = "deny", _("Deny")


class FollowUpOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    UNREACHABLE = "unreachable", _("Unreachable")
