"""Escalation rules flag matters; a person decides (the rules never escalate anything).

A matter is flagged when it is open, at a tier its street has a rule for at its level, and
has stayed at that tier for more than the rule's days. One query for the rules, one for
the flagged matters, whatever their number.
"""

from datetime import timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from grids.scoping import NOTHING, scope_roots
from meetings.agenda import with_arrival
from meetings.models import EscalationRule
from risks.choices import OPEN_STATUSES
from risks.models import Risk
from risks.scoping import visible_risks


def rules_for(user) -> list[EscalationRule]:
    """The escalation rules of the streets the user's scope touches."""
    rules = EscalationRule.objects.select_related("street")
    roots = scope_roots(user)
    if roots is None:
        return list(rules)
    street_ids = {root.ancestor_ids()[0] for root in roots}
    return list(rules.filter(street_id__in=street_ids))


def flagged_matters(user, tier: str | None = None, now=None) -> QuerySet[Risk]:
    """Open matters the user sees that an escalation rule flags, longest waiting first,
    each annotated with ``arrived_at`` and the flagging rule's ``rule_days``."""
    now = now or timezone.now()
    rules = [rule for rule in rules_for(user) if tier is None or rule.tier == tier]
    condition, days = NOTHING, []
    for rule in rules:
        matches = Q(area__path__startswith=rule.street.path, tier=rule.tier, level=rule.level)
        condition |= matches & Q(arrived_at__lt=now - timedelta(days=rule.days))
        days.append(When(matches, then=Value(rule.days)))
    matters = with_arrival(visible_risks(user).filter(status__in=OPEN_STATUSES))
    if not rules:
        return matters.none()
    return (matters.filter(condition)
            .annotate(rule_days=Case(*days, default=Value(0), output_field=IntegerField()))
            .order_by("arrived_at", "id"))


def days_at_tier(arrived_at, now=None) -> int:
    return ((now or timezone.now()) - arrived_at).days
