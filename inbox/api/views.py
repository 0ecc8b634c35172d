"""``notices/`` (API_CONTRACT.md "People at work"): the caller's own inbox, newest first,
and marking notices read. Another person's notice answers 404, as if missing."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from inbox.api.serializers import NoticeSerializer, ReadAllSerializer
from inbox.models import Message
from inbox.services import mark_read
from quanfu.api.viewsets import ScopedViewSetMixin


class NoticeViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """The caller's notices (their inbox), newest first."""

    serializer_class = NoticeSerializer

    def visible_queryset(self, user):
        if not user.is_authenticated:  # (the schema's generator asks as nobody)
            return Message.objects.none()
        return Message.objects.filter(recipient=user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the notice read (a notice already read keeps the time it was first read)."""
        notice = self.get_object()
        mark_read(request.user, [notice.pk])
        notice.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notice).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notice of the caller read."""
        return Response(ReadAllSerializer({"marked": mark_read(request.user)}).data)
