"""The supervision app's scheduled work, one function each; the Celery tasks
(supervision.tasks) and anyone else (the rhythm's daily job) call these. Each is safe to
run twice.

Beat schedule to add (not installed by a migration yet), e.g. beside the rhythm's daily
checks: "挂牌督办 grades 07:10" → task ``supervision.escalate_listed_supervision_task``,
crontab minute=10 hour=7, Asia/Shanghai.
"""

from datetime import date

from django.utils import timezone

from supervision import services


def escalate_listed_supervision(day: date | None = None) -> dict:
    """Daily: listed supervision whose deadline slipped rises a grade (普通 → 黄牌 → 红牌)."""
    return services.escalate_overdue_listings(day or timezone.localdate())
