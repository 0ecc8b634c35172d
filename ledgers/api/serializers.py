from django.urls import reverse
from rest_framework import serializers

from ledgers.choices import ExportStatus
from ledgers.models import ExportJob


class ExportJobSerializer(serializers.ModelSerializer):
    """A large export being written in the background; ``download`` once it is ready."""

    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "ledger", "status", "row_count", "created_at", "finished_at",
                  "download"]

    def get_download(self, job) -> str | None:
        if job.status != ExportStatus.DONE:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:ledger-export-download", args=[job.pk]))
