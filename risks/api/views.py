from django.db.models import F, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import Origin
from quanfu.api.pagination import PageNumberPagination
from quanfu.api.sync import (
    NewestFirstCursorPagination,
    SyncCursorPagination,
    is_newest_first_walk,
    is_sync_walk,
)
from quanfu.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from quanfu.db_router import reads_from_replica
from risks import services
from risks.api.clocks import clocks_of_rows
from risks.api.serializers import (
    LIST_ROW_FIELDS,
    CategorySerializer,
    ExternalRefTakenSerializer,
    MaskedPartySerializer,
    NoteSerializer,
    PartyInputSerializer,
    RiskCreatedSerializer,
    RiskCreateSerializer,
    RiskDetailSerializer,
    RiskEventSerializer,
    RiskSerializer,
    RiskUpdateSerializer,
    TransitionSerializer,
    UnmaskedPartySerializer,
)
from risks.filters import RiskFilterSet
from risks.models import Category, Subtype
from risks.scoping import get_risk_for_user, visible_risks


class CategoryViewSet(ScopedReadOnlyViewSet):
    """The seven risk categories and their subtypes (the same for every user)."""

    serializer_class = CategorySerializer
    lookup_field = "code"
    lookup_value_regex = "[a-z0-9_-]{1,40}"
    pagination_class = None

    def visible_queryset(self, user):
        return Category.objects.filter(is_active=True).prefetch_related(
            Prefetch("subtypes", queryset=Subtype.objects.select_related("replaced_by")
                     .order_by("position", "code")))


class RiskPagination(PageNumberPagination):
    """Keyset cursors on (updated_at, id): oldest first for the sync walk, newest first for
    the default order; page numbers (``?page=N``) for jumping and for other orders."""

    def paginate_queryset(self, queryset, request, view=None):
        self.sync = None
        if is_sync_walk(request):
            self.sync = SyncCursorPagination()
        elif is_newest_first_walk(request):
            self.sync = NewestFirstCursorPagination()
        if self.sync is not None:
            return self.sync.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.sync is not None:
            return self.sync.get_paginated_response(data)
        return super().get_paginated_response(data)


@extend_schema(parameters=[
    OpenApiParameter("ordering", OpenApiTypes.STR, description=(
        "updated_at (the incremental sync walk: cursor pages on (updated_at, id)), "
        "-updated_at, discovered_at, -discovered_at, created_at, due_on, code, level, status")),
])
class RiskViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The register: every matter in the caller's scope (属地 and, for sections, 属事)."""

    filterset_class = RiskFilterSet
    pagination_class = RiskPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def visible_queryset(self, user):
        if self.action == "list":
            return visible_risks(user)  # page_queryset adds what the page's rows need
        queryset = visible_risks(user).select_related("category", "subtype")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("parties", "clocks")
        return queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            clocks_of_rows(page)  # one query for the page's clocks, none per row
        return page

    def page_queryset(self, queryset):
        """A list page's rows: plain values with the category and subtype codes joined in
        (for the page only: the count needs no join), no model instances."""
        if self.action != "list":  # the history, parties, ... paginate their own rows
            return queryset
        return queryset.annotate(category_code=F("category__code"),
                                 subtype_code=F("subtype__code")).values(*LIST_ROW_FIELDS)

    def get_serializer_class(self):
        return RiskDetailSerializer if self.action == "retrieve" else RiskSerializer

    def list(self, request, *args, **kwargs):
        """The sync walk (``updated_after``, or ``ordering=updated_at``) reads the replica
        when there is one (quanfu.db_router); browsing the register reads the primary."""
        if "updated_after" in request.query_params or is_sync_walk(request):
            return reads_from_replica(super().list)(request, *args, **kwargs)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RiskCreateSerializer, responses={
        201: RiskCreatedSerializer,
        409: OpenApiResponse(ExternalRefTakenSerializer, description=(
            "This client already sent a matter with this external_ref: nothing was "
            "created; ``existing`` is that matter's id."))})
    def create(self, request, *args, **kwargs):
        """Report a matter. Possible duplicates are listed in the answer; they never block."""
        incoming = RiskCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        result = services.report_risk(actor=request.user, **incoming.validated_arguments())
        result.risk.duplicate_suggestions = [
            {"id": risk.pk, "code": risk.code, "title": risk.title, "similarity": score}
            for risk, score in result.suggestions
        ]
        body = RiskCreatedSerializer(result.risk, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=RiskUpdateSerializer, responses={200: RiskDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change a matter; ``version`` must be the one you read, or the answer is 409."""
        risk = self.get_object()
        incoming = RiskUpdateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        risk = services.update_risk(risk, actor=request.user,
                                    version=incoming.validated_data["version"],
                                    changes=incoming.changes())
        return Response(RiskDetailSerializer(risk, context={"request": request}).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=TransitionSerializer, responses={200: RiskDetailSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """verify, reject, start, resolve, close, reopen, escalate, deescalate,
        confirm_grade, dispatch (with ``department``), accept, return, rework, resume (a
        paused clock)."""
        risk = self.get_object()
        incoming = TransitionSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        risk = services.transition_risk(risk, incoming.validated_data["action"],
                                        actor=request.user,
                                        note=incoming.validated_data["note"],
                                        version=incoming.validated_data.get("version"),
                                        department=incoming.validated_data.get("department"))
        return Response(RiskDetailSerializer(risk, context={"request": request}).data)

    @extend_schema(responses={200: RiskEventSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None,
            pagination_class=PageNumberPagination)
    def events(self, request, pk=None):
        """The append-only history of the matter, oldest first."""
        risk = get_risk_for_user(request.user, pk)
        events = risk.events.select_related("actor").order_by("created_at", "id")
        page = self.paginate_queryset(events)
        data = RiskEventSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(request=NoteSerializer, responses={201: RiskEventSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def notes(self, request, pk=None):
        """Add a progress note (or a grid worker's answer to an instruction)."""
        risk = get_risk_for_user(request.user, pk)
        incoming = NoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        event = services.add_note(risk, actor=request.user, note=incoming.validated_data["note"])
        return Response(RiskEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["get"],
        parameters=[OpenApiParameter("unmask", OpenApiTypes.BOOL, description=(
            "true: names and phones in the clear (needs the unmask permission; logged)"))],
        responses={200: MaskedPartySerializer(many=True)},
    )
    @extend_schema(methods=["post"], request=PartyInputSerializer,
                   responses={201: MaskedPartySerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def parties(self, request, pk=None):
        """The parties (当事人), masked unless ``unmask=true`` by a permitted user."""
        risk = get_risk_for_user(request.user, pk)
        if request.method == "POST":
            incoming = PartyInputSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            party = services.add_party(risk, actor=request.user, **incoming.validated_data)
            return Response(MaskedPartySerializer(party).data, status=status.HTTP_201_CREATED)
        if request.query_params.get("unmask") in ("1", "true", "yes"):
            parties = services.reveal_parties(risk, actor=request.user,
                                              origin=Origin.of(request))
            return Response(UnmaskedPartySerializer(parties, many=True).data)
        return Response(MaskedPartySerializer(risk.parties.all(), many=True).data)

