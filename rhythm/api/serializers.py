from rest_framework import serializers

from rhythm.models import RiskWarning
from risks.models import Risk


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
            from risks.scoping import visible_risks

            self.fields["risk"].queryset = visible_risks(request.user)


class FeedbackSerializer(serializers.Serializer):
    content = serializers.CharField()
