"""What every supervision page shares: refusals shown as 403 with their reason, a
service's refusal put next to its field, and the dashboard permission."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from quanfu.errors import Forbidden
from supervision import permissions


def refusals_as_403(view):
    """A Forbidden from a service is a 403 page with its reason."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            raise PermissionDenied(str(error.message)) from error

    return wrapped


def add_service_error(form, error) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def require(user, operation: str) -> None:
    """For pages that only show a form: refuse early what the service would refuse."""
    if not permissions.may(user, operation):
        raise PermissionDenied(_("Your role may not do this."))
