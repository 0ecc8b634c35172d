"""``approvals/`` (审批, API_CONTRACT.md "The flow of a matter"): requests to write off a
high-level matter, lower its level, extend its deadline or pause its clock, and a street
leader's decision. Every rule is in risks.approvals."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from quanfu.api.viewsets import ScopedViewSetMixin
from quanfu.filter_fields import IdFilter
from risks import approvals
from risks.choices import ApprovalKind, ApprovalState, RiskLevel
from risks.models import Approval, Risk
from risks.scoping import visible_risks


class ApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Approval
        fields = ["id", "risk", "kind", "reason", "days", "level", "state", "requested_by",
                  "requested_at", "decided_by", "decided_at", "decision_note", "granted_days"]
        read_only_fields = fields


class ApprovalRequestSerializer(serializers.Serializer):
    risk = serializers.PrimaryKeyRelatedField(queryset=Risk.objects.none())
    kind = serializers.ChoiceField(choices=ApprovalKind.choices)
    reason = serializers.CharField()
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                    max_value=365, help_text="extension: working days asked")
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, allow_null=True,
                                    help_text="downgrade: the new level")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # a matter outside the scope is one that does not exist
            self.fields["risk"].queryset = visible_risks(request.user)


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                    max_value=365,
                                    help_text="extension: working days granted (default: "
                                              "those asked)")


class ApprovalFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ApprovalState.choices, label=_("State"))
    kind = django_filters.ChoiceFilter(choices=ApprovalKind.choices, label=_("Kind"))
    risk = IdFilter(field_name="risk_id", label=_("Matter"))

    class Meta:
        model = Approval
        fields = []


class ApprovalViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Approvals: a street leader sees their street's requests; others their own and those
    of the matters they may see."""

    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilterSet

    def visible_queryset(self, user):
        return approvals.visible_approvals(user).order_by("-requested_at", "-id")

    @extend_schema(request=ApprovalRequestSerializer, responses={201: ApprovalSerializer})
    def create(self, request, *args, **kwargs):
        """Ask for an approval, with a reason (``days`` for an extension, ``level`` for a
        downgrade)."""
        incoming = ApprovalRequestSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        approval = approvals.request_approval(
            data["risk"], kind=data["kind"], reason=data["reason"], actor=request.user,
            days=data.get("days"), level=data.get("level"))
        return Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def decide(self, request, pk=None):
        """Approve or deny (a street leader of the matter's street, not the requester; a
        denial needs a ``note``; an extension may grant other ``days``)."""
        approval = self.get_object()
        incoming = DecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        approval = approvals.decide_approval(approval, approve=data["approve"],
                                             note=data["note"], actor=request.user,
                                             days=data.get("days"))
        return Response(ApprovalSerializer(approval).data)
