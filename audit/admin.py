from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is browsed here or on the audit page, never edited."""

    list_display = ["seq", "created_at", "username", "action", "model_label", "object_id",
                    "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["=username", "=object_id", "target"]
    show_full_result_count = False  # counting a million entries for each page is slow

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
