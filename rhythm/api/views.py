from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.models import Area, Department
from quanfu.api.viewsets import ScopedViewSetMixin
from rhythm import report_scope, services, snapshots
from rhythm.api.serializers import (
    FeedbackSerializer,
    MonthlyStatisticsQuerySerializer,
    MonthlyStatisticsSerializer,
    WarningCreateSerializer,
    WarningSerializer,
)
from rhythm.filters import WarningFilterSet
from rhythm.permissions import require
from rhythm.scoping import visible_warnings
from risks import flow_figures
from risks.choices import RiskLevel


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


class MonthlyStatisticsView(APIView):
    """月统: the month's counts and rates by community, level and category, with the
    street's row for a caller who sees the whole street; the same figures as the
    monthly statistics page (rhythm.report_scope.monthly_rows: as kept by the monthly job,
    or counted now).

    化解率 (resolution rate) = matters resolved or written off ÷ valid matters of the
    period, the valid ones being every matter reported before the month's end except
    those checked and found not to be a risk; targets: high-level matters 100%, medium
    and low at least 90%. One definition (risks.figures) for this, the write-off progress
    ledger and the dashboards."""

    @extend_schema(parameters=[MonthlyStatisticsQuerySerializer],
                   responses={200: MonthlyStatisticsSerializer})
    def get(self, request):
        require(request.user, "read_statistics")
        query = MonthlyStatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = snapshots.month_start(query.validated_data.get("month")
                                      or timezone.localdate())
        scope = report_scope.figures_scope(request.user, query.validated_data.get("street"))
        rows, kept = report_scope.monthly_rows(scope, start)
        street_rows = [row for row in rows if row["community_id"] is None]
        body = {
            "month": f"{start:%Y-%m}", "street": scope.street.pk,
            "kept_at": kept.created_at if kept else None,
            "communities": [_api_row(row) for row in rows if row["community_id"] is not None],
            "street_total": _api_row(street_rows[0]) if street_rows else None,
            "flow": _flow(scope, start, rows),
        }
        return Response(MonthlyStatisticsSerializer(body).data)


def _flow(scope, start, rows: list[dict]) -> dict:
    """The month's flow figures (risks.flow_figures) of the communities of the month's
    rows (a community without matters has no flow either), with the street's total and
    the sections for a reader of the whole street. Two queries: sections, figures."""
    communities = [Area(pk=row["community_id"], name=row["community"]) for row in rows
                   if row["community_id"] is not None]
    sections = (list(Department.objects.filter(street=scope.street).order_by("code"))
                if scope.whole_street else None)
    table = flow_figures.flow_table(flow_figures.Period.of(start), street=scope.street,
                                    communities=communities, sections=sections)
    return {
        "communities": [{"community": row.unit_id, "name": row.name, **row.as_dict()}
                        for row in table.communities],
        "street_total": ({"community": None, "name": table.total.name,
                          **table.total.as_dict()} if table.total else None),
        "sections": [{"department": row.unit_id, "name": row.name, **row.as_dict()}
                     for row in table.sections],
    }


def _api_row(row: dict) -> dict:
    """A row of rhythm.snapshots.monthly_rows in the API's words: levels and categories
    as lists, ``total`` named ``valid``. A month kept before categories and the overall
    done count were kept has none of them."""
    return {
        "community": row["community_id"], "name": row["community"], "valid": row["total"],
        "done": row.get("done"), "closed": row["closed"],
        "resolution_rate": row.get("resolution_rate"), "write_off_rate": row["write_off_rate"],
        "feedback_due": row["feedback_due"], "feedback_on_time": row["feedback_on_time"],
        "on_time_feedback_rate": row["on_time_feedback_rate"],
        "levels": [_api_level(level, row["levels"][level]) for level in RiskLevel.values],
        "categories": [{"category": code, "name": figures["name"], "valid": figures["total"],
                        "done": figures["done"], "closed": figures["closed"],
                        "resolution_rate": figures["rate"]}
                       for code, figures in row.get("categories", {}).items()],
    }


def _api_level(level: str, figures: dict) -> dict:
    return {"level": level, "valid": figures["total"], "done": figures["done"],
            "resolution_rate": figures["rate"], "target": figures["target"],
            "met": figures["met"]}
