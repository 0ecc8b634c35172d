from django.db import models
from django.utils.translation import gettext_lazy as _


class Ledger(models.TextChoices):
    """The ledgers of the work plan (健全三个台账, plus 底数台账 and 销号进度台账) and the
    disputes ledger handed to the city one-stop platform."""

    ONLINE = "online", _("Online ledger")
    ARCHIVE = "archive", _("Archive ledger")
    KEY_MATTERS = "key_matters", _("Key-matters ledger")
    BASELINE = "baseline", _("Baseline ledger")
    PROGRESS = "progress", _("Write-off progress ledger")
    DISPUTES = "disputes", _("Disputes ledger (city one-stop platform)")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportAction(models.TextChoices):
    """A background export's steps, taken by the worker (ledgers/transitions.py)."""

    CLAIM = "claim", _("Being written")
    FINISH = "finish", _("Ready")
    FAIL = "fail", _("Failed")
    REQUEUE = "requeue", _("Waiting")  # a run whose worker died, handed out again


class ArchiveDocument(models.TextChoices):
    """What the paper file of a matter may hold (档案材料清单)."""

    REGISTRATION = "registration", _("Registration form")
    VERIFICATION = "verification", _("Verification record")
    GRADING = "grading", _("Grading assessment")
    RESOLUTION_PLAN = "resolution_plan", _("Resolution plan (one matter, one plan)")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency plan (one matter, one case)")
    MEDIATION_AGREEMENT = "mediation_agreement", _("Mediation agreement")
    MEETING_MINUTES = "meeting_minutes", _("Joint meeting minutes")
    WRITE_OFF_APPROVAL = "write_off_approval", _("Write-off approval form")
    FOLLOW_UP = "follow_up", _("Follow-up visit record")
    PHOTOS = "photos", _("Photos and recordings")
