"""The administration's home page: how the audit chain's sealer keeps up."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone

from audit import chain

register = template.Library()


@register.simple_tag
def audit_sealing() -> dict:
    """How many entries wait for the sealer, the oldest's time, and whether it is older than
    AUDIT_SEAL_ALARM_SECONDS (the beat task or its worker is down)."""
    waiting, oldest = chain.unsealed()
    late = oldest is not None and oldest < timezone.now() - timedelta(
        seconds=settings.AUDIT_SEAL_ALARM_SECONDS)
    return {"waiting": waiting, "oldest": oldest, "late": late}
