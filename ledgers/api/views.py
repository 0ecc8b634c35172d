"""``ledgers/{name}.xlsx``: a ledger as Excel, filtered with the query parameters of
``risks/`` (RiskFilterSet, after scoping), and the background jobs of large exports;
``ledgers/disputes/``: the disputes ledger as a JSON feed for the city platform."""

import json

import django_filters
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from audit.services import Origin
from ledgers import exports, services
from ledgers.acknowledgements import acknowledge_dispute, taken_q
from ledgers.api.serializers import (
    DisputeAckInputSerializer,
    DisputeAckSerializer,
    DisputeRecordSerializer,
    ExportJobSerializer,
)
from ledgers.choices import ExportStatus, Ledger
from ledgers.models import ExportJob
from quanfu.api.filtering import FilterBackend
from quanfu.api.sync import SyncCursorPagination
from quanfu.api.viewsets import ScopedViewSetMixin
from quanfu.db_router import reads_from_replica
from quanfu.xlsx import XLSX_CONTENT_TYPE
from risks.filters import RiskFilterSet
from risks.scoping import visible_risks


class XlsxRenderer(BaseRenderer):
    """Lets a client ask for the workbook by its media type; errors still come as JSON."""

    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # an error or an export job, asked for with ?format=xlsx: JSON, and labelled so
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode()


def xlsx_file(content, filename: str) -> FileResponse:
    return FileResponse(content, as_attachment=True, filename=filename,
                        content_type=XLSX_CONTENT_TYPE)


@extend_schema(
    filters=True,
    parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH,
                                 enum=Ledger.values),
                OpenApiParameter("unmask", OpenApiTypes.BOOL, description=(
                    "true: parties' names and phones in the clear (needs the unmask "
                    "permission; logged)"))],
    responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY, 202: ExportJobSerializer},
)
class LedgerExportView(ScopedViewSetMixin, generics.GenericAPIView):
    """A ledger as .xlsx: online, archive, key_matters, baseline, progress, and disputes
    (the city one-stop platform's layout). More than 5,000 rows: 202 with the export job,
    whose ``download`` appears when the file is written."""

    filterset_class = RiskFilterSet
    filter_backends = [FilterBackend]
    renderer_classes = [JSONRenderer, XlsxRenderer]
    pagination_class = None

    def visible_queryset(self, user):
        return visible_risks(user)

    @reads_from_replica
    def get(self, request, name):
        if name not in services.available_ledgers():
            raise Http404("No such ledger.")
        self.filter_queryset(self.get_queryset())  # invalid filters: 400, as on risks/
        outcome = services.export_ledger(
            actor=request.user, ledger=name, params=request.query_params,
            unmask=request.query_params.get("unmask") in ("1", "true", "yes"),
            origin=Origin.of(request), request=request)
        if outcome.job is not None:
            body = ExportJobSerializer(outcome.job, context={"request": request}).data
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return xlsx_file(outcome.content, outcome.filename)


class ExportJobView(generics.RetrieveAPIView):
    """One of the caller's own background exports (anyone else's is 404)."""

    serializer_class = ExportJobSerializer
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return ExportJob.objects.filter(requested_by=self.request.user)


class ExportJobDownloadView(generics.GenericAPIView):
    """The file of one of the caller's finished background exports."""

    serializer_class = ExportJobSerializer
    renderer_classes = [JSONRenderer, XlsxRenderer]

    def get_queryset(self):
        return ExportJob.objects.filter(requested_by=self.request.user,
                                        status=ExportStatus.DONE)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request, pk):
        job = self.get_object()
        if not default_storage.exists(job.file_name):
            raise Http404("The file is no longer kept.")
        services.log_export_download(job, actor=request.user, origin=Origin.of(request))
        stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
        return xlsx_file(default_storage.open(job.file_name),
                         f"{exports.TITLES[job.ledger]}-{stamp}.xlsx")


class DisputeFeedFilterSet(RiskFilterSet):
    """The register's filters, less ``ordering`` (the feed's order is its walk's), and
    whether the city platform took the record as it is now."""

    ordering = None
    acked = django_filters.BooleanFilter(
        method="filter_acked", label="Taken by the city platform as it is now (false: "
                                     "never taken, or changed since)")

    def filter_acked(self, queryset, name, value):
        return queryset.filter(taken_q()) if value else queryset.exclude(taken_q())


@extend_schema(
    filters=True,
    parameters=[
        OpenApiParameter("cursor", OpenApiTypes.STR, description=(
            "The position in the walk: take it from the previous page's ``next``.")),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500; 100 if not given"),
        OpenApiParameter("unmask", OpenApiTypes.BOOL, description=(
            "true: parties' names and phones in the clear (needs the unmask permission; "
            "logged)")),
    ],
)
class DisputeFeedView(ScopedViewSetMixin, generics.ListAPIView):
    """The disputes ledger as a feed for the city one-stop dispute platform: each dispute
    of the caller's scope in the items of GB/T 31000-2015 (ledgers/DISPUTES_HANDOVER.md),
    oldest change first, in keyset pages on (updated_at, id). Start with
    ``updated_after`` = the last ``updated_at`` taken, follow ``next`` to the end; a
    matter changed during the walk comes again later. The register's filters apply."""

    serializer_class = DisputeRecordSerializer
    filterset_class = DisputeFeedFilterSet
    filter_backends = [FilterBackend]
    pagination_class = SyncCursorPagination

    def visible_queryset(self, user):
        return exports.disputes_only(visible_risks(user))

    @reads_from_replica  # the city platform's sync walk
    def list(self, request, *args, **kwargs):
        unmask = request.query_params.get("unmask") in ("1", "true", "yes")
        page = self.paginate_queryset(
            self.filter_queryset(self.get_queryset()).only("id", "updated_at"))
        records = services.dispute_records([matter.pk for matter in page], actor=request.user,
                                           unmask=unmask, origin=Origin.of(request))
        return self.get_paginated_response(self.get_serializer(records, many=True).data)


class DisputeAckView(ScopedViewSetMixin, generics.GenericAPIView):
    """The city platform took this dispute record (同步上传): ``platform_ref`` is its own
    reference for it. The acknowledgement covers the record as it is now (or as of
    ``version``, refused with 409 if it changed since); a record changed afterwards shows
    in the feed as not taken again (``acked=false``). For the city platform's API client;
    a dispute outside the caller's scope, or a matter that is no dispute, answers 404."""

    serializer_class = DisputeAckInputSerializer
    filter_backends = []
    pagination_class = None

    def visible_queryset(self, user):
        return exports.disputes_only(visible_risks(user))

    @extend_schema(request=DisputeAckInputSerializer, responses={200: DisputeAckSerializer})
    def post(self, request, pk):
        risk = self.get_object()
        incoming = DisputeAckInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        acknowledgement = acknowledge_dispute(
            risk, actor=request.user, platform_ref=incoming.validated_data["platform_ref"],
            version=incoming.validated_data.get("version"))
        return Response(DisputeAckSerializer({
            "id": risk.pk, "platform_ref": acknowledgement.platform_ref,
            "acked_at": acknowledgement.acked_at,
            "acked_version": acknowledgement.acked_version}).data)
