from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Area, Department


class AreaSerializer(serializers.ModelSerializer):
    """An area; ``official_code`` is null where none was given, ``predecessors`` and
    ``successors`` the ids of the areas a split or merge links it to. With the context's
    ``geometry`` (``?geometry=1``) also its ``boundary``."""

    official_code = serializers.SerializerMethodField()
    predecessors = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = ["id", "code", "name", "kind", "grid_type", "parent", "path", "depth",
                  "official_code", "opened_on", "closed_on", "predecessors", "successors"]

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("geometry"):
            fields["boundary"] = serializers.SerializerMethodField(method_name="get_boundary")
        return fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_official_code(self, area) -> str | None:
        return area.official_code or None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_predecessors(self, area) -> list[int]:
        return sorted(link.predecessor_id for link in area.predecessor_links.all())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_successors(self, area) -> list[int]:
        return sorted(link.successor_id for link in area.successor_links.all())

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_boundary(self, area) -> dict | None:
        return area.boundary


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "street"]
