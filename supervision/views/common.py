"""What every supervision page shares: the early refusal of a role. (A service's refusal
is mapped by quanfu.refusals, as in every app.)"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from supervision import permissions


def require(user, operation: str) -> None:
    """For pages that only show a form: refuse early what the service would refuse."""
    if not permissions.may(user, operation):
        raise PermissionDenied(_("Your role may not do this."))
