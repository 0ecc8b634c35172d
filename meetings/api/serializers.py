"""Shapes of the meetings API (API_CONTRACT.md: ``meetings/`` with id, title, tier, kind,
held_on, risks, decisions, action_items; plus action items and whistle calls). Input
serializers check types and that referenced objects lie in the caller's scope; every
rule lives in meetings.services."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.pickers import people_on_record
from grids.models import Area, Department
from grids.scoping import visible_areas, visible_departments
from meetings.choices import (
    ActionItemAction,
    ActionItemStatus,
    AmendedPart,
    Decision,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import (
    ActionItem,
    ActionItemProgress,
    Amendment,
    DepartmentReport,
    Meeting,
    MeetingItem,
    WhistleCall,
)
from meetings.scoping import visible_action_items
from risks.choices import Tier
from risks.models import Risk
from risks.scoping import visible_risks


def _overdue(action_item: ActionItem, meeting_status: str) -> bool:
    return (action_item.status == ActionItemStatus.OPEN
            and meeting_status == MeetingStatus.APPROVED
            and action_item.deadline < timezone.localdate())


class DecisionSerializer(serializers.ModelSerializer):
    """An agenda item and the meeting's decision on it (议定事项)."""

    item = serializers.IntegerField(source="pk", read_only=True)
    # "" until the meeting decides (read-only fields lose the model's blank=True)
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True,
                                       read_only=True)
    note = serializers.CharField(source="decision_note", read_only=True)

    class Meta:
        model = MeetingItem
        fields = ["item", "kind", "risk", "reviewed_action", "topic", "decision", "note",
                  "decided_at"]
        read_only_fields = fields


class ActionItemSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    tier = serializers.CharField(source="meeting.tier", read_only=True)
    risk = serializers.IntegerField(source="item.risk_id", read_only=True, allow_null=True,
                                    default=None)

    class Meta:
        model = ActionItem
        fields = ["id", "meeting", "tier", "item", "risk", "title", "owner", "owner_department",
                  "deadline", "status", "overdue", "created_at", "completed_at"]
        read_only_fields = fields

    def get_overdue(self, action_item) -> bool:
        return _overdue(action_item, action_item.meeting.status)


class MeetingActionItemSerializer(serializers.ModelSerializer):
    """An action item inside its meeting (the meeting's status is the parent's)."""

    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = ["id", "item", "title", "owner", "owner_department", "deadline", "status",
                  "overdue"]
        read_only_fields = fields

    def get_overdue(self, action_item) -> bool:
        return _overdue(action_item, self.context.get("meeting_status", ""))


class MeetingSerializer(serializers.ModelSerializer):
    risks = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    action_items = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField()
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "title", "tier", "kind", "held_on", "status", "area", "location",
                  "chair", "attendees", "departments", "other_attendees", "minutes", "risks",
                  "decisions", "action_items", "approved_at", "version"]
        read_only_fields = fields

    def get_risks(self, meeting) -> list[int]:
        return [item.risk_id for item in meeting.visible_item_list if item.risk_id]

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, meeting):
        return DecisionSerializer(meeting.visible_item_list, many=True).data

    @extend_schema_field(MeetingActionItemSerializer(many=True))
    def get_action_items(self, meeting):
        return MeetingActionItemSerializer(meeting.visible_action_item_list, many=True,
                                           context={"meeting_status": meeting.status}).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_minutes(self, meeting):
        """null for those who see the meeting only through a decision on their matter."""
        return meeting.minutes if meeting.shows_record else None


class _ScopedInput(serializers.Serializer):
    """References to areas, people, departments and matters must lie in the caller's
    scope: an id outside it is answered exactly like an id that does not exist."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user = request.user
        people = people_on_record(user)  # as the pages' pickers (accounts.pickers)
        scoped = {"area": visible_areas(user), "chair": people,
                  "owner": people, "attendees": people,
                  "departments": visible_departments(user),
                  "owner_department": visible_departments(user),
                  "risk": visible_risks(user), "risks": visible_risks(user),
                  "action_item": visible_action_items(user)}
        for name, queryset in scoped.items():
            if name in self.fields:
                field = self.fields[name]
                (field.child_relation if hasattr(field, "child_relation") else field
                 ).queryset = queryset


class MeetingCreateSerializer(_ScopedInput):
    title = serializers.CharField(max_length=200)
    tier = serializers.ChoiceField(choices=Tier.choices)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, default=MeetingKind.JOINT)
    held_on = serializers.DateField()
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none(), required=False,
                                              allow_null=True, default=None)
    chair = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False,
                                               allow_null=True, default=None)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     default="")
    attendees = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True,
                                                   required=False, default=list)
    departments = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                     many=True, required=False, default=list)
    other_attendees = serializers.CharField(required=False, allow_blank=True, default="")
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    risks = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.none(), many=True,
                                               required=False, default=list)


class MeetingUpdateSerializer(_ScopedInput):
    version = serializers.IntegerField(min_value=1, required=False)
    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=MeetingKind.choices, required=False)
    held_on = serializers.DateField(required=False)
    chair = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False,
                                               allow_null=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    attendees = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True,
                                                   required=False)
    departments = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                     many=True, required=False)
    other_attendees = serializers.CharField(required=False, allow_blank=True)
    minutes = serializers.CharField(required=False, allow_blank=True)


class AgendaItemInputSerializer(_ScopedInput):
    risk = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.none(), required=False,
                                              allow_null=True, default=None)
    action_item = serializers.PrimaryKeyRelatedField(queryset=ActionItem.objects.none(),
                                                     required=False, allow_null=True,
                                                     default=None)
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField()


class ActionItemInputSerializer(_ScopedInput):
    title = serializers.CharField(max_length=300)
    deadline = serializers.DateField()
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False,
                                               allow_null=True, default=None)
    owner_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                          required=False, allow_null=True,
                                                          default=None)
    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                    allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Amendment
        fields = ["number", "part", "item", "before", "after", "reason", "amended_by",
                  "amended_at"]
        read_only_fields = fields


class AmendmentInputSerializer(serializers.Serializer):
    part = serializers.ChoiceField(choices=[AmendedPart.MINUTES, AmendedPart.DECISION])
    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                    allow_null=True, default=None)
    text = serializers.CharField()
    reason = serializers.CharField()


class ProposedMatterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    level = serializers.CharField(allow_null=True)
    arrived_at = serializers.DateTimeField()


class ProposedActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    deadline = serializers.DateField()
    meeting = serializers.IntegerField(source="meeting_id")


class AgendaProposalSerializer(serializers.Serializer):
    matters = ProposedMatterSerializer(many=True)
    action_items = ProposedActionItemSerializer(many=True)


class ProgressSerializer(serializers.ModelSerializer):
    # "" on a plain progress note, which moves nothing (read-only fields lose blank=True)
    action = serializers.ChoiceField(choices=ActionItemAction.choices, allow_blank=True,
                                     read_only=True)
    from_status = serializers.ChoiceField(choices=ActionItemStatus.choices, allow_blank=True,
                                          read_only=True)
    to_status = serializers.ChoiceField(choices=ActionItemStatus.choices, allow_blank=True,
                                        read_only=True)

    class Meta:
        model = ActionItemProgress
        fields = ["id", "action", "from_status", "to_status", "note", "actor", "created_at"]
        read_only_fields = fields


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField()


class ActionItemTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ActionItemAction.choices)
    note = serializers.CharField()


class DepartmentReportSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = DepartmentReport
        fields = ["department", "responder", "plan", "reported_by", "reported_at", "overdue"]
        read_only_fields = fields

    def get_overdue(self, report) -> bool:
        return report.is_overdue()


class WhistleCallSerializer(serializers.ModelSerializer):
    reports = DepartmentReportSerializer(many=True, read_only=True)

    class Meta:
        model = WhistleCall
        fields = ["id", "risk", "request", "called_by", "called_at", "respond_by", "status",
                  "closed_at", "reports"]
        read_only_fields = fields


class WhistleCallInputSerializer(_ScopedInput):
    risk = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.none())
    departments = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                     many=True)
    respond_by = serializers.DateTimeField()
    request = serializers.CharField()
    called_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReportInInputSerializer(serializers.Serializer):
    department = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    plan = serializers.CharField()
    responder = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                      default="")


class FlaggedMatterSerializer(serializers.ModelSerializer):
    """A matter an escalation rule flags: how long it has been at its tier, and the rule."""

    arrived_at = serializers.DateTimeField(read_only=True)
    rule_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Risk
        fields = ["id", "code", "title", "tier", "level", "status", "area", "arrived_at",
                  "rule_days"]
        read_only_fields = fields
