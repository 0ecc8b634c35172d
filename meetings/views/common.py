from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from quanfu.errors import Forbidden


def refusals_as_403(view):
    """A Forbidden from a service is a 403 page with its reason."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            raise PermissionDenied(str(error.message)) from error

    return wrapped


def add_service_error(form, error, aliases: dict | None = None) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    field = (aliases or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, str(error.message))


def meeting_url(pk, anchor: str = "") -> str:
    return reverse("meetings:meeting_detail", args=[pk]) + (f"#{anchor}" if anchor else "")
