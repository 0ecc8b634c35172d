"""Keyset pagination on (updated_at, id) for the incremental sync walk.

``GET risks/?updated_after=T&ordering=updated_at`` walked page by page never skips a
matter changed after T and shows one twice only when it changed again meanwhile (its
newer version then comes later, since its updated_at moved past the cursor). Pages stop
``SYNC_SETTLE_SECONDS`` short of now: a transaction that stamped updated_at a moment ago
may not have committed yet, and a cursor must never pass a row that will still appear.
"""

import base64
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


def encode_cursor(updated_at: datetime, pk: int) -> str:
    raw = f"{updated_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from error


class SyncCursorPagination(pagination.BasePagination):
    cursor_query_param = "cursor"
    page_size = 100
    max_page_size = 500

    def get_page_size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_now = self.get_page_size(request)
        horizon = timezone.now() - timedelta(seconds=settings.SYNC_SETTLE_SECONDS)
        queryset = queryset.filter(updated_at__lte=horizon)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            stamp, pk = decode_cursor(cursor)
            # "updated_at >= T" first lets the (updated_at, id) index stop after one page;
            # the OR alone made PostgreSQL gather every later row before the LIMIT
            queryset = queryset.filter(updated_at__gte=stamp).filter(
                Q(updated_at__gt=stamp) | Q(id__gt=pk))
        rows = list(queryset.order_by("updated_at", "id")[: self.page_size_now + 1])
        self.has_next = len(rows) > self.page_size_now
        self.rows = rows[: self.page_size_now]
        return self.rows

    def get_next_link(self):
        if not self.has_next:
            return None
        last = self.rows[-1]
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param,
                                   encode_cursor(last.updated_at, last.pk))

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


def is_sync_walk(request) -> bool:
    return request.query_params.get("ordering") == "updated_at"

