"""Warnings, checklists and zero reports for the demo street, so that a newcomer sees the
daily rhythm at work: some warnings answered, some still open, some overdue."""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from grids.models import Area
from rhythm import jobs, services
from rhythm.choices import CheckOutcome
from rhythm.models import DailyCheckItem, RiskWarning
from risks.choices import OPEN_STATUSES
from risks.models import Risk

WARNING_TEXTS = [
    "当事人近期情绪波动较大，请于T+2内反馈稳控措施落实情况。",
    "纠纷双方近期争执升级，请核实并反馈调解进展。",
    "区平台推送预警：请反馈当事人近况及下一步措施。",
]


def load_rhythm(street: Area, seed: int = 7) -> int:
    """Idempotent: nothing happens when the street already has warnings."""
    if RiskWarning.objects.filter(risk__community__path__startswith=street.path).exists():
        return 0
    rng = random.Random(seed)
    leader = User.objects.get(username="leader")
    graded = list(Risk.objects.filter(community__path__startswith=street.path,
                                      status__in=OPEN_STATUSES, level__isnull=False)
                  .order_by("id")[:40])
    now = timezone.now()
    for index, risk in enumerate(graded):
        issued_at = now - timedelta(days=rng.choice([0, 1, 3, 6, 12]), hours=rng.randint(0, 8))
        warning = services.issue_warning(risk, actor=leader, content=rng.choice(WARNING_TEXTS),
                                         issued_at=issued_at)
        if index % 3 == 0 and risk.dispatch_person_id:
            services.record_feedback(warning, actor=risk.dispatch_person,
                                     content="已落实专人稳控，当事人情绪稳定。")
    jobs.sweep()
    jobs.daily()
    officers = {user.area_id: user for user in User.objects.filter(role=Role.COMMUNITY_OFFICER)}
    items = DailyCheckItem.objects.filter(check_list__day=timezone.localdate()).select_related(
        "check_list")
    for item in items:
        if rng.random() < 0.6:
            services.confirm_check_item(item, actor=officers[item.check_list.community_id],
                                        outcome=CheckOutcome.UNCHANGED)
    workers = list(User.objects.filter(role=Role.GRID_WORKER, area__path__startswith=street.path)
                   .select_related("area"))
    # a grid with a matter reported today has its report: no zero report is filed for it
    silent = set(services.silent_grids(street, timezone.localdate()).values_list("pk", flat=True))
    for worker in rng.sample(workers, k=len(workers) // 2):
        if worker.area_id in silent:
            services.file_zero_report(worker.area, actor=worker)
    return len(graded)
