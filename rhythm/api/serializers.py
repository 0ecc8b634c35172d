from datetime import date, datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from grids.models import Area
from rhythm.models import InstructionRecipient, RiskWarning, ZeroReport
from rhythm.scoping import zero_report_grids
from risks.choices import RiskLevel
from risks.models import Risk
from risks.scoping import visible_risks


class WarningSerializer(serializers.ModelSerializer):
    """A T+2 warning as API_CONTRACT.md has it; ``feedback_due`` is computed."""

    class Meta:
        model = RiskWarning
        fields = ["id", "risk", "level", "content", "issued_at", "feedback_due", "status",
                  "feedback", "answered_at", "overdue_at"]
        read_only_fields = fields


class WarningCreateSerializer(serializers.Serializer):
    risk = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.none())
    content = serializers.CharField()
    issued_at = serializers.DateTimeField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["risk"].queryset = visible_risks(request.user)


class FeedbackSerializer(serializers.Serializer):
    content = serializers.CharField()


# The grid worker's day: instructions and zero reports ----------------------------------------

class PersonNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class InstructionSerializer(serializers.ModelSerializer):
    """A work instruction (工作指令) sent to the caller, with the caller's own answer. ``id``
    is the instruction's (as ``me/todo/`` names it)."""

    id = serializers.IntegerField(source="instruction_id", read_only=True)
    kind = serializers.CharField(source="instruction.kind", read_only=True, help_text=(
        "visit, verify, stabilize or other."))
    content = serializers.CharField(source="instruction.content", read_only=True,
                                    help_text="What to do.")
    risk = serializers.IntegerField(source="instruction.risk_id", read_only=True,
                                    allow_null=True, help_text="The matter it is about (id).")
    risk_code = serializers.SerializerMethodField(help_text="That matter's code.")
    area = serializers.IntegerField(source="instruction.area_id", read_only=True,
                                    help_text="The area it is about (id).")
    issued_by = PersonNameSerializer(source="instruction.issued_by", read_only=True)
    issued_at = serializers.DateTimeField(source="instruction.issued_at", read_only=True)
    deadline = serializers.DateTimeField(source="instruction.deadline", read_only=True,
                                         help_text="Answer by then; later it is overdue.")

    class Meta:
        model = InstructionRecipient
        fields = ["id", "kind", "content", "risk", "risk_code", "area", "issued_by",
                  "issued_at", "deadline", "status", "answer", "answered_at", "overdue_at"]
        read_only_fields = fields

    def get_risk_code(self, recipient) -> str | None:
        risk = recipient.instruction.risk
        return risk.code if risk is not None else None


class InstructionAnswerSerializer(serializers.Serializer):
    content = serializers.CharField(help_text="The answer: what was done, what was found.")


class ZeroReportSerializer(serializers.ModelSerializer):
    """A zero report (零报告): nothing new found in the grid that day."""

    reporter = PersonNameSerializer(read_only=True)

    class Meta:
        model = ZeroReport
        fields = ["id", "grid", "day", "reporter", "created_at"]
        read_only_fields = fields


class ZeroReportCreateSerializer(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none(), help_text=(
        "The grid (area id) the caller reports for: their grid, or the grid of their "
        "micro-grid."))
    day = serializers.DateField(required=False, help_text=(
        "YYYY-MM-DD; today if not given. Not a day to come, nor a day on which matters "
        "were reported in the grid."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["grid"].queryset = zero_report_grids(request.user)


# Monthly statistics (月统) --------------------------------------------------------------------

class MonthlyStatisticsQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(r"^[0-9]{4}-[0-9]{2}$", required=False, help_text=(
        "The month as YYYY-MM (2000-01 to 2099-12); the current month if not given."))
    street = serializers.IntegerField(required=False, min_value=1, help_text=(
        "The street (area id) to count, for a caller whose scope reaches several; the "
        "first of them if not given. A street outside the scope answers 404."))

    def validate_month(self, value: str) -> date:
        try:
            month = datetime.strptime(value, "%Y-%m").date()
        except ValueError as error:
            raise serializers.ValidationError(_("Give the month as YYYY-MM.")) from error
        if not 2000 <= month.year <= 2099:
            raise serializers.ValidationError(_("Give a month between 2000 and 2099."))
        return month


RESOLUTION_RATE_HELP = ("化解率: done ÷ valid to four decimal places (risks.figures, the "
                        "same number as the write-off progress ledger and the dashboards); "
                        "null when there is no valid matter.")


class LevelFiguresSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    valid = serializers.IntegerField(help_text=(
        "Valid matters of the level reported before the month's end: every one but those "
        "checked and found not to be a risk."))
    done = serializers.IntegerField(help_text="Of those, resolved or written off (销号).")
    resolution_rate = serializers.FloatField(allow_null=True, help_text=RESOLUTION_RATE_HELP)
    target = serializers.FloatField(help_text=(
        "The work plan's target: 1.0 for high-level matters, 0.9 for medium and low."))
    met = serializers.BooleanField(help_text=(
        "Whether done reaches the target of valid (decided on the counts; true when there "
        "is no valid matter)."))


class CategoryFiguresSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="The category's code (categories/).")
    name = serializers.CharField()
    valid = serializers.IntegerField(help_text="Valid matters of the category, any level.")
    done = serializers.IntegerField(help_text="Of those, resolved or written off.")
    closed = serializers.IntegerField(help_text="Of those, written off (销号).")
    resolution_rate = serializers.FloatField(allow_null=True, help_text=RESOLUTION_RATE_HELP)


class CommunityFiguresSerializer(serializers.Serializer):
    community = serializers.IntegerField(allow_null=True, help_text=(
        "The community's area id; null on the street's row."))
    name = serializers.CharField()
    valid = serializers.IntegerField(help_text="Valid matters, any level or none yet.")
    done = serializers.IntegerField(allow_null=True, help_text=(
        "Of those, resolved or written off (null in a month kept before this count was "
        "kept)."))
    closed = serializers.IntegerField(help_text="Of those, written off (销号).")
    resolution_rate = serializers.FloatField(allow_null=True, help_text=RESOLUTION_RATE_HELP)
    write_off_rate = serializers.FloatField(allow_null=True, help_text=(
        "销号率: closed ÷ valid to four decimal places; null when there is no valid matter."))
    feedback_due = serializers.IntegerField(help_text="Warnings whose T+2 feedback fell due "
                                                      "in the month.")
    feedback_on_time = serializers.IntegerField(help_text="Of those, answered by then.")
    on_time_feedback_rate = serializers.FloatField(allow_null=True)
    levels = LevelFiguresSerializer(many=True, help_text="High, medium and low, in that order.")
    categories = CategoryFiguresSerializer(many=True, help_text=(
        "The categories with valid matters, by code (empty in a month kept before they "
        "were kept)."))


class FlowLinksSerializer(serializers.Serializer):
    """The register's page listing the matters each figure counts (risks.filters ``flow``)."""

    dispatched = serializers.CharField()
    accepted_on_time = serializers.CharField()
    returned = serializers.CharField()
    handled_on_time = serializers.CharField()
    overdue = serializers.CharField()
    reworked = serializers.CharField()
    extended = serializers.CharField()
    answered = serializers.CharField()
    dissatisfied = serializers.CharField()


class FlowRowSerializer(serializers.Serializer):
    """One unit's flow figures of the month (risks.flow_figures): each counts matters."""

    community = serializers.IntegerField(required=False, allow_null=True, help_text=(
        "The community's area id (community rows; null on the street's row)."))
    department = serializers.IntegerField(required=False, help_text=(
        "The section's id (section rows)."))
    name = serializers.CharField()
    dispatched = serializers.IntegerField(help_text="Dispatched in the month (to the section).")
    accepted_on_time = serializers.IntegerField(help_text=(
        "Signed for in the month, the sign-in clock stopped by its time limit."))
    returned = serializers.IntegerField(help_text="Returned in the month (by the section).")
    handled_on_time = serializers.IntegerField(help_text=(
        "Handling clock stopped in the month by its time limit."))
    overdue = serializers.IntegerField(help_text=(
        "Now: a stage clock running, not paused, past its time limit (yellow or red)."))
    reworked = serializers.IntegerField(help_text="Sent back for rework in the month.")
    extended = serializers.IntegerField(help_text="Extension approved in the month.")
    follow_ups_answered = serializers.IntegerField(help_text=(
        "With a follow-up call in the month answered satisfied or dissatisfied."))
    follow_ups_satisfied = serializers.IntegerField()
    follow_ups_dissatisfied = serializers.IntegerField()
    follow_up_satisfaction = serializers.FloatField(allow_null=True, help_text=(
        "satisfied ÷ answered to four decimal places (risks.figures.rate); null when none."))
    links = FlowLinksSerializer()


class FlowSerializer(serializers.Serializer):
    communities = FlowRowSerializer(many=True)
    street_total = FlowRowSerializer(allow_null=True, help_text=(
        "The whole street's row, for a caller who sees the whole street; null otherwise."))
    sections = FlowRowSerializer(many=True, help_text=(
        "A row per section of the street, for a caller who sees the whole street."))


class MonthlyStatisticsSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    street = serializers.IntegerField(help_text="The street counted (area id).")
    kept_at = serializers.DateTimeField(allow_null=True, help_text=(
        "When the monthly job kept these figures; null: counted now, the month has not "
        "been kept yet."))
    communities = CommunityFiguresSerializer(many=True, help_text=(
        "One row per community of the street in the caller's scope with valid matters."))
    street_total = CommunityFiguresSerializer(allow_null=True, help_text=(
        "The whole street's row, for a caller who sees the whole street; null otherwise."))
    flow = FlowSerializer(help_text=(
        "流转情况: dispatched, signed for on time, returned, handled on time, overdue now, "
        "reworked, extended and follow-up satisfaction per community and section (counted "
        "now, never kept); ``links`` open the register on the matters counted."))
