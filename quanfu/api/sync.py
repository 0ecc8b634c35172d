"""Keyset pagination on (updated_at, id) for the incremental sync walk.

``GET risks/?updated_after=T&ordering=updated_at`` walked page by page never skips a
matter changed after T and shows one twice only when it changed again meanwhile (its
newer version then comes later, since its updated_at moved past the cursor). Pages stop
``SYNC_SETTLE_SECONDS`` short of now: a transaction that stamped updated_at a moment ago
may not have committed yet, and a cursor must never pass a row that will still appear.
Read from a replica (quanfu.db_router), they stop as far short of what it has replayed.
"""

import base64
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from quanfu.api.pagination import page_rows
from quanfu.db_router import settled_horizon


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


class KeysetPagination(pagination.BasePagination):
    """Pages on (updated_at, id), oldest first (``descending=False``, the sync walk) or
    newest first (browsing): each page is an index range scan that stops after one page,
    so a deep page costs what the first does. ``count`` is the size of the whole list."""

    cursor_query_param = "cursor"
    page_size = 100
    max_page_size = 500
    descending = False
    settle = True  # stop SYNC_SETTLE_SECONDS short of now (see the module docstring)

    def get_page_size(self, request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_now = self.get_page_size(request)
        if self.settle:
            horizon = timezone.now() - timedelta(seconds=settings.SYNC_SETTLE_SECONDS)
            replayed_until = settled_horizon(queryset.db)  # read from a replica: its lag
            if replayed_until is not None:
                horizon = min(horizon, datetime.fromtimestamp(replayed_until, tz=UTC)
                              - timedelta(seconds=settings.SYNC_SETTLE_SECONDS))
            queryset = queryset.filter(updated_at__lte=horizon)
        self.count = None if self.settle else queryset.order_by().count()
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            stamp, pk = decode_cursor(cursor)
            # "updated_at >= T" first lets the (updated_at, id) index stop after one page;
            # the OR alone made PostgreSQL gather every later row before the LIMIT
            if self.descending:
                queryset = queryset.filter(updated_at__lte=stamp).filter(
                    Q(updated_at__lt=stamp) | Q(id__lt=pk))
            else:
                queryset = queryset.filter(updated_at__gte=stamp).filter(
                    Q(updated_at__gt=stamp) | Q(id__gt=pk))
        ordering = ("-updated_at", "-id") if self.descending else ("updated_at", "id")
        rows = list(page_rows(view, queryset.order_by(*ordering))[: self.page_size_now + 1])
        self.has_next = len(rows) > self.page_size_now
        self.rows = rows[: self.page_size_now]
        return self.rows

    def get_next_link(self):
        if not self.has_next:
            return None
        last = self.rows[-1]
        stamp, pk = ((last["updated_at"], last["id"]) if isinstance(last, dict)
                     else (last.updated_at, last.pk))
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        return replace_query_param(url, self.cursor_query_param, encode_cursor(stamp, pk))

    def get_paginated_response(self, data):
        body = {"next": self.get_next_link(), "previous": None, "results": data}
        if self.count is not None:
            body = {"count": self.count, **body}
        return Response(body)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class SyncCursorPagination(KeysetPagination):
    """The incremental sync walk: oldest change first, settled."""


class NewestFirstCursorPagination(KeysetPagination):
    """Browsing newest first by following ``next``: no OFFSET however deep."""

    page_size = 50
    descending = True
    settle = False


def is_sync_walk(request) -> bool:
    return request.query_params.get("ordering") == "updated_at"


def is_newest_first_walk(request) -> bool:
    """The default order, followed through ``next`` (a ``cursor``) or started without a page
    number; ``?page=N`` keeps page numbers (and their OFFSET) for jumping."""
    params = request.query_params
    if params.get("ordering", "-updated_at") != "-updated_at":
        return False
    return "cursor" in params or "page" not in params

