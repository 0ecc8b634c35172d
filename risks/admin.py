from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from grids.admin import AreaAdmin
from grids.models import Area
from risks.choices import ClockFlag
from risks.clocks import colour
from risks.models import (
    Attachment,
    Category,
    ClockRule,
    EmergencyDrill,
    EmergencyPlan,
    Party,
    ResolutionPlan,
    Risk,
    RiskEvent,
    StageClock,
    SubjectRoute,
    Subtype,
)
from risks.services import move_area


class AreaWithMattersAdmin(AreaAdmin):
    """The area tree's admin, where moving an area moves its matters with it."""

    def move_area(self, area, new_parent, *, actor):
        move_area(area, new_parent, actor=actor)


admin.site.unregister(Area)
admin.site.register(Area, AreaWithMattersAdmin)


class SubtypeInline(admin.TabularInline):
    model = Subtype
    extra = 0
    fields = ["code", "name", "position", "is_active", "replaced_by"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories and subtypes are data: the administrator keeps them."""

    list_display = ["code", "name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    inlines = [SubtypeInline]

    def has_delete_permission(self, request, obj=None):
        return False  # matters refer to them; retire one with "in use" instead


@admin.register(SubjectRoute)
class SubjectRouteAdmin(admin.ModelAdmin):
    """Which section a subtype's matters are proposed to (属事), by the section's kind."""

    list_display = ["subtype", "department_kind"]
    list_editable = ["department_kind"]
    list_select_related = ["subtype__category"]
    search_fields = ["subtype__name", "subtype__code", "department_kind"]


@admin.register(ClockRule)
class ClockRuleAdmin(admin.ModelAdmin):
    """The stages' time limits in working days (yellow: the limit; red: the unit and the
    street's centre are told), by level and category (empty = any); the most specific
    rule applies to clocks started after the change."""

    list_display = ["stage", "level", "category", "yellow_days", "red_days"]
    list_editable = ["yellow_days", "red_days"]
    list_filter = ["stage", "level", "category"]
    list_select_related = ["category"]


@admin.register(StageClock)
class StageClockAdmin(admin.ModelAdmin):
    """Clocks start, stop, pause and change colour only through the register's flow
    (risks.clocks); the admin only reads them."""

    list_display = ["risk", "stage", "started_at", "yellow_at", "red_at", "paused_at",
                    "stopped_at", "light"]
    list_filter = ["stage"]
    list_select_related = ["risk"]
    search_fields = ["risk__code"]
    raw_id_fields = ["risk"]

    @admin.display(description=_("light"))
    def light(self, clock):
        return ClockFlag(colour(clock)).label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subtype)
class SubtypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "position", "is_active", "replaced_by"]
    list_filter = ["category", "is_active"]
    list_select_related = ["category", "replaced_by"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["replaced_by"]

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = RiskEvent
    fields = ["created_at", "kind", "action", "from_status", "to_status", "actor", "note",
              "changes"]
    readonly_fields = fields


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ["masked", "relation"]
    readonly_fields = fields

    @admin.display(description="当事人")
    def masked(self, party):
        return str(party)


class AttachmentInline(ReadOnlyInline):
    """Photos and files are added on the matter page (type checked, metadata removed)."""

    model = Attachment
    fields = ["uploaded_at", "original_name", "content_type", "size", "uploaded_by"]
    readonly_fields = fields


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    """Matters change only through the register's pages and API (risks.services), where
    every change is checked and written to the history; the admin only reads them."""

    list_display = ["code", "title", "category", "area", "level", "status", "tier",
                    "updated_at"]
    list_filter = ["status", "level", "tier", "category", "source"]
    search_fields = ["code", "title"]
    list_select_related = ["category", "area"]
    inlines = [PartyInline, AttachmentInline, EventInline]
    exclude = ["description"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskEvent)
class RiskEventAdmin(admin.ModelAdmin):
    """The history is append-only: nobody adds, changes or deletes events here."""

    list_display = ["created_at", "risk", "kind", "action", "from_status", "to_status", "actor"]
    list_filter = ["kind", "action"]
    list_select_related = ["risk", "actor"]
    search_fields = ["risk__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False


for model in (ResolutionPlan, EmergencyPlan, EmergencyDrill):
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {
        "has_add_permission": lambda self, request, obj=None: False,
        "has_change_permission": lambda self, request, obj=None: request.method in ("GET",
                                                                                   "HEAD"),
        "has_delete_permission": lambda self, request, obj=None: False,
    }))
