"""The stage clocks in the API: a matter's ``clocks`` (detail and list pages, the list's
read in one query per page) and the rules they are counted by (``clock-rules/``)."""

from collections import defaultdict
from types import SimpleNamespace

from django.utils import timezone
from rest_framework import serializers

from quanfu.api.viewsets import ScopedReadOnlyViewSet
from risks.choices import ClockStage
from risks.clocks import clock_state, is_late
from risks.models import ClockRule, StageClock

CLOCK_FIELDS = ("risk_id", "stage", "started_at", "yellow_at", "red_at", "paused_at",
                "paused_seconds", "stopped_at")


class StageClockSerializer(serializers.Serializer):
    """One stage's clock (for the schema; rows are written by ``clock_json``)."""

    stage = serializers.ChoiceField(choices=ClockStage.choices)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text="the stage's time limit (= yellow_at)")
    yellow_at = serializers.DateTimeField()
    red_at = serializers.DateTimeField()
    paused_seconds = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["running", "paused", "done"])
    late = serializers.BooleanField()


def clock_json(clock, moment, now) -> dict:
    """A clock as the API shows it; ``moment(value)`` writes a date-time as DRF does."""
    return {"stage": clock.stage, "started_at": moment(clock.started_at),
            "due_at": moment(clock.yellow_at), "yellow_at": moment(clock.yellow_at),
            "red_at": moment(clock.red_at), "paused_seconds": clock.paused_seconds,
            "state": clock_state(clock), "late": is_late(clock, now)}


def clocks_of_rows(rows: list[dict]) -> None:
    """Give every row of a list page its clocks (``row["clocks"]``), in one query."""
    if not rows:
        return
    by_risk = defaultdict(list)
    # plain values, not (deferred) model instances: a page's rows are plain values too
    for clock in (StageClock.objects.filter(risk_id__in=[row["id"] for row in rows])
                  .order_by("started_at", "id").values(*CLOCK_FIELDS)):
        by_risk[clock["risk_id"]].append(SimpleNamespace(**clock))
    for row in rows:
        row["clocks"] = by_risk.get(row["id"], [])


def clocks_of(risk) -> list:
    """A matter's clocks: those its list row carries, or its own (prefetched or read)."""
    if isinstance(risk, dict):
        return risk.get("clocks", [])
    return list(risk.clocks.all())


def now_of(context: dict):
    if "now" not in context:
        context["now"] = timezone.now()
    return context["now"]


class ClockRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockRule
        fields = ["id", "level", "category", "stage", "yellow_days", "red_days"]
        read_only_fields = fields


class ClockRuleViewSet(ScopedReadOnlyViewSet):
    """How many working days each stage may take before its clock turns yellow (its time
    limit) and red, by level and category (null = any); the most specific rule applies."""

    serializer_class = ClockRuleSerializer
    pagination_class = None

    def visible_queryset(self, user):
        return ClockRule.objects.order_by("stage", "level", "category_id", "id")
