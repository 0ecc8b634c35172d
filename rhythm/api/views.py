from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from quanfu.api.viewsets import ScopedViewSetMixin
from rhythm import services
from rhythm.api.serializers import FeedbackSerializer, WarningCreateSerializer, WarningSerializer
from rhythm.filters import WarningFilterSet
from rhythm.scoping import visible_warnings


class WarningViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, viewsets.GenericViewSet):
    """T+2 warnings (预警) on the matters in the caller's scope."""

    serializer_class = WarningSerializer
    filterset_class = WarningFilterSet

    def visible_queryset(self, user):
        return visible_warnings(user).order_by("-issued_at", "-id")

    @extend_schema(request=WarningCreateSerializer, responses={201: WarningSerializer})
    def create(self, request, *args, **kwargs):
        """Issue a warning; ``issued_at`` defaults to now and may lie in the past."""
        incoming = WarningCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        warning = services.issue_warning(data["risk"], actor=request.user,
                                         content=data["content"],
                                         issued_at=data.get("issued_at"))
        return Response(WarningSerializer(warning).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FeedbackSerializer, responses={200: WarningSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def feedback(self, request, pk=None):
        """Answer the warning: closes it, on time or late."""
        warning = self.get_object()
        incoming = FeedbackSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        warning = services.record_feedback(warning, actor=request.user,
                                           content=incoming.validated_data["content"])
        return Response(WarningSerializer(warning).data)
