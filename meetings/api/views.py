"""The meetings API: meetings with their decisions and action items, the agenda
proposal, amendments; action items with their progress; whistle calls and report-ins;
matters flagged by the escalation rules. Thin: scoped fetch, one service call."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from meetings import services
from meetings.agenda import propose_agenda
from meetings.api.serializers import (
    ActionItemInputSerializer,
    ActionItemSerializer,
    ActionItemTransitionSerializer,
    AgendaItemInputSerializer,
    AgendaProposalSerializer,
    AmendmentInputSerializer,
    AmendmentSerializer,
    ApproveSerializer,
    DecisionInputSerializer,
    DecisionSerializer,
    FlaggedMatterSerializer,
    MeetingCreateSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    NoteInputSerializer,
    ProgressSerializer,
    ReportInInputSerializer,
    WhistleCallInputSerializer,
    WhistleCallSerializer,
)
from meetings.choices import AmendedPart
from meetings.escalation import flagged_matters
from meetings.filters import ActionItemFilterSet, MeetingFilterSet, WhistleCallFilterSet
from meetings.models import DepartmentReport
from meetings.scoping import (
    get_action_item_for_user,
    get_whistle_call_for_user,
    visible_action_items,
    visible_items,
    visible_meetings,
    visible_whistle_calls,
)
from quanfu.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSetMixin
from risks.choices import Tier


def _item_of(user, meeting, item_id):
    item = visible_items(user).filter(meeting=meeting, pk=item_id).first()
    if item is None:
        raise Http404("No such agenda item.")
    item.meeting = meeting
    return item


class MeetingViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin,
                     viewsets.GenericViewSet):
    """Meetings of the three tiers in the caller's scope. ``minutes`` is null for those
    who see a meeting only through a decision on one of their matters; ``decisions`` and
    ``risks`` hold only the matters the caller may see."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def visible_queryset(self, user):
        items = visible_items(user).order_by("position", "id")
        action_items = visible_action_items(user).order_by("deadline", "id")
        return (visible_meetings(user)
                .prefetch_related(Prefetch("items", queryset=items,
                                           to_attr="visible_item_list"),
                                  Prefetch("action_items", queryset=action_items,
                                           to_attr="visible_action_item_list"),
                                  "attendees", "departments")
                .order_by("-held_on", "-id"))

    def _respond(self, meeting, code=status.HTTP_200_OK):
        fresh = self.visible_queryset(self.request.user).get(pk=meeting.pk)
        return Response(MeetingSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request, *args, **kwargs):
        """Convene a meeting (a draft), optionally with matters (``risks``) on its agenda."""
        incoming = MeetingCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        meeting = services.create_meeting(actor=request.user, **incoming.validated_data)
        return self._respond(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingUpdateSerializer, responses={200: MeetingSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change a draft; ``version``, if given, must be the one you read (else 409)."""
        meeting = self.get_object()
        incoming = MeetingUpdateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        version = changes.pop("version", None)
        services.update_meeting(meeting, actor=request.user, version=version, **changes)
        return self._respond(meeting)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(responses={200: AgendaProposalSerializer}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def agenda(self, request, pk=None):
        """What the system proposes for this draft's agenda: matters that reached the
        tier and were not discussed there since, and overdue action items."""
        proposal = propose_agenda(self.get_object(), request.user)
        return Response(AgendaProposalSerializer(proposal).data)

    @extend_schema(request=AgendaItemInputSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def items(self, request, pk=None):
        """Put a matter, an open action item or a topic on a draft's agenda."""
        meeting = self.get_object()
        incoming = AgendaItemInputSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        item = services.add_agenda_item(meeting, actor=request.user, **incoming.validated_data)
        return Response(DecisionSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInputSerializer, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def decisions(self, request, pk=None):
        """Record the decision on an agenda item (settle, escalate, send_down, follow_up,
        noted); it takes effect on the matter when the minutes are approved."""
        meeting = self.get_object()
        incoming = DecisionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        item = _item_of(request.user, meeting, data["item"])
        services.record_decision(item, actor=request.user, decision=data["decision"],
                                 note=data["note"])
        return self._respond(meeting)

    @extend_schema(request=ActionItemInputSerializer, responses={201: ActionItemSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, url_path="action_items")
    def action_items(self, request, pk=None):
        """Assign an action item; on approved minutes it is an amendment (give a reason)."""
        meeting = self.get_object()
        incoming = ActionItemInputSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        if data["item"] is not None:
            data["item"] = _item_of(request.user, meeting, data["item"])
        action_item = services.add_action_item(meeting, actor=request.user, **data)
        return Response(ActionItemSerializer(action_item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApproveSerializer, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request, pk=None):
        """Approve the minutes: the decisions take effect on the matters (through the
        register's transitions) and the record is locked."""
        meeting = self.get_object()
        incoming = ApproveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.approve_meeting(meeting, actor=request.user,
                                 version=incoming.validated_data.get("version"))
        return self._respond(meeting)

    @extend_schema(methods=["get"], responses={200: AmendmentSerializer(many=True)},
                   filters=False)
    @extend_schema(methods=["post"], request=AmendmentInputSerializer,
                   responses={201: AmendmentSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def amendments(self, request, pk=None):
        """Amendments of approved minutes, oldest first; POST records one."""
        meeting = self.get_object()
        if request.method == "GET":
            rows = meeting.amendments.all() if meeting.shows_record else []
            return Response(AmendmentSerializer(rows, many=True).data)
        incoming = AmendmentInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if data["part"] == AmendedPart.MINUTES:
            amendment = services.amend_minutes(meeting, actor=request.user,
                                               minutes=data["text"], reason=data["reason"])
        else:
            item = _item_of(request.user, meeting, data["item"] or 0)
            amendment = services.amend_decision(item, actor=request.user, note=data["text"],
                                                reason=data["reason"])
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


class ActionItemViewSet(ScopedReadOnlyViewSet):
    """Action items in the caller's scope: those of meetings' decisions on their matters,
    and their own (person or department). ``mine=true``, ``overdue=true`` filter."""

    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilterSet

    def visible_queryset(self, user):
        return (visible_action_items(user).select_related("meeting", "item")
                .order_by("deadline", "id"))

    @extend_schema(methods=["get"], responses={200: ProgressSerializer(many=True)},
                   filters=False)
    @extend_schema(methods=["post"], request=NoteInputSerializer,
                   responses={201: ProgressSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def progress(self, request, pk=None):
        """The progress notes, oldest first; POST adds one (the owners, or the meeting's
        managers)."""
        action_item = get_action_item_for_user(request.user, pk)
        if request.method == "GET":
            rows = action_item.progress.order_by("created_at", "id")
            return Response(ProgressSerializer(rows, many=True).data)
        incoming = NoteInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        row = services.add_progress_note(action_item, actor=request.user,
                                         note=incoming.validated_data["note"])
        return Response(ProgressSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionItemTransitionSerializer, responses={200: ActionItemSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def transition(self, request, pk=None):
        """complete (its owners), cancel or reopen (the meeting's managers), with a note."""
        action_item = get_action_item_for_user(request.user, pk)
        incoming = ActionItemTransitionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        action_item = services.transition_action_item(
            action_item, incoming.validated_data["action"], actor=request.user,
            note=incoming.validated_data["note"])
        return Response(ActionItemSerializer(action_item).data)


class WhistleCallViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Whistle calls (吹哨) on matters in the caller's scope or calling their department,
    with each department's report-in (报到)."""

    serializer_class = WhistleCallSerializer
    filterset_class = WhistleCallFilterSet

    def visible_queryset(self, user):
        reports = DepartmentReport.objects.select_related("call").order_by("department_id")
        return (visible_whistle_calls(user)
                .prefetch_related(Prefetch("reports", queryset=reports))
                .order_by("-called_at", "-id"))

    @extend_schema(request=WhistleCallInputSerializer, responses={201: WhistleCallSerializer})
    def create(self, request, *args, **kwargs):
        """Blow the whistle on an open matter: call departments to report in by a time."""
        incoming = WhistleCallInputSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        call = services.blow_whistle(actor=request.user, **incoming.validated_data)
        fresh = self.visible_queryset(request.user).get(pk=call.pk)
        return Response(WhistleCallSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportInInputSerializer, responses={200: WhistleCallSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def report(self, request, pk=None):
        """A called department reports in: who, and what it will do."""
        call = get_whistle_call_for_user(request.user, pk)
        incoming = ReportInInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        report = call.reports.filter(department_id=data["department"]).first()
        if report is None:
            raise Http404("That department is not called on this matter.")
        services.report_in(report, actor=request.user, plan=data["plan"],
                           responder=data["responder"])
        fresh = self.visible_queryset(request.user).get(pk=call.pk)
        return Response(WhistleCallSerializer(fresh).data)


@extend_schema(parameters=[OpenApiParameter("tier", OpenApiTypes.STR,
                                            enum=["community", "street"],
                                            description="only matters at this tier")])
class EscalationFlagViewSet(ScopedReadOnlyViewSet):
    """Open matters the street's escalation rules flag (days unresolved at their tier, per
    level), longest waiting first. The rules only flag: a person decides."""

    serializer_class = FlaggedMatterSerializer

    def visible_queryset(self, user):
        tier = self.request.query_params.get("tier")
        return flagged_matters(user, tier if tier in Tier.values else None)
