from django.urls import reverse
from rest_framework import serializers

from ledgers.choices import ExportStatus
from ledgers.layouts import DISPUTE_ITEMS, NOT_HELD
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


def _item(field_class, key: str, **options):
    """A field of the dispute record, described by its GB/T 31000 item name."""
    header = next(header for item, header, _width in DISPUTE_ITEMS if item == key)
    note = " Not held by this register: always null." if key in NOT_HELD else ""
    return field_class(help_text=f"GB/T 31000-2015: {header}.{note}", **options)


class DisputeRecordSerializer(serializers.Serializer):
    """A dispute (a matter of the category 社会矛盾风险) in the dispute-record items of
    GB/T 31000-2015 (矛盾纠纷排查化解), as the city one-stop platform takes it; the same
    items as the disputes ledger's .xlsx (ledgers/DISPUTES_HANDOVER.md: the mapping and
    the codes). Parties are masked unless asked unmasked by a permitted user."""

    id = serializers.IntegerField(help_text="The matter's id in the register.")
    updated_at = serializers.DateTimeField(
        help_text="Last change: the sync walk's order and the next updated_after.")
    code = _item(serializers.CharField, "code")
    name = _item(serializers.CharField, "name")
    occurred_at = _item(serializers.DateTimeField, "occurred_at")
    place = _item(serializers.CharField, "place")
    scale = _item(serializers.CharField, "scale", allow_null=True)
    category = _item(serializers.CharField, "category")
    people_involved = _item(serializers.IntegerField, "people_involved", allow_null=True)
    summary = _item(serializers.CharField, "summary")
    organisations_involved = _item(serializers.CharField, "organisations_involved",
                                   allow_null=True)
    main_party_name = _item(serializers.CharField, "main_party_name")
    main_party_id_type = _item(serializers.CharField, "main_party_id_type", allow_null=True)
    main_party_id_number = _item(serializers.CharField, "main_party_id_number",
                                 allow_null=True)
    main_party_sex = _item(serializers.CharField, "main_party_sex", allow_null=True)
    main_party_ethnicity = _item(serializers.CharField, "main_party_ethnicity",
                                 allow_null=True)
    main_party_education = _item(serializers.CharField, "main_party_education",
                                 allow_null=True)
    main_party_phone = _item(serializers.CharField, "main_party_phone")
    resolution_deadline = _item(serializers.DateField, "resolution_deadline", allow_null=True)
    resolution_method = _item(serializers.CharField, "resolution_method")
    resolution_organisation = _item(serializers.CharField, "resolution_organisation")
    responsible_person = _item(serializers.CharField, "responsible_person")
    responsible_person_phone = _item(serializers.CharField, "responsible_person_phone",
                                     allow_null=True)
    resolved = _item(serializers.CharField, "resolved")
    resolution = _item(serializers.CharField, "resolution")
    evaluated_on = _item(serializers.DateField, "evaluated_on", allow_null=True)
    evaluation = _item(serializers.CharField, "evaluation")
    version = serializers.IntegerField(help_text=(
        "The matter's version: give it when acknowledging, so that a record changed since "
        "it was read is not acknowledged (409)."))
    acked = serializers.BooleanField(help_text=(
        "Whether the city platform took the record as it is now (ledgers/disputes/{id}/ack/); "
        "false again once the record changed after it was taken."))
    acked_at = serializers.DateTimeField(allow_null=True, help_text=(
        "When the city platform took the record as it is now; null when not taken, or "
        "changed since."))
    platform_ref = serializers.CharField(allow_null=True, help_text=(
        "The city platform's own reference for the record, as given when it last took it; "
        "kept when the record changed since."))


class DisputeAckInputSerializer(serializers.Serializer):
    platform_ref = serializers.CharField(max_length=100, help_text=(
        "The city platform's own reference for the record it took."))
    version = serializers.IntegerField(min_value=1, required=False, help_text=(
        "The record's version as read from the feed: if it changed since, the answer is "
        "409 and nothing is recorded. Without it, the current version is acknowledged."))


class DisputeAckSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The matter's id in the register.")
    platform_ref = serializers.CharField()
    acked_at = serializers.DateTimeField()
    acked_version = serializers.IntegerField(help_text="The matter's version taken.")
