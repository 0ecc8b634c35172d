from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.district_scope import district_refusal, set_district_streets
from accounts.lockout import unlock
from accounts.models import ApiToken, User
from accounts.services import revoke_api_token


class UserScopeChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        reason = district_refusal(cleaned.get("role"), cleaned.get("district_streets") or [])
        if reason is not None:
            self.add_error("district_streets", reason)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserScopeChangeForm
    list_display = ["username", "name", "role", "area", "department", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "department"]
    search_fields = ["username", "name"]
    list_select_related = ["area", "department"]
    autocomplete_fields = ["area", "department"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ("name", "role", "area", "department",
                                          "district_streets")}),
    )
    filter_horizontal = ["district_streets"]
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Role and scope"), {"fields": ("name", "role", "area", "department")}),
    )
    actions = ["unlock_logins"]

    def save_related(self, request, form, formsets, change):
        """District streets through their service: checked, and written to the audit log."""
        streets = form.cleaned_data.pop("district_streets", None)
        super().save_related(request, form, formsets, change)
        if streets is not None:
            set_district_streets(form.instance, streets, actor=request.user)

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

