"""The administration shows meetings, action items and whistle calls read-only: every
change goes through meetings.services (on the pages or the API), where the rules and the
history live. Escalation rules are configuration, edited here or on their page."""

from django.contrib import admin
from django.utils import timezone

from meetings.models import (
    ActionItem,
    ActionItemProgress,
    Amendment,
    DepartmentReport,
    EscalationRule,
    Meeting,
    MeetingItem,
    WhistleCall,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MeetingItemInline(ReadOnlyInline):
    model = MeetingItem
    fields = ["position", "kind", "topic", "decision", "decision_note"]
    readonly_fields = fields


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["number", "part", "before", "after", "reason", "amended_by", "amended_at"]
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "title", "tier", "kind", "area", "status"]
    list_filter = ["tier", "kind", "status"]
    search_fields = ["title"]
    date_hierarchy = "held_on"
    list_select_related = ["area"]
    inlines = [MeetingItemInline, AmendmentInline]


class ProgressInline(ReadOnlyInline):
    model = ActionItemProgress
    fields = ["created_at", "actor", "action", "note"]
    readonly_fields = fields


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "meeting", "owner", "owner_department", "deadline", "status"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["meeting", "owner", "owner_department"]
    inlines = [ProgressInline]


class ReportInline(ReadOnlyInline):
    model = DepartmentReport
    fields = ["department", "responder", "plan", "reported_by", "reported_at"]
    readonly_fields = fields


@admin.register(WhistleCall)
class WhistleCallAdmin(ReadOnlyAdmin):
    list_display = ["risk", "called_by", "called_at", "respond_by", "status"]
    list_filter = ["status"]
    list_select_related = ["risk", "called_by"]
    inlines = [ReportInline]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["street", "tier", "level", "days", "updated_by", "updated_at"]
    list_filter = ["tier", "level"]
    fields = ["street", "tier", "level", "days"]

    def save_model(self, request, obj, form, change):
        obj.updated_by, obj.updated_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
