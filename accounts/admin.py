from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.lockout import unlock
from accounts.models import ApiToken, User
from accounts.services import revoke_api_token


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "role", "area", "department", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "department"]
    search_fields = ["username", "name"]
    list_select_related = ["area", "department"]
    autocomplete_fields = ["area", "department"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ("name", "role", "area", "department")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Role and scope"), {"fields": ("name", "role", "area", "department")}),
    )
    actions = ["unlock_logins"]

    @admin.action(description=_("Unlock the selected people's logins"))
    def unlock_logins(self, request, queryset):
        for user in queryset:
            unlock(user.get_username())
        self.message_user(request, _("Their failed logins are forgotten: they may log in "
                                     "again."), messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "key_prefix", "created_at", "expires_at", "last_used_at",
                    "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "expires_at", *readonly_fields]
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        # A key must be shown exactly once; `manage.py issue_token` or the API does that.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_selected(self, request, queryset):
        for token in queryset:
            revoke_api_token(token)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)

