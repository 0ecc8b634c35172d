"""``risks/{id}/follow-ups/``: the follow-up calls after a matter's write-off (回访), and
recording one (risks.follow_ups)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from risks.api.serializers import PersonRefSerializer
from risks.choices import FollowUpOutcome
from risks.follow_ups import follow_ups_of, record_follow_up
from risks.models import FollowUp
from risks.scoping import get_risk_for_user


class FollowUpSerializer(serializers.ModelSerializer):
    called_by = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = ["id", "risk", "outcome", "note", "called_by", "called_at"]

    @extend_schema_field(PersonRefSerializer())
    def get_called_by(self, follow_up):
        person = follow_up.called_by
        return {"id": person.pk, "username": person.username, "name": person.display_name}


class FollowUpInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpListView(APIView):
    """GET: the matter's follow-up calls, newest first. POST ``{"outcome": "satisfied" |
    "dissatisfied" | "unreachable", "note"}``: record one on a written-off matter (201);
    by the community's officers, the section owning it, street leaders."""

    @extend_schema(responses={200: FollowUpSerializer(many=True)})
    def get(self, request, pk):
        risk = get_risk_for_user(request.user, pk)
        return Response(FollowUpSerializer(follow_ups_of(risk), many=True).data)

    @extend_schema(request=FollowUpInputSerializer, responses={201: FollowUpSerializer})
    def post(self, request, pk):
        risk = get_risk_for_user(request.user, pk)
        incoming = FollowUpInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        follow_up = record_follow_up(risk, actor=request.user, **incoming.validated_data)
        return Response(FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)
