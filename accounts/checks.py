"""A system check: OTP_REQUIRED_ROLES may only name roles that exist."""

from django.conf import settings
from django.core.checks import Error, register

from accounts.roles import Role
from accounts.second_factor import ADMINISTRATOR


@register()
def check_required_second_factor_roles(app_configs, **kwargs):
    known = {role.value for role in Role} | {ADMINISTRATOR}
    unknown = sorted(set(settings.OTP_REQUIRED_ROLES) - known)
    if not unknown:
        return []
    return [Error(
        f"OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
        hint=f"Use role codes ({', '.join(sorted(known))}).",
        id="accounts.E001",
    )]
