"""Shapes of the supervision API (read-only): findings, listed supervision, campaigns."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from supervision.choices import Ledger
from supervision.models import (
    Campaign,
    CampaignTask,
    Evidence,
    Finding,
    ListedSupervision,
)


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "stage", "original_name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    group = serializers.IntegerField(source="inspection.group_id", read_only=True)
    inspected_on = serializers.DateField(source="inspection.held_on", read_only=True)
    overdue = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)
    # "" when the finding concerns no ledger (read-only fields lose the model's blank=True)
    ledger = serializers.ChoiceField(choices=Ledger.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "inspection", "group", "inspected_on", "community", "severity",
                  "subject", "risk", "ledger", "description", "rectification_required",
                  "deadline", "status", "overdue", "rectification_note", "rectified_at",
                  "accepted_at", "acceptance_note", "created_at", "updated_at", "evidence"]
        read_only_fields = fields

    def get_overdue(self, finding) -> bool:
        return finding.is_overdue


class ListedSupervisionSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ListedSupervision
        fields = ["id", "community", "risk", "group", "reason", "grade", "deadline",
                  "original_deadline", "status", "overdue", "listed_at", "escalated_at",
                  "lifted_at", "lift_note"]
        read_only_fields = fields

    def get_overdue(self, listing) -> bool:
        return listing.is_overdue


class CampaignTaskSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CampaignTask
        fields = ["id", "title", "owner_department", "owner_community", "deadline", "status",
                  "progress", "overdue", "completed_at"]
        read_only_fields = fields

    def get_overdue(self, task) -> bool:
        return task.is_overdue


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign with its tasks and linked matters within the caller's scope."""

    tasks = serializers.SerializerMethodField()
    matters = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "code", "name", "summary", "starts_on", "ends_on", "is_active", "tasks",
                  "matters"]
        read_only_fields = fields

    @extend_schema_field(CampaignTaskSerializer(many=True))
    def get_tasks(self, campaign):
        return CampaignTaskSerializer(campaign.scoped_tasks, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_matters(self, campaign) -> list[int]:
        return [link.risk_id for link in campaign.scoped_links]


# The map of areas (areas/map/) ------------------------------------------------------------

class AreaMapQuerySerializer(serializers.Serializer):
    within = serializers.IntegerField(required=False, min_value=1, help_text=(
        "The area (id) whose communities or grids are drawn; the caller's whole scope if "
        "not given. An area outside the scope answers 404."))
    kind = serializers.ChoiceField(choices=["community", "grid"], default="community",
                                   help_text="Draw the communities or the grids.")
    metric = serializers.ChoiceField(
        choices=["open", "high", "overdue", "red_clocks", "overdue_warnings"], default="open",
        help_text=("open: matters neither closed nor invalid (nor resolved); high: open "
                   "high-level ones; overdue: open ones past due_on; red_clocks: matters "
                   "with a running red stage clock; overdue_warnings: warnings past T+2 "
                   "without feedback. Each equals the register's (or the warnings list's) "
                   "count of the area."))


class MapPropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.IntegerField(help_text="The metric's count in the area.")


class MapFeatureSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='"Feature"')
    id = serializers.IntegerField()
    geometry = serializers.JSONField(allow_null=True, help_text=(
        "GeoJSON Polygon or MultiPolygon (WGS84), simplified where a simplified copy is "
        "kept; null for an area without a boundary (still listed: the numbers are "
        "complete)."))
    properties = MapPropertiesSerializer()


class AreaMapSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='"FeatureCollection"')
    kind = serializers.CharField()
    metric = serializers.CharField()
    within = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField(help_text="The metric's count in the whole area.")
    unplaced = serializers.IntegerField(help_text=(
        "What no area listed holds (a community's matters on no grid, matters left on a "
        "closed area): the features' values and this add up to total."))
    features = MapFeatureSerializer(many=True)
