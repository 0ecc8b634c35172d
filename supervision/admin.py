"""The administration of supervision: groups and campaigns are kept here; inspections,
findings, notices and listed supervision change only through supervision.services (the
admin shows them read-only, with their history)."""

from django.contrib import admin

from supervision.models import (
    Campaign,
    CampaignMatter,
    CampaignProgressReport,
    CampaignTask,
    Evidence,
    Finding,
    FindingEvent,
    Inspection,
    ListedSupervision,
    ListingEvent,
    Notice,
    SupervisionGroup,
)


@admin.register(SupervisionGroup)
class SupervisionGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "leader", "street"]
    filter_horizontal = ["members", "communities"]
    list_select_related = ["leader", "street"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records with a state machine or history: changed only by the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["uploaded_at", "stage", "original_name", "content_type", "size", "uploaded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "group", "community", "kind", "manner"]
    list_filter = ["kind", "manner", "group"]
    list_select_related = ["group", "community"]
    date_hierarchy = "held_on"


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "severity", "subject", "deadline", "status"]
    list_filter = ["status", "severity", "subject"]
    list_select_related = ["community"]
    search_fields = ["description", "rectification_required"]
    inlines = [EvidenceInline, FindingEventInline]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "group", "status", "sent_at"]
    list_filter = ["status", "group"]
    list_select_related = ["group"]


class ListingEventInline(admin.TabularInline):
    model = ListingEvent
    fields = ["created_at", "action", "from_grade", "to_grade", "deadline", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ListedSupervision)
class ListedSupervisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "risk", "grade", "deadline", "status"]
    list_filter = ["status", "grade"]
    list_select_related = ["community", "risk"]
    inlines = [ListingEventInline]


class CampaignTaskInline(admin.TabularInline):
    model = CampaignTask
    fields = ["title", "owner_department", "owner_community", "deadline", "status", "progress"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # tasks are given on the campaign's page (supervision.services)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """The six campaigns are data: names, summaries and dates are the administrator's."""

    list_display = ["position", "code", "name", "starts_on", "ends_on", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["is_active"]
    inlines = [CampaignTaskInline]


@admin.register(CampaignProgressReport)
class CampaignProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["task", "progress", "status", "actor", "created_at"]
    list_select_related = ["task", "actor"]


@admin.register(CampaignMatter)
class CampaignMatterAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "risk", "linked_by", "linked_at"]
    list_select_related = ["campaign", "risk", "linked_by"]
