from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inbox.models import Message


class NoticeSerializer(serializers.ModelSerializer):
    """A notice of the caller's inbox (API_CONTRACT.md ``notices/``): a notice about a
    matter names the matter's code in its title; a digest of a burst says in its title how
    many notices it stands for."""

    url = serializers.SerializerMethodField(help_text=(
        "The page the notice is about (absolute), which its recipient may open; null for "
        "a notice that points nowhere."))

    class Meta:
        model = Message
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, message: Message) -> str | None:
        if not message.link:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(message.link) if request else message.link


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notices were marked read.")
