from contextlib import contextmanager

from django.db.models import Case, When
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import Origin
from grids.models import Area, Department
from ledgers.api.views import XlsxRenderer
from quanfu.api.viewsets import ScopedViewSetMixin
from quanfu.db_router import reads_from_replica
from quanfu.errors import RuleBroken
from quanfu.xlsx import XLSX_CONTENT_TYPE
from rhythm import monthly_export, report_scope, services, snapshots
from rhythm.api.serializers import (
    FeedbackSerializer,
    InstructionAnswerSerializer,
    InstructionSerializer,
    MonthlyStatisticsQuerySerializer,
    MonthlyStatisticsSerializer,
    WarningCreateSerializer,
    WarningSerializer,
    ZeroReportCreateSerializer,
    ZeroReportSerializer,
)
from rhythm.choices import InstructionStatus
from rhythm.filters import InstructionFilterSet, WarningFilterSet, ZeroReportFilterSet
from rhythm.permissions import require
from rhythm.scoping import instructions_to, visible_warnings, visible_zero_reports
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


class InstructionViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Work instructions (工作指令) sent to the caller, those awaiting an answer first (by
    deadline), then the answered ones, newest first. ``{id}`` is the instruction's id; an
    instruction sent to someone else answers 404."""

    serializer_class = InstructionSerializer
    filterset_class = InstructionFilterSet
    lookup_field = "instruction_id"
    lookup_url_kwarg = "pk"

    def visible_queryset(self, user):
        return (instructions_to(user)
                .select_related("instruction__issued_by", "instruction__risk")
                .annotate(answered=Case(When(status=InstructionStatus.ANSWERED, then=1),
                                        default=0))
                .order_by("answered", "instruction__deadline", "-answered_at", "-id"))

    @extend_schema(request=InstructionAnswerSerializer, responses={200: InstructionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def answer(self, request, pk=None):
        """Answer the instruction (on time or late); an instruction already answered is
        refused (400 on ``status``). The answer holds no ID or mobile numbers."""
        recipient = self.get_object()
        incoming = InstructionAnswerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with answer_named_content():
            recipient = services.answer_instruction(
                recipient, actor=request.user, answer=incoming.validated_data["content"])
        recipient = self.get_queryset().get(pk=recipient.pk)
        return Response(InstructionSerializer(recipient).data)


@contextmanager
def answer_named_content():
    """The service names the answer ``answer``; the API's body calls it ``content``."""
    try:
        yield
    except RuleBroken as error:
        if error.field == "answer":
            error.field = "content"
        raise


class ZeroReportViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Zero reports (零报告) of the grids the caller sees, the latest day first: a grid
    worker's grid (whoever of its workers filed them), an officer's community, a
    leader's street."""

    serializer_class = ZeroReportSerializer
    filterset_class = ZeroReportFilterSet

    def visible_queryset(self, user):
        return visible_zero_reports(user).select_related("reporter").order_by("-day", "-id")

    @extend_schema(request=ZeroReportCreateSerializer,
                   responses={201: ZeroReportSerializer, 200: ZeroReportSerializer})
    def create(self, request, *args, **kwargs):
        """Nothing new found in the grid that day (today if ``day`` is not given): 201. The
        grid's zero report of that day already filed (by anyone): 200 with that one,
        nothing else done. Only grid workers file them, for their own grid (403 for
        another role or another grid they see); a grid outside the caller's scope is
        400 on ``grid`` as one that does not exist; 400 on ``day`` for a day to come or
        a day on which matters were reported in the grid."""
        incoming = ZeroReportCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        report = services.file_zero_report(incoming.validated_data["grid"], actor=request.user,
                                           day=incoming.validated_data.get("day"))
        return Response(ZeroReportSerializer(report).data,
                        status=status.HTTP_201_CREATED if report.filed_now else status.HTTP_200_OK)


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
    @reads_from_replica
    def get(self, request):
        scope, start, rows, kept = monthly_figures(request)
        street_rows = [row for row in rows if row["community_id"] is None]
        body = {
            "month": f"{start:%Y-%m}", "street": scope.street.pk,
            "kept_at": kept.created_at if kept else None,
            "communities": [_api_row(row) for row in rows if row["community_id"] is not None],
            "street_total": _api_row(street_rows[0]) if street_rows else None,
            "flow": _flow(scope, start, rows),
        }
        return Response(MonthlyStatisticsSerializer(body).data)


def monthly_figures(request):
    """(scope, month's first day, rows, kept snapshot) of the monthly statistics asked by
    ``?month=&street=``, for the caller: the one source of the JSON and the .xlsx."""
    require(request.user, "read_statistics")
    query = MonthlyStatisticsQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    start = snapshots.month_start(query.validated_data.get("month") or timezone.localdate())
    scope = report_scope.figures_scope(request.user, query.validated_data.get("street"))
    rows, kept = report_scope.monthly_rows(scope, start)
    return scope, start, rows, kept


class MonthlyStatisticsXlsxView(APIView):
    """月统 as .xlsx: the rows of ``statistics/monthly/`` and of the monthly statistics
    page (the same function), one sheet by community, by level and by category, with
    Chinese headers; the street's row last for a reader of the whole street. Logged."""

    renderer_classes = [JSONRenderer, XlsxRenderer]  # errors still come as JSON

    @extend_schema(operation_id="v1_statistics_monthly_xlsx",
                   parameters=[MonthlyStatisticsQuerySerializer],
                   responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @reads_from_replica
    def get(self, request):
        scope, start, rows, _kept = monthly_figures(request)
        content = monthly_export.export_monthly_statistics(
            rows, street=scope.street, start=start, actor=request.user,
            origin=Origin.of(request))
        return FileResponse(content, as_attachment=True,
                            filename=monthly_export.filename(scope.street, start),
                            content_type=XLSX_CONTENT_TYPE)


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
