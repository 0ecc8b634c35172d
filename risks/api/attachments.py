"""``risks/{id}/attachments/``: a matter's photos and files (现场照片与材料), adding one
(multipart ``file``), and fetching one, through the matter's scope (outside it: 404).
A file comes as an attachment with the type read from its content and ``nosniff``; each
download is written to the access log (risks.attachments)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from quanfu.api.pagination import PageNumberPagination
from quanfu.errors import RuleBroken
from quanfu.files import PDF, PHOTOS, ceiling_message, ceiling_passed
from risks import attachments, services
from risks.api.serializers import PersonRefSerializer
from risks.attachment_views import download_response, thumbnail_response
from risks.models import Attachment
from risks.scoping import get_risk_for_user


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True,
                                 help_text="The name it was uploaded with (shown only).")
    uploaded_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="Where to download it (logged).")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A small JPEG of a photo (at most 320 px a side); null for a document.")

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at",
                  "url", "thumbnail_url"]
        extra_kwargs = {"content_type": {"help_text": "Read from the content: image/jpeg, "
                                                      "image/png, image/webp, application/pdf"},
                        "size": {"help_text": "Bytes of the stored file (a photo as "
                                              "re-encoded by the server)."},
                        "sha256": {"help_text": "SHA-256 of the stored file (hex)."}}

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_uploaded_by(self, item):
        person = item.uploaded_by
        if person is None:
            return None
        return {"id": person.pk, "username": person.username, "name": person.display_name}

    def _url(self, name, item) -> str:
        return self.context["request"].build_absolute_uri(
            reverse(name, args=[item.risk_id, item.pk]))

    def get_url(self, item) -> str:
        return self._url("api:risk-attachment-file", item)

    def get_thumbnail_url(self, item) -> str | None:
        return self._url("api:risk-attachment-thumbnail", item) if item.thumbnail else None


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file is refused by the service, on ``file``
        help_text="A photo (JPEG, PNG, WebP: re-encoded without its metadata, at most "
                  "2560 px a side) or a PDF document, at most 10 MB; its type is read "
                  "from its content.")


class AttachmentListView(generics.GenericAPIView):
    """GET: the matter's photos and files, oldest first. POST (multipart/form-data, one
    ``file``): add a photo or a PDF (201); whoever may write a note on the matter, or
    reported it, while it is neither written off nor void."""

    serializer_class = AttachmentSerializer
    pagination_class = PageNumberPagination
    filter_backends = []  # the matter's files, all of them
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: AttachmentSerializer(many=True)})
    def get(self, request, pk):
        risk = get_risk_for_user(request.user, pk)
        page = self.paginate_queryset(attachments.attachments_of(risk))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer})
    def post(self, request, pk):
        risk = get_risk_for_user(request.user, pk)
        attachments.require_may_attach(request.user, risk)  # before the body is read
        data = request.data  # reading the body: quanfu.uploads stops at its ceiling
        if ceiling_passed(request):  # then the file is missing: say why
            raise RuleBroken(ceiling_message(), field="file")
        incoming = AttachmentUploadSerializer(data=data)
        incoming.is_valid(raise_exception=True)
        item = services.attach_file(risk, incoming.validated_data["file"], actor=request.user)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)


class AttachmentDetailView(generics.GenericAPIView):
    """One of the matter's photos or files (its description, not its content)."""

    serializer_class = AttachmentSerializer

    def get(self, request, pk, attachment_pk):
        item = attachments.get_attachment_for_user(request.user, pk, attachment_pk)
        return Response(self.get_serializer(item).data)


class FileNegotiation(BaseContentNegotiation):
    """A file is what it is, whatever the client accepts; errors still come as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


BINARY_TYPES = [kind.content_type for kind in (*PHOTOS, PDF)]


class AttachmentFileView(generics.GenericAPIView):
    """The file itself, as an attachment with the type read from its content (nosniff);
    the download is written to the access log."""

    serializer_class = AttachmentSerializer
    content_negotiation_class = FileNegotiation

    @extend_schema(responses={(200, content_type): OpenApiTypes.BINARY
                              for content_type in BINARY_TYPES})
    def get(self, request, pk, attachment_pk):
        item = attachments.get_attachment_for_user(request.user, pk, attachment_pk)
        return download_response(request, item)


class AttachmentThumbnailView(generics.GenericAPIView):
    """A photo's thumbnail (a JPEG made by the server, at most 320 px a side); 404 for a
    document."""

    serializer_class = AttachmentSerializer
    content_negotiation_class = FileNegotiation

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk, attachment_pk):
        item = attachments.get_attachment_for_user(request.user, pk, attachment_pk)
        return thumbnail_response(item)
