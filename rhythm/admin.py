from django.contrib import admin

from rhythm.calendar import mark_year_complete
from rhythm.models import (
    CalendarDay,
    CalendarYear,
    DailyCheck,
    InstructionRecipient,
    RiskWarning,
    Snapshot,
    WorkInstruction,
    ZeroReport,
)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """China's official holidays and make-up workdays (调休): edited here each year."""

    list_display = ["day", "is_workday", "name"]
    list_editable = ["is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"
    search_fields = ["name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Years whose holidays and 调休 are all entered: adding a year here (after entering
    its days under the official calendar) marks it complete, by whom and when."""

    list_display = ["year", "source", "marked_by", "marked_at"]
    fields = ["year"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        marked = mark_year_complete(obj.year, actor=request.user)
        obj.pk = marked.pk


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskWarning)
class RiskWarningAdmin(ReadOnlyAdmin):
    list_display = ["risk", "level", "issued_at", "feedback_due", "status", "answered_at"]
    list_filter = ["status", "level"]
    list_select_related = ["risk"]
    search_fields = ["risk__code"]


@admin.register(DailyCheck)
class DailyCheckAdmin(ReadOnlyAdmin):
    list_display = ["day", "community", "created_at"]
    list_select_related = ["community"]
    date_hierarchy = "day"


@admin.register(ZeroReport)
class ZeroReportAdmin(ReadOnlyAdmin):
    list_display = ["day", "grid", "reporter", "created_at"]
    list_select_related = ["grid", "reporter"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["period_start", "kind", "street", "created_at"]
    list_filter = ["kind"]


class RecipientInline(admin.TabularInline):
    model = InstructionRecipient
    extra = 0
    can_delete = False
    readonly_fields = ["worker", "status", "answer", "answered_at", "overdue_at"]


@admin.register(WorkInstruction)
class WorkInstructionAdmin(ReadOnlyAdmin):
    list_display = ["issued_at", "kind", "area", "deadline", "issued_by"]
    inlines = [RecipientInline]
