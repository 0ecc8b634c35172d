"""What a matter's record lacks that its stage requires (数据填报质量): a level and the
four named duties once it is verified, a resolution plan once it is being resolved. The
data quality page counts by these conditions and the register lists them (``gap=``), so
that each of the page's numbers opens exactly the matters it counts."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from risks.choices import RiskStatus
from risks.models import DUTY_FIELDS, ResolutionPlan

PAST_VERIFICATION = (RiskStatus.VERIFIED, RiskStatus.RESOLVING)
LEVEL, DUTIES, PLAN = "level", "duties", "plan"
GAP_LABELS = {
    LEVEL: _("Verified but not graded"),
    DUTIES: _("Missing responsible persons"),
    PLAN: _("Resolving without a plan"),
}


def gap_q(gap: str) -> Q:
    """The matters with that gap (an expression over Risk)."""
    if gap == LEVEL:
        return Q(status__in=PAST_VERIFICATION, level__isnull=True)
    if gap == DUTIES:
        missing = Q()
        for field in DUTY_FIELDS.values():
            missing |= Q(**{f"{field}__isnull": True})
        return Q(status__in=PAST_VERIFICATION) & missing
    if gap == PLAN:
        return Q(status=RiskStatus.RESOLVING) & ~Q(
            Exists(ResolutionPlan.objects.filter(risk=OuterRef("pk"))))
    raise ValueError(f"No such gap: {gap}")
